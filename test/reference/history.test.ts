import { test } from 'node:test';
import assert from 'node:assert/strict';
import { imeiHistory, listAsOf } from '../../src/reference/queries.ts';
import type { Db } from '../../src/store/db.ts';
import { freshDb, historyRows, imei15, imp, impOk, importRows, keys, put, snapshot, withTempDir } from './helpers.ts';

const K = keys('35209900', 12);
const STOLEN = 'imei,reporting_date,status';
const T = ['2025-01-01T00:00:00Z', '2025-02-01T00:00:00Z', '2025-03-01T12:30:00.250Z', '2025-04-01T00:00:00Z'].map((s) => new Date(s));
const before = (d: Date, ms = 1) => new Date(d.getTime() - ms);
const row = (k: string, date: string, status: string | null) => ({ imei_norm: k, reporting_date: date, status });

/**
 * The stolen list through four imports:
 *   t1 full  {K0 pending, K1, K2, K3}
 *   t2 full  {K0 blacklist, K1, K2, K3, K4}          (K0 updated, K4 added)
 *   t3 delta remove K2, add K5
 *   t4 delta add K2 again (another reporting date), remove K1
 */
async function fourImports(db: Db, dir: string): Promise<number[]> {
  const f = (k: string, d: string, s = '') => `${imei15(k)},${d},${s}`;
  const ids: number[] = [];
  const go = async (name: string, lines: string[], at: Date, delta = false) => ids.push((await impOk(db, 'stolen_list', await put(dir, name, lines), { at, delta })).import_id!);
  await go('t1.csv', [STOLEN, f(K[0], '20241201', 'pending'), f(K[1], '20241202'), f(K[2], '20241203'), f(K[3], '20241204')], T[0]);
  await go('t2.csv', [STOLEN, f(K[0], '20241201', 'blacklist'), f(K[1], '20241202'), f(K[2], '20241203'), f(K[3], '20241204'), f(K[4], '20250115')], T[1]);
  await go('t3.csv', [`${STOLEN},change_type`, `${f(K[2], '')},remove`, `${f(K[5], '20250220')},add`], T[2], true);
  await go('t4.csv', [`${STOLEN},change_type`, `${f(K[2], '20250320')},add`, `${f(K[1], '')},remove`], T[3], true);
  return ids;
}

const S1 = [row(K[0], '2024-12-01', 'pending'), row(K[1], '2024-12-02', null), row(K[2], '2024-12-03', null), row(K[3], '2024-12-04', null)];
const S2 = [row(K[0], '2024-12-01', 'blacklist'), ...S1.slice(1), row(K[4], '2025-01-15', null)];
const S3 = [S2[0], S2[1], S2[3], S2[4], row(K[5], '2025-02-20', null)];
const S4 = [S2[0], row(K[2], '2025-03-20', null), S2[3], S2[4], row(K[5], '2025-02-20', null)];

test('listAsOf gives the list as it stood at each time: empty before the first import, then each state', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    await fourImports(db, dir);
    assert.deepEqual(await snapshot(db, 'stolen_list', before(T[0])), []);
    assert.deepEqual(await snapshot(db, 'stolen_list', new Date('2000-01-01T00:00:00Z')), []);
    assert.deepEqual(await snapshot(db, 'stolen_list', T[0]), S1, 'an import is in effect from its own time');
    assert.deepEqual(await snapshot(db, 'stolen_list', before(T[1])), S1);
    assert.deepEqual(await snapshot(db, 'stolen_list', T[1]), S2);
    assert.deepEqual(await snapshot(db, 'stolen_list', before(T[2])), S2, 'a millisecond before t3');
    assert.deepEqual(await snapshot(db, 'stolen_list', T[2]), S3);
    assert.deepEqual(await snapshot(db, 'stolen_list', before(T[3], 3_600_000)), S3);
    assert.deepEqual(await snapshot(db, 'stolen_list', T[3]), S4);
    assert.deepEqual(await snapshot(db, 'stolen_list'), S4, 'default: now');
    // Other lists are untouched and empty at any time.
    assert.deepEqual(await snapshot(db, 'registration_list', T[3]), []);
  });
});

test('listAsOf pages through a list by key, multi-column keys included', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    const imsis = ['999011234567890', '999011234567891', '999021234567890'];
    const lines = ['imei,imsi,msisdn', ...K.slice(0, 5).flatMap((k, i) => imsis.map((s, j) => `${imei15(k)},${s},9910000${i}${j}`))];
    await impOk(db, 'pairing_list', await put(dir, 'p.csv', lines));
    const all = await snapshot(db, 'pairing_list');
    assert.equal(all.length, 15);
    for (const size of [1, 2, 4, 14, 15, 16]) {
      const pages: Record<string, unknown>[][] = [];
      for await (const page of listAsOf(db, 'pairing_list', undefined, size)) pages.push(page);
      assert.deepEqual(pages.flat(), all, `page size ${size}`);
      assert.ok(pages.every((p) => p.length <= size));
      assert.equal(pages.length, Math.ceil(15 / size), `page size ${size}`);
    }
    const keysSeen = all.map((r) => `${r.imei_norm}/${r.imsi}`);
    assert.deepEqual(keysSeen, [...keysSeen].sort(), 'ordered by the key');
  });
});

