/**
 * Dimensions over reference lists: stolen, barred, barred TAC, monitoring, registration and
 * device association.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { Db } from '../../../src/store/db.ts';
import { freshDb, gsma, key, list, matches, observe, profile, run, type Obs } from './helpers.ts';

const D = '2025-06-11';
const MODULE_TAC = '35000001';
const UNKNOWN_TAC = '99999999';
const BARRED_TAC = '86000001';

let db: Db;

before(async () => {
  db = await freshDb();
  await gsma(db, [{ tac: '35209900' }, { tac: MODULE_TAC, type: 'Module' }, { tac: BARRED_TAC }]);
  const seen: Obs[] = [
    ...[1, 2, 3, 4, 5, 6].map((i) => ({ date: '2025-06-10', imei: key(i) })),
    { date: '2025-06-10', imei: key(7, MODULE_TAC) },
    { date: '2025-06-10', imei: key(8, UNKNOWN_TAC) },
    { date: '2025-06-10', imei: 'ABC123' },
    { date: '2025-06-10', imei: key(1, BARRED_TAC) },
    { date: '2025-06-10', imei: `${BARRED_TAC}XYZ` },
    // around the window [06-01, 06-10] of period_days 10 on D = 06-11
    { date: '2025-05-31', imei: key(11) },
    { date: '2025-06-01', imei: key(12) },
    { date: '2025-06-10', imei: key(13) },
    { date: '2025-06-11', imei: key(14) },
  ];
  await observe(db, seen);
  await list(db, 'stolen_list', ['imei,reporting_date,status', `${key(1)},20250501,`, `${key(2)},,blacklist`, `${key(3)},20250502,pending`, `${key(90)},20250503,`]);
  await list(db, 'barred_list', ['imei', key(4), key(91), 'abc123']);
  await list(db, 'barred_tac_list', ['tac', BARRED_TAC, '12345678']);
  await list(db, 'monitoring_list', ['imei', key(5), key(92)], new Date('2025-06-01T10:00:00Z'));
  await list(db, 'monitoring_list', ['imei', key(5), key(92), key(6)], new Date('2025-06-20T10:00:00Z'));
  await list(db, 'registration_list', [
    'approved_imei,make,model,status,model_number,brand_name,device_type,radio_interface,device_id',
    `${key(1)},Acme,A1,,,,,,`,
    `${key(2)},Acme,A1,whitelist,,,,,`,
    `${key(3)},Acme,A1,pending,,,,,`,
    `${key(11)},Acme,A1,,,,,,`,
  ]);
  await list(db, 'device_association_list', ['uid,imei', `U1,${key(1)}`, `U2,${key(2)}`, `U2,${key(12)}`]);
});

test('stolen_list: stolen status (empty or blacklist), seen or not; pending is not stolen', async () => {
  const r = await run(db, 'stolen_list', {}, D);
  assert.deepEqual([...r.keys()].sort(), [key(1), key(2), key(90)]);
  assert.deepEqual(r.get(key(1)), { reporting_date: '2025-05-01', status: null });
  assert.deepEqual(r.get(key(2)), { reporting_date: null, status: 'blacklist' });
});

test('exists_in_barred_list: every barred IMEI, seen or not, malformed ones too', async () => {
  const r = await run(db, 'exists_in_barred_list', {}, D);
  assert.deepEqual([...r.keys()].sort(), ['ABC123', key(4), key(91)].sort());
  assert.match(String(r.get(key(4))!.barred_since), /^\d{4}-\d{2}-\d{2}$/);
});

test('is_barred_tac: seen IMEIs whose first 8 characters are a barred TAC', async () => {
  const r = await run(db, 'is_barred_tac', {}, D);
  // as DIRBS: the TAC is the first 8 characters, so a malformed key starting with one counts
  assert.deepEqual([...r.keys()].sort(), [key(1, BARRED_TAC), `${BARRED_TAC}XYZ`]);
  assert.equal(r.get(key(1, BARRED_TAC))!.tac, BARRED_TAC);
  assert.equal(r.get(key(1, BARRED_TAC))!.first_seen, '2025-06-10');
});

test('exists_in_monitoring_list: seen and monitored, for at least monitored_days days before the analysis date', async () => {
  // key 5 listed on 06-01 (10 days before D); key 6 listed on 06-20 (after D); key 92 never seen
  assert.deepEqual(await matches(db, 'exists_in_monitoring_list', {}, D), [key(5), key(6)]);
  assert.deepEqual(await matches(db, 'exists_in_monitoring_list', { monitored_days: 1 }, D), [key(5)]);
  const r = await run(db, 'exists_in_monitoring_list', { monitored_days: 10 }, D);
  assert.deepEqual([...r.keys()], [key(5)]);
  assert.deepEqual(r.get(key(5)), { monitored_since: '2025-06-01', monitored_days: 10, first_seen: '2025-06-10', last_seen: '2025-06-10' });
  assert.deepEqual(await matches(db, 'exists_in_monitoring_list', { monitored_days: 11 }, D), []);
});

test('not_on_registration_list: seen, not registered (absent or provisional), device type not exempted', async () => {
  const r = await run(db, 'not_on_registration_list', {}, D);
  assert.deepEqual([...r.keys()].sort(), [
    key(1, BARRED_TAC), `${BARRED_TAC}XYZ`, 'ABC123', key(12), key(13), key(14), key(3), key(4), key(5), key(6), key(8, UNKNOWN_TAC),
  ].sort());
  assert.ok(!r.has(key(7, MODULE_TAC)), 'Module is exempted by the profile');
  // no last day seen without a window: the evidence does not change from day to day
  assert.deepEqual(r.get(key(3)), { first_seen: '2025-06-10', registration_status: 'pending', device_type: 'Smartphone' });
  assert.deepEqual(r.get(key(8, UNKNOWN_TAC)), { first_seen: '2025-06-10', registration_status: null, device_type: null });
  // without the exemption, the module is not registered either
  const noExemption = { ...profile(), exempted_device_types: [] };
  assert.ok((await matches(db, 'not_on_registration_list', {}, D, noExemption)).includes(key(7, MODULE_TAC)));
});

test('not_on_registration_list with period_days: only IMEIs seen in the window (day before D included, D excluded)', async () => {
  const r = await run(db, 'not_on_registration_list', { period_days: 10 }, D);
  const window = [...r.keys()];
  assert.ok(window.includes(key(12)), 'first day of the window');
  assert.ok(window.includes(key(13)), 'the day before D');
  assert.ok(!window.includes(key(14)), 'D itself');
  assert.ok(!window.includes(key(11)), 'registered anyway');
  assert.deepEqual(r.get(key(12))!.window, { from: '2025-06-01', to: '2025-06-10' });
  assert.ok('last_seen' in r.get(key(12))!, 'with a window, the last day seen too');
  // key 12 seen on 06-01 only: out of a 9-day window
  assert.ok(!(await matches(db, 'not_on_registration_list', { period_days: 9 }, D)).includes(key(12)));
});

test('not_on_association_list: seen, associated with no national ID, device type not exempted', async () => {
  const all = await matches(db, 'not_on_association_list', {}, D);
  assert.ok(!all.includes(key(1)) && !all.includes(key(2)) && !all.includes(key(12)), 'associated');
  assert.ok(!all.includes(key(7, MODULE_TAC)), 'exempted');
  assert.ok(all.includes(key(3)) && all.includes(key(11)) && all.includes('ABC123'));
  const windowed = await run(db, 'not_on_association_list', { period_days: 10 }, D);
  assert.ok(windowed.has(key(13)) && !windowed.has(key(11)) && !windowed.has(key(14)));
  assert.deepEqual(windowed.get(key(13)), { first_seen: '2025-06-10', last_seen: '2025-06-10', device_type: 'Smartphone', window: { from: '2025-06-01', to: '2025-06-10' } });
});
