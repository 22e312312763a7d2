/**
 * Dimensions about the identifier itself and the GSMA catalogue: gsma_not_found, malformed_imei,
 * is_test_tac, inconsistent_rat, seen_before_tac_allocation, suspicious_identifier,
 * unknown_software_version.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { isTestTac, suspiciousShapes } from '../../../src/identity/suspicious.ts';
import type { Db } from '../../../src/store/db.ts';
import { addDays, freshDb, gsma, key, matches, observe, run, type Obs } from './helpers.ts';

const D = '2025-06-30';
const before_ = (n: number) => addDays(D, -n);

/** IMEIs (as sent) of the shape tests, with the date they were seen. */
const SHAPES = [
  '00000000000000', '11111111111111', '99999999999999', '12345678901234', '89012345678901', '98765432109876', '10987654321098',
  '01234567890123', '12345678901235', '00000000000001', '00100112345678', '00101799999999', '00101800000000', '00100012345678',
  '00440000000001', '00860000000001', '00910000000001', '00450000000001', '01100100000001', '0000000000000', '00440000XYZ',
  '0044X000123456',
];

let db: Db;

before(async () => {
  db = await freshDb();
  await gsma(db, [
    { tac: '35209900' },
    { tac: '35000010', manufacturer: 'Acme', model: 'A', bands: 'GSM 900,WCDMA' },
    { tac: '35000020', manufacturer: 'Acme', model: 'B', bands: 'GSM 900' },
    { tac: '35000021', manufacturer: 'Acme', model: 'B', bands: 'LTE 1800' },
    { tac: '35000030', manufacturer: 'Other', model: 'B', bands: 'GSM 900' },
    { tac: '35000040', manufacturer: 'Acme', model: 'D', bands: '' },
    { tac: '35000050', manufacturer: 'Not Known', model: 'E', bands: 'GSM 900' },
    { tac: '35000060', manufacturer: 'Acme', model: 'F', bands: 'LTE 1800' },
    { tac: '35000070', manufacturer: 'Acme', model: 'G', allocated: '15-Jun-2025' },
    { tac: '35000080', manufacturer: 'Acme', model: 'M' },
    { tac: '35000081', manufacturer: 'Acme', model: 'M' },
    { tac: '35000090', manufacturer: 'Acme', model: 'N' },
  ]);
  const rows: Obs[] = [
    // gsma_not_found: first seen dates around each reporting body's delay
    { date: before_(21), imei: key(1, '35111111') },
    { date: before_(1), imei: key(1, '35111111') },
    { date: before_(20), imei: key(2, '35111111') },
    { date: before_(1), imei: key(4, '12000000') },
    { date: D, imei: key(5, '12000000') },
    { date: before_(70), imei: key(6, '99000000') },
    { date: before_(69), imei: key(7, '99000000') },
    { date: before_(40), imei: key(3) },
    { date: before_(40), imei: 'ZZ123' },
    { date: before_(40), imei: '1234567890123' },
    { date: before_(40), imei: '352099000000091' },
    // inconsistent_rat
    { date: before_(5), imei: key(1, '35000010'), rat: '002|001' },
    { date: before_(5), imei: key(2, '35000010'), rat: '006' },
    { date: before_(5), imei: key(1, '35000020'), rat: '006' },
    { date: before_(5), imei: key(2, '35000020'), rat: '001' },
    { date: before_(5), imei: key(1, '35000030'), rat: '006' },
    { date: before_(5), imei: key(1, '35000040'), rat: '006' },
    { date: before_(5), imei: key(1, '35000050'), rat: '006' },
    { date: before_(5), imei: key(1, '35000060'), rat: '010' },
    { date: before_(5), imei: key(2, '35000060'), rat: '003' },
    // seen_before_tac_allocation (allocated 2025-06-15)
    { date: '2025-06-14', imei: key(1, '35000070') },
    { date: '2025-06-20', imei: key(1, '35000070') },
    { date: '2025-06-15', imei: key(2, '35000070') },
    // unknown_software_version: model M over two TACs, model N
    ...[1, 2, 3, 4].map((i) => ({ date: before_(3), imei: key(i, '35000080'), svn: '01' })),
    { date: before_(3), imei: key(1, '35000080'), svn: '03' },
    { date: before_(3), imei: key(5, '35000080'), svn: '02' },
    { date: before_(3), imei: key(6, '35000080'), svn: '02' },
    { date: before_(3), imei: key(7, '35000081'), svn: '02' },
    { date: before_(3), imei: key(1, '35000090'), svn: '01' },
    { date: before_(3), imei: key(1, '35111111'), svn: '77' },
    // shapes
    ...SHAPES.map((imei) => ({ date: before_(2), imei })),
  ];
  await observe(db, rows);
});

