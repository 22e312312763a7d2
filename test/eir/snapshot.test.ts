import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { luhnCheckDigit } from '../../src/identity/luhn.ts';
import { applyDelta, buildSnapshot, type StatusSnapshot } from '../../src/eir/snapshot.ts';
import { imeiNumber, imsiNumber } from '../../src/eir/status-index.ts';
import type { CheckAnswer } from '../../src/eir/types.ts';
import { buildCountry, K, L, STATES, a, b, b3, r } from '../lists/fixture.ts';
import { classifyFixture, ENGINE, freshDb, lists, profileWith, reference, testKey, withTempDir, type StateSpec } from '../lists/helpers.ts';

const root = mkdtempSync(join(tmpdir(), 'openceir-snapshot-'));
after(() => rmSync(root, { recursive: true, force: true }));
let seq = 0;

/** IMEI keys of the hand-written versions: TAC 35209900, serial i. */
const k = (i: number): string => `35209900${String(i).padStart(6, '0')}`;
const k15 = (i: number): string => k(i) + luhnCheckDigit(k(i));
const n = (i: number): number => imeiNumber(k(i));
const IMSI_A = '999010000000001';
const IMSI_B = '999020000000002';
const IMSI_R = '214010000000003';

type Files = Record<string, string[]>;

/**
 * Write a version folder as `ceir lists` does: `files` maps `folder/name.csv` to its lines (header
 * first); every folder gets a manifest.json with each file's rows and SHA-256 and the delta counts.
 */
