import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { deltasSince, listMembership, listVersions, type DeltaRow } from '../../src/lists/queries.ts';
import { buildCountry, K, L, STATES, a, b, m, r } from './fixture.ts';
import {
  classifyFixture, currentLists, ENGINE, freshDb, lists, reference, storedDelta, testKey, withTempDir, type Lists, type StateSpec,
} from './helpers.ts';

const KIND: Record<string, string> = {
  blocked: 'add', new: 'add', added: 'add', unblocked: 'remove', resolved: 'remove', blacklisted: 'remove', no_longer_seen: 'remove', removed: 'remove', changed: 'changed',
};
/** Delta rows `list/op:imei,imsi,msisdn=reason` → `…=add|remove|changed`. */
const kinds = (rows: string[]) => rows.map((x) => x.replace(/=(\w+)$/, (_m, c: string) => `=${KIND[c]}`)).sort();

/** The difference between two list contents, in the same form (computed here, independently of the module). */
function difference(before: Lists, after: Lists): string[] {
  const out: string[] = [];
  const parse = (list: string, row: string): [string, string] => {
    if (list === 'blocklist') {
      const f = row.split(',');
      return [`blocklist/:${f[0]},,`, row];
    }
    const [op, rest] = row.split(':');
    const f = rest.split(',');
    return [`${list}/${op}:${f[0]},${f[1]},${f[2]}`, rest];
  };
  for (const list of ['blocklist', 'notifications', 'exceptions'] as const) {
    const old = new Map(before[list].map((x) => parse(list, x)));
    const now = new Map(after[list].map((x) => parse(list, x)));
    for (const [k, v] of now) {
      if (!old.has(k)) out.push(`${k}=add`);
      else if (old.get(k) !== v) out.push(`${k}=changed`);
    }
    for (const k of old.keys()) if (!now.has(k)) out.push(`${k}=remove`);
  }
  return out.sort();
}

/** Lists of one operator (and the block list). */
function ofOperator(l: Lists, op: string): Lists {
  return { blocklist: l.blocklist, notifications: l.notifications.filter((x) => x.startsWith(`${op}:`)), exceptions: l.exceptions.filter((x) => x.startsWith(`${op}:`)) };
}

/** Apply delta rows, in order, to an operator's lists, as the operator would. */
function replay(start: Lists, rows: DeltaRow[], op: string): Lists {
  const l = ofOperator(start, op);
  const keyOf = (x: string, n: number) => x.split(',').slice(0, n).join(',');
  const maps = {
    blocklist: new Map(l.blocklist.map((x) => [keyOf(x, 1), x])),
    notifications: new Map(l.notifications.map((x) => [keyOf(x, 3), x])),
    exceptions: new Map(l.exceptions.map((x) => [x, x])),
  };
  for (const d of rows) {
    const put = ['blocked', 'new', 'added', 'changed'].includes(d.change);
    const k = d.list === 'blocklist' ? d.imei_norm : `${op}:${d.imei_norm},${d.imsi},${d.msisdn}`;
    const v = d.list === 'blocklist' ? `${k},${d.block_date},${d.reasons}` : d.list === 'notifications' ? `${k},${d.block_date},${d.reasons}` : k;
    if (put) maps[d.list].set(k, v);
    else maps[d.list].delete(k);
  }
  return { blocklist: [...maps.blocklist.values()].sort(), notifications: [...maps.notifications.values()].sort(), exceptions: [...maps.exceptions.values()].sort() };
}

/** Delta CSV rows of a version folder, as `list/op:imei,imsi,msisdn=change`. */
function deltaFiles(dir: string, operators: string[]): string[] {
  const rows = (file: string) => readFileSync(file, 'utf8').trimEnd().split('\n').slice(1).filter(Boolean).map((x) => x.split(','));
  const out = rows(join(dir, 'blocklist', 'blacklist_delta.csv')).map((f) => `blocklist/:${f[0]},,=${f[3]}`);
  for (const op of operators) {
    out.push(...rows(join(dir, op, 'notifications_delta.csv')).map((f) => `notifications/${op}:${f[0]},${f[1]},${f[2]}=${f[5]}`));
    out.push(...rows(join(dir, op, 'exceptions_delta.csv')).map((f) => `exceptions/${op}:${f[0]},${f[1]},${f[2]}=${f[3]}`));
  }
  return out.sort();
}

