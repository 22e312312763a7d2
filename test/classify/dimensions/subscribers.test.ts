/**
 * Who uses the device: used_by_dirbs_subscriber, used_by_international_roamer,
 * used_by_local_non_dirbs_roamer. Demoland: MCC 999; alpha 99901, beta 99902 and 99903, gamma
 * 99904; 99905 is national but takes no part.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { CountryProfile } from '../../../src/config/profile.ts';
import type { Db } from '../../../src/store/db.ts';
import { freshDb, imsi, key, matches, observe, profile, run } from './helpers.ts';

const D = '2025-06-11';
const U = (i: number) => key(400 + i);
const HOME = imsi(1);
const BETA = imsi(2, '99903');
const FOREIGN = imsi(3, '20801');
const LOCAL = imsi(4, '99905');

let db: Db;

before(async () => {
  db = await freshDb();
  await observe(db, [
    { date: '2025-06-05', imei: U(1), imsi: HOME },
    { date: '2025-06-10', imei: U(2), imsi: BETA },
    { date: '2025-06-01', imei: U(3), imsi: FOREIGN },
    { date: '2025-06-05', imei: U(4), imsi: LOCAL },
    { date: '2025-05-31', imei: U(5), imsi: HOME },
    { date: '2025-06-11', imei: U(6), imsi: FOREIGN },
    { date: '2025-06-05', imei: U(7), imsi: '2080' },
    { date: '2025-06-05', imei: U(8), imsi: HOME },
    { date: '2025-06-05', imei: U(8), imsi: FOREIGN },
  ]);
  await observe(db, [{ date: '2025-06-06', imei: U(8), imsi: imsi(9, '20801') }], 'gamma');
});

test('used_by_dirbs_subscriber: an IMSI under a participating operator’s MCC+MNC, in the lookback window', async () => {
  const r = await run(db, 'used_by_dirbs_subscriber', { lookback_days: 10 }, D);
  assert.deepEqual([...r.keys()].sort(), [U(1), U(2), U(8)]);
  assert.deepEqual(r.get(U(2)), { distinct_imsis: 1, imsis: [BETA], operators: ['alpha'], window: { from: '2025-06-01', to: '2025-06-10' } });
  // the day before the window, then inside it
  assert.ok((await matches(db, 'used_by_dirbs_subscriber', { lookback_days: 11 }, D)).includes(U(5)));
  assert.equal((await run(db, 'used_by_dirbs_subscriber', {}, D)).get(U(5))?.distinct_imsis, 1, 'default 30 days');
});

test('used_by_international_roamer: an IMSI whose MCC is not the country’s; D itself is not in the window', async () => {
  const r = await run(db, 'used_by_international_roamer', { lookback_days: 10 }, D);
  assert.deepEqual([...r.keys()].sort(), [U(3), U(8)]);
  assert.deepEqual(r.get(U(8)), { distinct_imsis: 2, imsis: [FOREIGN, imsi(9, '20801')], operators: ['alpha', 'gamma'], window: { from: '2025-06-01', to: '2025-06-10' } });
  assert.ok(!r.has(U(7)), 'a junk IMSI is nobody');
  assert.ok((await matches(db, 'used_by_international_roamer', { lookback_days: 10 }, '2025-06-12')).includes(U(6)));
  assert.ok(!(await matches(db, 'used_by_international_roamer', { lookback_days: 10 }, '2025-06-12')).includes(U(3)), 'out of the window');
});

test('used_by_local_non_dirbs_roamer: a national MCC under no participating operator', async () => {
  assert.deepEqual(await matches(db, 'used_by_local_non_dirbs_roamer', { lookback_days: 10 }, D), [U(4)]);
  // with a profile where 99905 takes part, it becomes a DIRBS subscriber
  const base = profile();
  const more: CountryProfile = { ...base, operators: [...base.operators, { id: 'delta', name: 'Delta', mcc_mnc: ['99905'] }] };
  assert.deepEqual(await matches(db, 'used_by_local_non_dirbs_roamer', { lookback_days: 10 }, D, more), []);
  assert.ok((await matches(db, 'used_by_dirbs_subscriber', { lookback_days: 10 }, D, more)).includes(U(4)));
  // and with 208 a national MCC, the French IMSIs are local non-DIRBS roamers, not international
  const twoMcc: CountryProfile = { ...base, country: { ...base.country, mcc: ['999', '208'] } };
  assert.deepEqual(await matches(db, 'used_by_local_non_dirbs_roamer', { lookback_days: 10 }, D, twoMcc), [U(3), U(4), U(8)]);
  assert.deepEqual(await matches(db, 'used_by_international_roamer', { lookback_days: 10 }, D, twoMcc), []);
});