test('gsma_not_found: TAC not in the catalogue, first seen more than the reporting body delay before D', async () => {
  const r = await run(db, 'gsma_not_found', {}, D);
  // 35 (20 days): seen D-21 matches, D-20 not; 12 (no delay): D-1 matches, D not; 99 (69 days): D-70 matches, D-69 not
  assert.ok(r.has(key(1, '35111111')) && !r.has(key(2, '35111111')));
  assert.ok(r.has(key(4, '12000000')) && !r.has(key(5, '12000000')));
  assert.ok(r.has(key(6, '99000000')) && !r.has(key(7, '99000000')));
  assert.ok(!r.has(key(3)), 'in the catalogue');
  assert.ok(!r.has('ZZ123') && !r.has('1234567890123'), 'malformed keys are not this dimension’s business');
  assert.ok(!r.has(key(9)), 'a 15-digit IMEI of a catalogued TAC');
  assert.deepEqual(r.get(key(1, '35111111')), { tac: '35111111', reporting_body: '35', first_seen: before_(21), delay_days: 20 });
  assert.equal(r.get(key(4, '12000000'))!.delay_days, 0);
});

test('gsma_not_found: custom delays at their edges, and ignored delays', async () => {
  assert.ok(!(await matches(db, 'gsma_not_found', { per_rbi_delays: { '35': 21 } }, D)).includes(key(1, '35111111')));
  assert.ok((await matches(db, 'gsma_not_found', { per_rbi_delays: { '35': 19 } }, D)).includes(key(2, '35111111')));
  const custom = await run(db, 'gsma_not_found', { per_rbi_delays: { '12': 1 } }, D);
  assert.ok(!custom.has(key(4, '12000000')), 'seen D-1 with a 1-day delay');
  assert.ok(custom.has(key(6, '99000000')) && !custom.has(key(7, '99000000')), 'the other defaults stay');
  const ignored = await matches(db, 'gsma_not_found', { ignore_rbi_delays: true }, D);
  assert.ok(ignored.includes(key(2, '35111111')) && ignored.includes(key(7, '99000000')), 'first seen before D is enough');
  assert.ok(!ignored.includes(key(5, '12000000')), 'first seen on D');
  assert.ok(ignored.includes('00000000000000') && !ignored.includes('ZZ123'));
  // the day after, D-20 is 21 days ago
  assert.ok((await matches(db, 'gsma_not_found', {}, addDays(D, 1))).includes(key(2, '35111111')));
});

test('malformed_imei: seen keys that are not 14 digits', async () => {
  const r = await run(db, 'malformed_imei', {}, D);
  assert.deepEqual([...r.keys()].sort(), ['0000000000000', '00440000XYZ', '0044X000123456', '1234567890123', 'ZZ123'].sort());
  assert.deepEqual(r.get('ZZ123'), { first_seen: before_(40), last_seen: before_(40) });
  assert.ok(!r.has(key(9)), 'a 15-digit IMEI normalises to a 14-digit key');
});

test('is_test_tac: the test ranges of DOMAIN §2, as identity/suspicious.ts says', async () => {
  const r = await run(db, 'is_test_tac', {}, D);
  const seen = (await db.query<{ imei_norm: string }>('SELECT imei_norm FROM v_seen_imei')).rows.map((x) => x.imei_norm);
  const expected = seen.filter((k) => isTestTac(k)).sort();
  assert.deepEqual([...r.keys()].sort(), expected);
  assert.deepEqual(expected, ['00100112345678', '00101799999999', '00440000000001', '00440000XYZ', '00860000000001', '00910000000001']);
  assert.equal(r.get('00101799999999')!.tac, '00101799');
});

test('inconsistent_rat: a generation outside the model capability (union over the model’s TACs)', async () => {
  const r = await run(db, 'inconsistent_rat', {}, D);
  assert.deepEqual([...r.keys()].sort(), [key(2, '35000010'), key(2, '35000020'), key(1, '35000030'), key(1, '35000060')].sort());
  assert.deepEqual(r.get(key(2, '35000010')), {
    tac: '35000010', manufacturer: 'Acme', model_name: 'A', seen_generations: ['4G'], model_generations: ['2G', '3G'], inconsistent_generations: ['4G'],
  });
  // model B (Acme) can do 2G and 4G through its two TACs; the Other manufacturer's model B only 2G
  assert.deepEqual(r.get(key(2, '35000020'))!.model_generations, ['2G', '4G']);
  assert.deepEqual(r.get(key(1, '35000030'))!.model_generations, ['2G']);
  assert.deepEqual(r.get(key(1, '35000060'))!.inconsistent_generations, ['5G']);
  // skipped: no capability (D), no manufacturer (E), WLAN only (no generation)
  assert.ok(!r.has(key(1, '35000040')) && !r.has(key(1, '35000050')) && !r.has(key(2, '35000060')));
});