function writeVersion(version: number, base: number | null, files: Files, listDate = '2025-03-01'): string {
  const dir = join(root, `v${++seq}`, String(version));
  const folders = new Map<string, { name: string; sha256: string; rows: number }[]>();
  const counts = new Map<string, Record<string, number | Record<string, number>>>();
  for (const [path, lines] of Object.entries(files)) {
    const [folder, name] = path.split('/');
    mkdirSync(join(dir, folder), { recursive: true });
    const text = lines.join('\n') + '\n';
    writeFileSync(join(dir, folder, name), text);
    const rows = lines.length - 1;
    if (!folders.has(folder)) folders.set(folder, []);
    folders.get(folder)!.push({ name, sha256: createHash('sha256').update(text).digest('hex'), rows });
    if (!counts.has(folder)) counts.set(folder, {});
    if (name.endsWith('_delta.csv')) {
      const byChange: Record<string, number> = {};
      for (const l of lines.slice(1)) byChange[l.split(',').at(-1)!] = (byChange[l.split(',').at(-1)!] ?? 0) + 1;
      counts.get(folder)![name.replace(/\.csv$/, '')] = byChange;
    } else counts.get(folder)![name.replace(/\.csv$/, '')] = rows;
  }
  for (const [folder, list] of folders) {
    const manifest = {
      version, base_version: base, list_date: listDate, created_at: `${listDate}T06:00:00.000Z`, country: 'Demoland',
      operator: folder === 'blocklist' || folder === 'eir' ? null : folder, files: list, archive: { name: `${folder}.zip`, sha256: '', bytes: 0 },
      counts: Object.fromEntries(Object.entries(counts.get(folder)!)),
    };
    writeFileSync(join(dir, folder, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  }
  return dir;
}

const H = {
  block: 'imei,block_date,reasons',
  note: 'imei,imsi,msisdn,block_date,reasons',
  exc: 'imei,imsi,msisdn',
};

/** Version 1: k1, k2 (15 digits), k3 blocked; k4 notified for two subscribers (alpha) and one (beta); k5 notified (beta). */
function version1(): Files {
  return {
    'blocklist/blacklist.csv': [H.block, `${k(1)},20250215,IMEI reported stolen`, `${k15(2)},20250201,"Duplicate IMEI, twice|IMEI reported stolen"`, `${k(3)},20250210,IMEI reported stolen`, '3520990012,20250201,IMEI reported stolen'],
    'blocklist/blacklist_delta.csv': [`${H.block},change_type`],
    'alpha/notifications.csv': [H.note, `${k(4)},${IMSI_A},99000000001,20250320,Duplicate IMEI`, `${k(4)},${IMSI_R},99000000003,20250320,Duplicate IMEI`],
    'alpha/notifications_delta.csv': [`${H.note},change_type`],
    'alpha/exceptions.csv': [H.exc, `${k(1)},${IMSI_A},99000000001`, `${k(6)},${IMSI_A},99000000006`, `${k(6)},${IMSI_A},99000000016`],
    'alpha/exceptions_delta.csv': [`${H.exc},change_type`],
    'beta/notifications.csv': [H.note, `${k(4)},${IMSI_B},99000000002,20250320,Duplicate IMEI`, `${k(5)},${IMSI_B},99000000002,20250325,Duplicate IMEI`],
    'beta/notifications_delta.csv': [`${H.note},change_type`],
    'beta/exceptions.csv': [H.exc, `${k(3)},${IMSI_B},99000000002`],
    'beta/exceptions_delta.csv': [`${H.exc},change_type`],
    'eir/monitored_imeis.csv': ['imei', k(11)],
    'eir/known_imeis.csv': ['imei', k15(12), 'NOT-AN-IMEI'],
    'eir/known_tacs.csv': ['tac', '86000001'],
  };
}

const ask = (s: StatusSnapshot, i: number | string, imsi?: string, policy: 'permissive' | 'restrictive' = 'permissive'): CheckAnswer =>
  s.decide(typeof i === 'number' ? n(i) : imeiNumber(i), imsi ? imsiNumber(imsi) : NaN, policy);

test('buildSnapshot: block list, every operator\'s notifications and exceptions, the eir sets', async () => {
  const dir = writeVersion(1, null, version1());
  const s = await buildSnapshot(dir);
  assert.deepEqual([s.version, s.baseVersion, s.listDate], [1, null, '2025-03-01']);
  assert.deepEqual(s.operators, ['alpha', 'beta']);
  assert.equal(ask(s, 1), 'BLACKLISTED');
  assert.equal(ask(s, 2), 'BLACKLISTED', 'a 15-digit key (with its check digit) is the IMEI of its first 14 digits');
  assert.equal(ask(s, 3, IMSI_A), 'BLACKLISTED');
  assert.equal(ask(s, 3, IMSI_B), 'WHITELISTED', 'beta\'s exception');
  assert.equal(ask(s, 1, IMSI_A), 'WHITELISTED', 'alpha\'s exception');
  assert.equal(ask(s, 4, IMSI_A), 'GREYLISTED');
  assert.equal(ask(s, 5), 'GREYLISTED');
  assert.equal(ask(s, 11), 'GREYLISTED', 'monitored');
  assert.equal(ask(s, 12, undefined, 'restrictive'), 'WHITELISTED', 'known IMEI (written with its check digit)');
  assert.equal(ask(s, '86000001000000', undefined, 'restrictive'), 'WHITELISTED', 'known TAC');
  assert.equal(ask(s, 13, undefined, 'restrictive'), 'UNKNOWN');
  assert.equal(ask(s, 13), 'WHITELISTED');
  assert.equal(s.index.notificationCount(n(4)), 3);
  assert.deepEqual(s.counts(), {
    listedImeis: 6, blocked: 3, notifiedImeis: 2, notifications: 4, monitored: 1, exceptionPairs: 3, exceptions: 4, knownImeis: 1, knownTacs: 1,
  });
  assert.equal(s.ignoredRows, 2, 'the malformed keys');
  assert.ok(s.bytes() > 0);
});

test('buildSnapshot: an operator loads only its own notifications and exceptions', async () => {
  const dir = writeVersion(1, null, version1());
  const s = await buildSnapshot(dir, { operators: ['beta'] });
  assert.deepEqual(s.operators, ['beta']);
  assert.equal(ask(s, 1, IMSI_A), 'BLACKLISTED', 'alpha\'s exception is not loaded');
  assert.equal(ask(s, 3, IMSI_B), 'WHITELISTED');
  assert.equal(s.index.notificationCount(n(4)), 1);
  assert.equal(ask(s, 5), 'GREYLISTED');
  await assert.rejects(buildSnapshot(dir, { operators: ['gamma'] }), /no folder for operator "gamma" \(it has alpha, beta\)/);
});

test('buildSnapshot: an older version without the eir folder has empty eir sets', async () => {
  const files = version1();
  for (const f of Object.keys(files)) if (f.startsWith('eir/')) delete files[f];
  const s = await buildSnapshot(writeVersion(1, null, files));
  assert.deepEqual([s.counts().monitored, s.counts().knownImeis, s.counts().knownTacs], [0, 0, 0]);
  assert.equal(ask(s, 11), 'WHITELISTED');
  assert.equal(ask(s, 12, undefined, 'restrictive'), 'UNKNOWN');
});

/** Version 2, against version 1: every change type of every list. */
function version2(): Files {
  const v1 = version1();
  return {
    'blocklist/blacklist.csv': [H.block, `${k15(2)},20250201,IMEI reported stolen`, `${k(3)},20250210,IMEI reported stolen`, `${k(4)},20250320,Duplicate IMEI`],
    'blocklist/blacklist_delta.csv': [
      `${H.block},change_type`,
      `${k(1)},20250215,IMEI reported stolen,unblocked`,
      `${k15(2)},20250201,IMEI reported stolen,changed`,
      `${k(4)},20250320,Duplicate IMEI,blocked`,
      '3520990012,20250201,IMEI reported stolen,unblocked',
    ],
    'alpha/notifications.csv': [H.note, `${k(7)},${IMSI_A},99000000007,20250420,Duplicate IMEI`],
    'alpha/notifications_delta.csv': [
      `${H.note},change_type`,
      `${k(4)},${IMSI_A},99000000001,20250320,Duplicate IMEI,blacklisted`,
      `${k(4)},${IMSI_R},99000000003,20250320,Duplicate IMEI,resolved`,
      `${k(7)},${IMSI_A},99000000007,20250420,Duplicate IMEI,new`,
    ],
    'alpha/exceptions.csv': [H.exc, `${k(6)},${IMSI_A},99000000016`, `${k(7)},${IMSI_B},99000000002`],
    'alpha/exceptions_delta.csv': [`${H.exc},change_type`, `${k(1)},${IMSI_A},99000000001,removed`, `${k(6)},${IMSI_A},99000000006,removed`, `${k(7)},${IMSI_B},99000000002,added`],
    'beta/notifications.csv': [H.note, `${k(5)},${IMSI_B},99000000002,20250330,Duplicate IMEI|IMEI reported stolen`],
    'beta/notifications_delta.csv': [
      `${H.note},change_type`,
      `${k(4)},${IMSI_B},99000000002,20250320,Duplicate IMEI,blacklisted`,
      `${k(5)},${IMSI_B},99000000002,20250330,Duplicate IMEI|IMEI reported stolen,changed`,
      `${k(8)},${IMSI_B},99000000008,20250330,Duplicate IMEI,new`,
      `${k(8)},${IMSI_B},99000000008,20250330,Duplicate IMEI,no_longer_seen`,
    ],
    'beta/exceptions.csv': v1['beta/exceptions.csv'],
    'beta/exceptions_delta.csv': [`${H.exc},change_type`],
    // Monitored and known TACs change; known IMEIs do not (same file: kept as it was).
    'eir/monitored_imeis.csv': ['imei', k(9)],
    'eir/known_imeis.csv': v1['eir/known_imeis.csv'],
    'eir/known_tacs.csv': ['tac', '86000002'],
  };
}

test('applyDelta: every change type; a new snapshot, the old one unchanged', async () => {
  const s1 = await buildSnapshot(writeVersion(1, null, version1()));
  const before = s1.counts();
  const s2 = await applyDelta(s1, writeVersion(2, 1, version2(), '2025-03-21'));
  assert.deepEqual([s2.version, s2.baseVersion, s2.listDate], [2, 1, '2025-03-21']);
  // Block list: unblocked, changed, blocked.
  assert.equal(ask(s2, 1), 'WHITELISTED');
  assert.equal(ask(s2, 2), 'BLACKLISTED');
  assert.equal(ask(s2, 4), 'BLACKLISTED');
  // Notifications: k4's three rows left (blacklisted, resolved); k5 changed, still notified; k7 new; k8 new then gone.
  assert.equal(s2.index.notificationCount(n(4)), 0);
  assert.equal(ask(s2, 5), 'GREYLISTED');
  assert.equal(ask(s2, 7), 'GREYLISTED');
  assert.equal(ask(s2, 8), 'WHITELISTED');
  // Exceptions: k1's removed; k6 keeps one of its two rows; k7's added.
  assert.equal(s2.index.exceptionCount(n(1), imsiNumber(IMSI_A)), 0);
  assert.equal(s2.index.exceptionCount(n(6), imsiNumber(IMSI_A)), 1);
  assert.equal(ask(s2, 7, IMSI_B), 'WHITELISTED');
  // The eir sets.
  assert.equal(ask(s2, 11), 'WHITELISTED');
  assert.equal(ask(s2, 9), 'GREYLISTED');
  assert.equal(ask(s2, '86000001000000', undefined, 'restrictive'), 'UNKNOWN');
  assert.equal(ask(s2, '86000002000000', undefined, 'restrictive'), 'WHITELISTED');
  assert.equal(ask(s2, 12, undefined, 'restrictive'), 'WHITELISTED');
  assert.deepEqual(s2.counts(), {
    listedImeis: 6, blocked: 3, notifiedImeis: 2, notifications: 2, monitored: 1, exceptionPairs: 3, exceptions: 3, knownImeis: 1, knownTacs: 1,
  });
  assert.equal(s2.ignoredRows, 1, 'the malformed key of the block list delta; the known IMEIs, unchanged, were not read again');

  // The old snapshot answers as before.
  assert.deepEqual(s1.counts(), before);
  assert.equal(ask(s1, 1), 'BLACKLISTED');
  assert.equal(ask(s1, 1, IMSI_A), 'WHITELISTED');
  assert.equal(ask(s1, 4), 'GREYLISTED');
  assert.equal(ask(s1, 7), 'WHITELISTED');
  assert.equal(ask(s1, 11), 'GREYLISTED');
  assert.equal(ask(s1, '86000001000000', undefined, 'restrictive'), 'WHITELISTED');
  assert.equal(s1.index.notificationCount(n(4)), 3);

  // The delta gives what a full build of version 2 gives.
  const full = await buildSnapshot(writeVersion(2, 1, version2(), '2025-03-21'));
  assert.deepEqual(full.counts(), s2.counts());
  for (let i = 0; i < 20; i++) {
    for (const imsi of [undefined, IMSI_A, IMSI_B, IMSI_R]) {
      for (const policy of ['permissive', 'restrictive'] as const) assert.equal(ask(s2, i, imsi, policy), ask(full, i, imsi, policy), `k${i} ${imsi} ${policy}`);
    }
  }
});

test('applyDelta: removing one notification row of an IMEI notified for two subscribers keeps it greylisted', async () => {
  const s1 = await buildSnapshot(writeVersion(1, null, version1()), { operators: ['alpha'] });
  const files = version2();
  files['alpha/notifications_delta.csv'] = [`${H.note},change_type`, `${k(4)},${IMSI_R},99000000003,20250320,Duplicate IMEI,no_longer_seen`];
  files['blocklist/blacklist_delta.csv'] = [`${H.block},change_type`];
  const s2 = await applyDelta(s1, writeVersion(2, 1, files), { operators: ['alpha'] });
  assert.equal(s2.index.notificationCount(n(4)), 1);
  assert.equal(ask(s2, 4), 'GREYLISTED');
});

test('applyDelta: refuses a version that is not a delta of the snapshot\'s version', async () => {
  const s1 = await buildSnapshot(writeVersion(1, null, version1()));
  await assert.rejects(applyDelta(s1, writeVersion(3, 2, version2())), /holds deltas against version 2, not against version 1 being served/);
  await assert.rejects(applyDelta(s1, writeVersion(1, null, version1())), /holds deltas against no version, not against version 1/);
  assert.equal(ask(s1, 1), 'BLACKLISTED');
});

test('applyDelta: an operator folder appears, so the version is built in full', async () => {
  const s1 = await buildSnapshot(writeVersion(1, null, version1()));
  const files = version2();
  files['gamma/notifications.csv'] = [H.note, `${k(15)},${IMSI_R},99000000015,20250420,Duplicate IMEI`];
  files['gamma/notifications_delta.csv'] = [`${H.note},change_type`];
  files['gamma/exceptions.csv'] = [H.exc];
  files['gamma/exceptions_delta.csv'] = [`${H.exc},change_type`];
  const s2 = await applyDelta(s1, writeVersion(2, 1, files));
  assert.deepEqual(s2.operators, ['alpha', 'beta', 'gamma']);
  assert.equal(ask(s2, 15), 'GREYLISTED', 'gamma\'s full notification list was read');
  assert.equal(ask(s2, 7), 'GREYLISTED');
});

test('bad files: an error names the file, the line and the rule', async () => {
  const cases: [string, string, string[], RegExp][] = [
    ['wrong header', 'blocklist/blacklist.csv', ['imei,date,reasons', `${k(1)},20250101,x`], /blacklist\.csv, line 1: the header is "imei,date,reasons", expected imei,block_date,reasons \[header\]/],
    ['missing column', 'blocklist/blacklist.csv', [H.block, `${k(1)},20250101,x`, `${k(2)},20250101`], /blacklist\.csv, line 3: 2 columns where the header has 3 .*\[column_count\]/],
    ['extra column', 'alpha/exceptions.csv', [H.exc, `${k(1)},${IMSI_A},1,2`], /exceptions\.csv, line 2: 4 columns .*\[column_count\]/],
    ['open quote', 'alpha/notifications.csv', [H.note, `${k(1)},${IMSI_A},1,20250101,"never closed`], /notifications\.csv, line 2: a quoted field is not closed .*\[quote\]/],
    ['empty header', 'beta/exceptions.csv', [''], /exceptions\.csv, line 1: the header is "", expected imei,imsi,msisdn \[header\]/],
  ];
  for (const [name, file, lines, error] of cases) {
    const files = version1();
    files[file] = lines;
    await assert.rejects(buildSnapshot(writeVersion(1, null, files)), error, name);
  }
  // A quoted field with a comma and a line break is one field; a blank last line is no row.
  const files = version1();
  files['blocklist/blacklist.csv'] = [H.block, `${k(1)},20250101,"a, b\nc"`, `"${k(2)}",20250101,x`, ''];
  const s = await buildSnapshot(writeVersion(1, null, files));
  assert.equal(s.counts().blocked, 2);

  const s1 = await buildSnapshot(writeVersion(1, null, version1()));
  const deltaCases: [string, string, string[], RegExp][] = [
    ['unknown change type', 'blocklist/blacklist_delta.csv', [`${H.block},change_type`, `${k(9)},20250101,x,added`], /blacklist_delta\.csv, line 2: column change_type: "added" is not one of blocked, unblocked, changed \[change_type\]/],
    ['unblocking what is not blocked', 'blocklist/blacklist_delta.csv', [`${H.block},change_type`, `${k(1)},20250101,x,changed`, `${k(9)},20250101,x,unblocked`], /blacklist_delta\.csv, line 3: change_type unblocked for an IMEI that is not blocked.*\[delta_mismatch\]/],
    ['blocking what is blocked', 'blocklist/blacklist_delta.csv', [`${H.block},change_type`, `${k(3)},20250101,x,blocked`], /line 2: change_type blocked for an IMEI already blocked/],
    ['resolving a notification that is not there', 'beta/notifications_delta.csv', [`${H.note},change_type`, `${k(9)},${IMSI_B},1,20250101,x,resolved`], /notifications_delta\.csv, line 2: change_type resolved for an IMEI with no notification/],
    ['removing an exception that is not there', 'alpha/exceptions_delta.csv', [`${H.exc},change_type`, `${k(3)},${IMSI_A},1,removed`], /exceptions_delta\.csv, line 2: change_type removed for an \(IMEI, IMSI\) pair with no exception/],
  ];
  for (const [name, file, lines, error] of deltaCases) {
    const files2 = version2();
    for (const f of Object.keys(files2)) if (f.endsWith('_delta.csv')) files2[f] = [files2[f][0]];
    files2[file] = lines;
    await assert.rejects(applyDelta(s1, writeVersion(2, 1, files2)), error, name);
  }
  assert.equal(ask(s1, 1), 'BLACKLISTED', 'a refused delta leaves the snapshot as it was');
});

test(`[${ENGINE}] end to end: the list generator's folders, built and patched`, async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    await buildCountry(db, dir);
    const key = await testKey();
    const out = join(dir, 'out');
    const profile = profileWith({ generate_check_digit: true });
    const v1 = await lists(db, { profile, out, key, now: new Date('2025-03-01T06:00:00Z') });
    assert.ok(readFileSync(join(v1.out!, 'blocklist', 'blacklist.csv'), 'utf8').includes(`${K[1]}${luhnCheckDigit(K[1])},`), 'keys written with their check digit');
    const s1 = await buildSnapshot(v1.out!);
    const q = (s: StatusSnapshot, i: number, imsi?: string, policy: 'permissive' | 'restrictive' = 'permissive') => s.decide(imeiNumber(K[i]), imsi ? imsiNumber(imsi) : NaN, policy);
    assert.equal(s1.listDate, L);
    assert.equal(q(s1, 2), 'BLACKLISTED', 'blocked');
    assert.equal(q(s1, 1), 'BLACKLISTED');
    assert.equal(q(s1, 1, b3(1)), 'WHITELISTED', 'a blocked IMEI with its paired subscriber');
    assert.equal(q(s1, 4, a(1)), 'GREYLISTED', 'notified');
    assert.equal(q(s1, 6, a(6)), 'WHITELISTED', 'notified IMEI with its paired subscriber');
    assert.equal(q(s1, 6, a(7)), 'GREYLISTED');
    assert.equal(q(s1, 7), 'WHITELISTED', 'golden');
    assert.equal(q(s1, 11), 'GREYLISTED', 'monitored');
    assert.equal(q(s1, 12, undefined, 'restrictive'), 'WHITELISTED', 'registered');
    assert.equal(q(s1, 13, undefined, 'restrictive'), 'UNKNOWN', 'a pending registration is not known');
    assert.equal(s1.decide(imeiNumber('86000001000001'), NaN, 'restrictive'), 'WHITELISTED', 'TAC of an exempted device type');
    assert.ok(s1.ignoredRows >= 1, 'the malformed key is skipped');
    const alpha = await buildSnapshot(v1.out!, { operators: ['alpha'] });
    assert.equal(q(alpha, 4, a(1)), 'GREYLISTED');
    assert.equal(q(alpha, 1, b3(1)), 'BLACKLISTED', 'beta\'s exception is not alpha\'s');

    // Version 2 (the delta tests' second version): applied as a delta it answers as built in full.
    await reference(db, dir, 'pairing_list', ['imei,imsi,msisdn', `${K[6]},${a(6)},99000000006`, `${K[15]},${a(15)},99000000015`, `${K[16]},${r(16)},99000000016`]);
    const states2: StateSpec[] = [
      ...STATES.filter((s) => !(s.imei === K[1] && s.cond === 'stolen')),
      { imei: K[19], cond: 'dup', block: '2025-04-20', start: '2025-03-21' },
    ];
    await classifyFixture(db, '2025-03-21', states2);
    const v2 = await lists(db, { profile, out, key, now: new Date('2025-03-21T06:00:00Z') });
    const patched = await applyDelta(s1, v2.out!);
    const full = await buildSnapshot(v2.out!);
    assert.equal(patched.version, 2);
    assert.deepEqual(patched.counts(), full.counts());
    assert.equal(q(patched, 1), 'WHITELISTED', 'K1 released');
    assert.equal(q(patched, 4), 'BLACKLISTED', 'K4 passed its block date');
    assert.equal(q(patched, 19), 'GREYLISTED', 'K19 newly notified');
    for (let i = 0; i < 20; i++) {
      for (const imsi of [undefined, a(1), a(6), a(7), a(15), b(2), b3(1), b(19), r(5), r(16)]) {
        for (const policy of ['permissive', 'restrictive'] as const) assert.equal(q(patched, i, imsi, policy), q(full, i, imsi, policy), `K${i} ${imsi} ${policy}`);
      }
    }
    assert.equal(q(s1, 1), 'BLACKLISTED', 'version 1 still answers as version 1');
  });
});
