/** What the network data says about an IMEI, in a window: subscribers, days, identities, locations, software versions. */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { imeiObservations, type ImeiObservations } from '../../src/observations/queries.ts';
import type { Db } from '../../src/store/db.ts';
import { dayList, freshDb, importRowsOf, imsiOf, lenient, msisdnOf, withTempDir, type Row } from './helpers.ts';

const IMEI = '35209900176148';
const A = { imsi: imsiOf(1), msisdn: msisdnOf(1) };
const B = { imsi: imsiOf(2), msisdn: msisdnOf(2) };
const C = { imsi: imsiOf(3, '99902'), msisdn: msisdnOf(3) };
const E = { imsi: '', msisdn: msisdnOf(5) };

let db: Db;

/**
 * alpha, January: A on days 1..10 (cell c1 on 1..5, c2 on 6..10; software 01 on 1..3, 02 on 4..10),
 * B on days 5..6, E (no IMSI) on day 20. beta, February: C on days 1..3 (no optional columns).
 * alpha, February: A on day 10. Another IMEI shares A's day 1.
 */
before(async () => {
  db = await freshDb();
  await withTempDir(async (dir) => {
    const jan: Row[] = [
      ...dayList('20250101', 10).map((date, i) => ({ date, imei: IMEI + '1', ...A, rat: i < 5 ? '002' : '006', cell_id: i < 5 ? 'c1' : 'c2', svn: i < 3 ? '01' : '02' })),
      ...['20250105', '20250106'].map((date) => ({ date, imei: IMEI + '9', ...B, rat: '006', cell_id: '', svn: '' })),
      { date: '20250120', imei: IMEI, ...E, rat: '006', cell_id: '', svn: '' },
      { date: '20250101', imei: '35209900000001', ...A, rat: '010', cell_id: 'c9', svn: '77' },
    ];
    await importRowsOf(db, dir, 'alpha_20250101_20250131.csv', jan, { profile: lenient() });
    await importRowsOf(db, dir, 'beta_20250201_20250228.csv', dayList('20250201', 3).map((date) => ({ date, imei: IMEI + '0', ...C, rat: '010' })), { operator: 'beta' });
    await importRowsOf(db, dir, 'alpha_20250201_20250228.csv', [{ date: '20250210', imei: IMEI + '1', ...A, rat: '006' }], { profile: lenient() });
  });
});

const sortLocations = (o: ImeiObservations) => [...o.locations].sort((x, y) => x.cell_id.localeCompare(y.cell_id));

test('without a window: every subscriber, day, identity, location and software version', async () => {
  const o = await imeiObservations(db, IMEI);
  assert.equal(o.imei_norm, IMEI);
  assert.equal(o.seen, true);
  assert.deepEqual([o.first_seen, o.last_seen], ['2025-01-01', '2025-02-10']);
  assert.deepEqual(o.rat_codes, ['002', '006', '010']);
  assert.deepEqual(o.generations, ['2G', '4G', '5G']);
  assert.deepEqual(o.operators, ['alpha', 'beta']);
  assert.equal(o.days_seen, 10 + 1 + 3 + 1);
  assert.deepEqual(o.subscribers, [
    { ...A, operator: 'alpha', days_seen: 11, first_seen: '2025-01-01', last_seen: '2025-02-10' },
    { ...B, operator: 'alpha', days_seen: 2, first_seen: '2025-01-05', last_seen: '2025-01-06' },
    { imsi: null, msisdn: E.msisdn, operator: 'alpha', days_seen: 1, first_seen: '2025-01-20', last_seen: '2025-01-20' },
    { ...C, operator: 'beta', days_seen: 3, first_seen: '2025-02-01', last_seen: '2025-02-03' },
  ]);
  assert.equal(o.distinct_imsis, 3, 'a missing IMSI is not an IMSI');
  assert.equal(o.distinct_msisdns, 4);
  assert.deepEqual(sortLocations(o), [
    { cell_id: 'c1', operator: 'alpha', days_seen: 5, first_seen: '2025-01-01', last_seen: '2025-01-05' },
    { cell_id: 'c2', operator: 'alpha', days_seen: 5, first_seen: '2025-01-06', last_seen: '2025-01-10' },
  ]);
  assert.deepEqual(o.software_versions, [
    { svn: '01', first_seen: '2025-01-01', last_seen: '2025-01-03' },
    { svn: '02', first_seen: '2025-01-04', last_seen: '2025-01-10' },
  ]);
});