test('seen_before_tac_allocation: first seen before the allocation date', async () => {
  const r = await run(db, 'seen_before_tac_allocation', {}, D);
  assert.deepEqual([...r.keys()], [key(1, '35000070')]);
  assert.deepEqual(r.get(key(1, '35000070')), { tac: '35000070', allocation_date: '2025-06-15', first_seen: '2025-06-14', days_before_allocation: 1 });
});

test('suspicious_identifier: the shapes of identity/suspicious.ts, all or some', async () => {
  const r = await run(db, 'suspicious_identifier', {}, D);
  const seen = (await db.query<{ imei_norm: string }>('SELECT imei_norm FROM v_seen_imei')).rows.map((x) => x.imei_norm);
  const expected = new Map(seen.map((k) => [k, suspiciousShapes(k).filter((s) => s !== 'malformed')] as const).filter(([, s]) => s.length > 0));
  assert.deepEqual(new Map([...r].map(([k, e]) => [k, e.shapes])), expected);
  for (const [k, shapes] of [
    ['00000000000000', ['all_zeros']], ['11111111111111', ['repeated_digit']], ['12345678901234', ['ascending_run']], ['89012345678901', ['ascending_run']],
    ['98765432109876', ['descending_run']], ['10987654321098', ['descending_run']], ['00440000000001', ['test_tac']],
  ] as const) assert.deepEqual(r.get(k)?.shapes, shapes, k);
  assert.ok(!r.has('12345678901235') && !r.has('0000000000000') && !r.has('00440000XYZ'));
  const some = await run(db, 'suspicious_identifier', { shapes: ['repeated_digit', 'descending_run'] }, D);
  assert.deepEqual([...some.keys()].sort(), ['10987654321098', '11111111111111', '98765432109876', '99999999999999']);
});

test('unknown_software_version: a version at most min_devices other devices of the model have used', async () => {
  const M = (i: number) => key(i, i === 7 ? '35000081' : '35000080');
  const all = { min_model_devices: 1 };
  // model M (7 devices): 01 by 4 devices, 02 by 3 (over both TACs), 03 by 1; model N: 01 by 1; unknown TAC skipped
  const two = await run(db, 'unknown_software_version', { ...all, min_devices: 2 }, D);
  assert.deepEqual([...two.keys()].sort(), [M(1), M(5), M(6), M(7), key(1, '35000090')].sort());
  assert.deepEqual(two.get(M(1)), { manufacturer: 'Acme', model_name: 'M', min_devices: 2, versions: [{ svn: '03', other_devices: 0, first_seen: before_(3) }] });
  assert.deepEqual(two.get(M(7))!.versions, [{ svn: '02', other_devices: 2, first_seen: before_(3) }]);
  const one = await matches(db, 'unknown_software_version', { ...all, min_devices: 1 }, D);
  assert.deepEqual(one, [M(1), key(1, '35000090')].sort());
  const three = await run(db, 'unknown_software_version', { ...all, min_devices: 3 }, D);
  assert.ok(three.has(M(2)), '01: 3 other devices, at most 3');
  assert.equal((three.get(M(1))!.versions as unknown[]).length, 2, 'both versions of M1 are unknown at 3');
  assert.ok(!(await run(db, 'unknown_software_version', all, D)).has(key(1, '35111111')), 'no model for an unknown TAC');
});

test('unknown_software_version: models seen on fewer than min_model_devices devices are skipped', async () => {
  const M = (i: number) => key(i, i === 7 ? '35000081' : '35000080');
  // M has 7 devices (one of them with two versions), N one
  const seven = await matches(db, 'unknown_software_version', { min_devices: 1, min_model_devices: 7 }, D);
  assert.deepEqual(seven, [M(1)]);
  assert.deepEqual(await matches(db, 'unknown_software_version', { min_devices: 1, min_model_devices: 8 }, D), []);
  assert.deepEqual(await matches(db, 'unknown_software_version', { min_devices: 1 }, D), [], 'default: 20 devices');
});