test(`[${ENGINE}] versions: every delta reason, deltas since a version, deltas against an older base`, async (t) => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    await buildCountry(db, dir);
    // K12 pending, its subscriber seen on 2025-01-05 only: in version 1's window, not version 2's.
    const K12_STOLEN: StateSpec = { imei: K[12], cond: 'stolen', block: '2025-04-30', start: '2025-02-01' };
    await classifyFixture(db, L, [...STATES, K12_STOLEN]);
    const v1 = await lists(db);
    const lists1 = await currentLists(db);

    await t.test('the first version has no base; its delta is the whole lists, as additions', async () => {
      assert.equal(v1.version, 1);
      assert.equal(v1.base_version, null);
      assert.equal(v1.previous_version, null);
      assert.ok(lists1.notifications.includes(`beta:${K[12]},${b(12)},${m(12)},2025-04-30,IMEI reported stolen`));
      const d = await storedDelta(db, 1);
      assert.equal(d.length, lists1.blocklist.length + lists1.notifications.length + lists1.exceptions.length);
      assert.ok(d.every((x) => /=(blocked|new|added)$/.test(x)));
      assert.deepEqual(v1.counts.delta.blocklist, { blocked: 4, unblocked: 0, changed: 0 });
    });

    // Version 2 on 2025-03-21 (window 2025-01-20..2025-03-20).
    await reference(db, dir, 'pairing_list', [
      'imei,imsi,msisdn',
      `${K[6]},${a(6)},${m(6)}`,
      `${K[9]},${a(9)},${m(7)}`,
      `${K[1]},99903${'1'.padStart(10, '0')},${m(11)}`,
      `${K[16]},${r(16)},${m(16)}`,
      `${K[17]},${r(17)},${m(17)}`,
      `${K[18]},${a(18)},${m(18)}`,
      // K15's subscriber is now paired; K10's pairing is gone.
      `${K[15]},${a(15)},${m(15)}`,
    ]);
    const states2: StateSpec[] = [
      // K1 released; K2 loses its dup state.
      ...STATES.filter((s) => !(s.imei === K[1] && s.cond === 'stolen') && !(s.imei === K[2] && s.cond === 'dup')),
      K12_STOLEN,
      // K5 gets a second pending condition; K19 is newly pending.
      { imei: K[5], cond: 'stolen', block: '2025-04-30', start: '2025-03-21' },
      { imei: K[19], cond: 'dup', block: '2025-04-20', start: '2025-03-21' },
    ];
    await classifyFixture(db, '2025-03-21', states2);
    const v2 = await lists(db);
    const lists2 = await currentLists(db);
    const d2 = await storedDelta(db, v2.version);

    await t.test('every change has its reason', () => {
      assert.equal(v2.base_version, 1);
      const expected = [
        // K4 and K6 (dup, 2025-03-20) passed their block date: blocked, their notifications blacklisted.
        `blocklist/:${K[4]},,=blocked`,
        `blocklist/:${K[6]},,=blocked`,
        `notifications/alpha:${K[4]},${a(1)},${m(1)}=blacklisted`,
        `notifications/beta:${K[4]},${b(2)},${m(2)}=blacklisted`,
        `notifications/alpha:${K[6]},${a(7)},${m(7)}=blacklisted`,
        `notifications/alpha:${K[6]},${a(8)},${m(8)}=blacklisted`,
        // K14 has no notification (no MSISDN) but is blocked too.
        `blocklist/:${K[14]},,=blocked`,
        `blocklist/:${K[1]},,=unblocked`,
        `blocklist/:${K[2]},,=changed`,
        `notifications/alpha:${K[15]},${a(15)},${m(15)}=resolved`,
        `notifications/alpha:${K[5]},${r(5)},${m(5)}=changed`,
        `notifications/gamma:${K[5]},${r(5)},${m(5)}=changed`,
        `notifications/beta:${K[19]},${b(19)},${m(19)}=new`,
        `notifications/beta:${K[12]},${b(12)},${m(12)}=no_longer_seen`,
        `exceptions/alpha:${K[10]},${a(8)},${m(10)}=removed`,
        `exceptions/alpha:${K[15]},${a(15)},${m(15)}=added`,
      ].sort();
      assert.deepEqual(d2, expected);
      assert.deepEqual(kinds(d2), difference(lists1, lists2), 'the stored delta is exactly the difference of the two contents');
      assert.ok(lists2.blocklist.includes(`${K[2]},2025-02-01,IMEI reported stolen`));
      assert.deepEqual(v2.counts.delta.notifications.alpha, { new: 0, resolved: 1, blacklisted: 3, no_longer_seen: 0, changed: 1 });
    });

    const states3 = states2.filter((s) => s.imei !== K[19]);
    await classifyFixture(db, '2025-03-21', states3);
    const v3 = await lists(db);

    await t.test('a state that closes resolves its notifications', async () => {
      assert.deepEqual(await storedDelta(db, v3.version), [`notifications/beta:${K[19]},${b(19)},${m(19)}=resolved`]);
      assert.deepEqual(v3.counts.delta.notifications.beta, { new: 0, resolved: 1, blacklisted: 0, no_longer_seen: 0, changed: 0 });
    });

    const v4 = await lists(db);
    const lists4 = await currentLists(db);

    await t.test('an unchanged version has an empty delta', async () => {
      assert.deepEqual(await storedDelta(db, v4.version), []);
      assert.deepEqual((await listVersions(db)).map((v) => [v.id, v.base_version]), [[1, null], [2, 1], [3, 2], [4, 3]]);
    });

    await t.test('deltasSince: the block list and that operator\'s rows after a version, in order', async () => {
      const all = await deltasSince(db, 'beta', 0);
      assert.deepEqual([...new Set(all.map((x) => x.version))], [1, 2, 3]);
      assert.ok(all.every((x) => (x.list === 'blocklist' ? x.operator === null && x.imsi === null : x.operator === 'beta')));
      assert.deepEqual((await deltasSince(db, 'beta', 2)).map((x) => [x.version, x.list, x.imei_norm, x.change]), [[3, 'notifications', K[19], 'resolved']]);
      assert.deepEqual(await deltasSince(db, 'beta', 4), []);
      const blacklisted = (await deltasSince(db, 'beta', 1)).filter((x) => x.change === 'blacklisted');
      assert.deepEqual(blacklisted.map((x) => [x.imei_norm, x.imsi, x.msisdn, x.block_date, x.reasons]), [[K[4], b(2), m(2), '2025-03-20', 'Duplicate IMEI']]);
      for (const op of ['alpha', 'beta', 'gamma']) {
        assert.deepEqual(replay(lists1, await deltasSince(db, op, 1), op), ofOperator(lists4, op), `${op}: version 1 + deltas since = the latest lists`);
      }
    });

    await t.test('--base: the files\' deltas are against that version, the stored chain is not', async () => {
      const key = await testKey();
      const out = join(dir, 'out');
      const v5 = await lists(db, { base: 1, out, key });
      assert.equal(v5.base_version, 1);
      assert.equal(v5.previous_version, 4);
      assert.deepEqual(await storedDelta(db, v5.version), [], 'the stored delta stays against the previous version');
      const files = deltaFiles(join(out, String(v5.version)), ['alpha', 'beta', 'gamma']);
      assert.deepEqual(kinds(files), difference(lists1, lists4), 'the delta files are the difference between version 1 and now');
      assert.ok(!files.some((x) => x.includes(K[19])), 'K19, added then removed after version 1, is not in the delta');
      assert.ok(files.includes(`notifications/beta:${K[12]},${b(12)},${m(12)}=no_longer_seen`));
      assert.ok(files.includes(`notifications/alpha:${K[4]},${a(1)},${m(1)}=blacklisted`));
      assert.ok(files.includes(`notifications/alpha:${K[15]},${a(15)},${m(15)}=resolved`));
      assert.equal(v5.counts.delta.blocklist.unblocked, 1);
      assert.equal(v5.counts.delta.notifications.alpha.blacklisted, 3);

      const v6 = await lists(db, { base: 2, out, key });
      assert.deepEqual(kinds(deltaFiles(join(out, String(v6.version)), ['alpha', 'beta', 'gamma'])), difference(lists2, lists4));
      assert.deepEqual(deltaFiles(join(out, String(v6.version)), ['beta']), [`notifications/beta:${K[19]},${b(19)},${m(19)}=resolved`]);
      const v7 = await lists(db, { base: 6, out, key });
      assert.deepEqual(deltaFiles(join(out, String(v7.version)), ['alpha', 'beta', 'gamma']), [], 'base = previous: the chain delta, empty');
    });

    await t.test('--base must name an existing version', async () => {
      await assert.rejects(lists(db, { base: 99 }), /--base 99: no such list version/);
    });

    await t.test('membership of an IMEI on the latest lists', async () => {
      const k4 = await listMembership(db, K[4]);
      assert.deepEqual(k4.blocklist, { block_date: '2025-03-20', reasons: ['Duplicate IMEI'] });
      assert.deepEqual(k4.notifications, []);
      const k5 = await listMembership(db, K[5]);
      assert.equal(k5.blocklist, null);
      assert.deepEqual(k5.notifications.map((x) => [x.operator, x.imsi, x.block_date, x.reasons]), [
        ['alpha', r(5), '2025-03-25', ['Duplicate IMEI', 'IMEI reported stolen']],
        ['gamma', r(5), '2025-03-25', ['Duplicate IMEI', 'IMEI reported stolen']],
      ]);
      assert.deepEqual((await listMembership(db, K[6])).exceptions.map((x) => [x.operator, x.imsi]), [['alpha', a(6)]]);
    });
  });
});