test('a window counts only the days inside it', async () => {
  const o = await imeiObservations(db, IMEI, { from: '2025-01-05', to: '2025-01-06' });
  assert.equal(o.days_seen, 2);
  assert.deepEqual(o.subscribers.map((s) => [s.imsi, s.days_seen, s.first_seen, s.last_seen]), [
    [A.imsi, 2, '2025-01-05', '2025-01-06'],
    [B.imsi, 2, '2025-01-05', '2025-01-06'],
  ]);
  assert.deepEqual([o.distinct_imsis, o.distinct_msisdns], [2, 2]);
  assert.deepEqual(sortLocations(o).map((l) => [l.cell_id, l.days_seen, l.first_seen, l.last_seen]), [['c1', 1, '2025-01-05', '2025-01-05'], ['c2', 1, '2025-01-06', '2025-01-06']]);
  // the summary is the IMEI's whole history, whatever the window
  assert.deepEqual([o.first_seen, o.last_seen, o.operators], ['2025-01-01', '2025-02-10', ['alpha', 'beta']]);
});

test('windows across a month boundary, open on one side, or empty', async () => {
  const across = await imeiObservations(db, IMEI, { from: '2025-01-31', to: '2025-02-02' });
  assert.equal(across.days_seen, 2);
  assert.deepEqual(across.subscribers.map((s) => [s.operator, s.imsi, s.days_seen]), [['beta', C.imsi, 2]]);
  assert.deepEqual(across.locations, []);

  const from = await imeiObservations(db, IMEI, { from: '2025-02-01' });
  assert.equal(from.days_seen, 4);
  assert.deepEqual(from.subscribers.map((s) => [s.imsi, s.days_seen, s.first_seen, s.last_seen]), [
    [C.imsi, 3, '2025-02-01', '2025-02-03'],
    [A.imsi, 1, '2025-02-10', '2025-02-10'],
  ]);

  const to = await imeiObservations(db, IMEI, { to: '2025-01-03' });
  assert.equal(to.days_seen, 3);
  assert.deepEqual(to.subscribers.map((s) => [s.imsi, s.days_seen, s.last_seen]), [[A.imsi, 3, '2025-01-03']]);
  assert.deepEqual(sortLocations(to).map((l) => [l.cell_id, l.days_seen]), [['c1', 3]]);

  const oneDay = await imeiObservations(db, IMEI, { from: '2025-01-20', to: '2025-01-20' });
  assert.deepEqual(oneDay.subscribers.map((s) => [s.imsi, s.msisdn]), [[null, E.msisdn]]);
  assert.deepEqual([oneDay.distinct_imsis, oneDay.distinct_msisdns, oneDay.days_seen], [0, 1, 1]);

  const none = await imeiObservations(db, IMEI, { from: '2025-03-01', to: '2025-03-31' });
  assert.deepEqual([none.seen, none.days_seen, none.subscribers, none.locations, none.distinct_imsis], [true, 0, [], [], 0]);
});

test('an IMEI never seen: seen false and everything empty', async () => {
  const o = await imeiObservations(db, '35209900999999');
  assert.deepEqual(o, {
    imei_norm: '35209900999999', seen: false, first_seen: null, last_seen: null, rat_codes: [], generations: [], operators: [], days_seen: 0,
    subscribers: [], distinct_imsis: 0, distinct_msisdns: 0, locations: [], software_versions: [],
  });
});

test('another IMEI on the same subscriber is kept apart', async () => {
  const o = await imeiObservations(db, '35209900000001');
  assert.deepEqual(o.subscribers.map((s) => [s.imsi, s.days_seen]), [[A.imsi, 1]]);
  assert.deepEqual(o.rat_codes, ['010']);
  assert.deepEqual(o.operators, ['alpha']);
  assert.deepEqual(o.locations.map((l) => l.cell_id), ['c9']);
  assert.deepEqual(o.software_versions.map((v) => v.svn), ['77']);
});