test('imeiHistory lists every period of an IMEI on every IMEI-keyed list, in time order', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    const ids = await fourImports(db, dir);
    const reg = await impOk(db, 'registration_list', await put(dir, 'r.csv', ['approved_imei,make,model,status,model_number,brand_name,device_type,radio_interface,device_id', `${imei15(K[2])},Acme,A1,,,,,,`]), { at: new Date('2025-02-15T00:00:00Z') });
    const iso = (d: Date) => d.toISOString();
    assert.deepEqual(await imeiHistory(db, K[2]), [
      { list: 'stolen_list', valid_from: iso(T[0]), valid_to: iso(T[2]), import_id: ids[0] },
      { list: 'registration_list', valid_from: '2025-02-15T00:00:00.000Z', valid_to: null, import_id: reg.import_id },
      { list: 'stolen_list', valid_from: iso(T[3]), valid_to: null, import_id: ids[3] },
    ]);
    assert.deepEqual(await imeiHistory(db, K[0]), [
      { list: 'stolen_list', valid_from: iso(T[0]), valid_to: iso(T[1]), import_id: ids[0] },
      { list: 'stolen_list', valid_from: iso(T[1]), valid_to: null, import_id: ids[1] },
    ]);
    assert.deepEqual(await imeiHistory(db, K[1]), [{ list: 'stolen_list', valid_from: iso(T[0]), valid_to: iso(T[3]), import_id: ids[0] }]);
    assert.deepEqual(await imeiHistory(db, K[11]), []);
    // The key is the 14-digit form.
    assert.deepEqual(await imeiHistory(db, imei15(K[0])), []);
  });
});

test('an import whose time is not after the list\'s last import is refused and writes nothing', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    await fourImports(db, dir);
    const rows = await historyRows(db, 'stolen_list');
    const file = await put(dir, 'late.csv', [`${STOLEN},change_type`, `${imei15(K[9])},20250101,,add`]);
    for (const at of [T[3], before(T[3]), T[0], new Date('2020-01-01T00:00:00Z')]) {
      const r = await imp(db, 'stolen_list', file, { at, delta: true });
      assert.equal(r.status, 'refused', at.toISOString());
      assert.equal(r.problems.length, 1);
      assert.equal(r.problems[0].rule, 'effective_time');
      assert.match(r.problems[0].message, new RegExp(`${at.toISOString()}.*${T[3].toISOString().replace(/\./g, '\\.')}`));
    }
    // A full file is held to the same rule.
    const full = await imp(db, 'stolen_list', await put(dir, 'full.csv', [STOLEN, `${imei15(K[0])},20241201,blacklist`]), { at: T[2] });
    assert.equal(full.problems[0]?.rule, 'effective_time');
    assert.deepEqual(await historyRows(db, 'stolen_list'), rows);
    assert.equal((await importRows(db)).length, 4);
    // One millisecond later is fine; the rule is per list, so other lists can still be dated earlier.
    await impOk(db, 'stolen_list', file, { at: new Date(T[3].getTime() + 1), delta: true });
    await impOk(db, 'barred_list', await put(dir, 'b.csv', ['imei', imei15(K[0])]), { at: T[0] });
  });
});

test('a key removed and added back has two periods; an update closes one row and opens another at the same instant', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    await fourImports(db, dir);
    const hist = await historyRows(db, 'stolen_list');
    const periods = (k: string) =>
      hist.filter((h) => h.imei_norm === k).map((h): [number, number | null] => [new Date(h.valid_from as string).getTime(), h.valid_to ? new Date(h.valid_to as string).getTime() : null]);
    assert.deepEqual(periods(K[2]), [[T[0].getTime(), T[2].getTime()], [T[3].getTime(), null]]);
    assert.deepEqual(periods(K[0]), [[T[0].getTime(), T[1].getTime()], [T[1].getTime(), null]]);
    // Never two open rows for one key, and periods of one key never overlap.
    for (const k of K) {
      const p = periods(k);
      assert.ok(p.filter(([, to]) => to === null).length <= 1, k);
      for (let i = 1; i < p.length; i++) {
        const prevEnd = p[i - 1][1];
        assert.ok(prevEnd !== null && prevEnd <= p[i][0], k);
      }
    }
    // 4 + (1 update + 1 add) + 1 add + 1 add = 8 rows in all.
    assert.equal(hist.length, 8);
  });
});

test('two imports of the same list at once are serialised: both apply, one after the other', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    const a = await put(dir, 'a.csv', ['imei', ...K.slice(0, 10).map(imei15)]);
    const b = await put(dir, 'b.csv', ['imei', ...K.slice(1, 11).map(imei15)]);
    const [ra, rb] = await Promise.all([imp(db, 'monitoring_list', a), imp(db, 'monitoring_list', b)]);
    assert.deepEqual([ra.status, rb.status], ['imported', 'imported'], JSON.stringify([ra.problems, rb.problems]));
    const [firstR, second] = ra.import_id! < rb.import_id! ? [ra, rb] : [rb, ra];
    assert.deepEqual([firstR.current_before, firstR.added], [0, 10]);
    assert.deepEqual([second.current_before, second.added, second.removed], [10, 1, 1]);
    const expected = (second === ra ? K.slice(0, 10) : K.slice(1, 11)).map((k) => ({ imei_norm: k }));
    assert.deepEqual(await snapshot(db, 'monitoring_list'), expected);
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM (SELECT imei_norm FROM ref_monitoring WHERE valid_to IS NULL GROUP BY imei_norm HAVING count(*) > 1) d');
    assert.equal(rows[0].n, 0);
  });
});
