/**
 * Dimensions counting subscribers per IMEI over a window: duplicate_threshold,
 * duplicate_daily_avg, daily_avg_uid, transient_imei. The analysis date is 2025-06-11 unless said;
 * a 10-day window is then 06-01..06-10.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { Db } from '../../../src/store/db.ts';
import { days, freshDb, imsi, key, list, matches, msisdn, observe, run, type Obs } from './helpers.ts';

const D = '2025-06-11';
const W10 = { from: '2025-06-01', to: '2025-06-10' };

// duplicate_threshold: IMEI T
const T = key(101);
const [a, b, c, d, e] = [imsi(11), imsi(12), imsi(13, '99902'), imsi(14), imsi(15)];
// duplicate_daily_avg / daily_avg_uid: IMEIs A1, A2, A3
const A1 = key(201);
const A2 = key(202);
const A3 = key(203);
const [p, q, r, s, x, y, z] = [imsi(21), imsi(22), imsi(23, '99902'), imsi(24), imsi(25), imsi(26), imsi(27)];
// transient_imei
const TR = (i: number) => key(300 + i);

const alpha: Obs[] = [];
const beta: Obs[] = [];
const at = (rows: Obs[], dates: string[], imei: string, sub: string, m = msisdn(0)) => rows.push(...dates.map((date) => ({ date, imei, imsi: sub, msisdn: m })));

// T: a on the window's first day (and on beta the next), b on its last, c on beta, d the day before, e on D; junk IMSIs
at(alpha, ['2025-06-01'], T, a, msisdn(1));
at(beta, ['2025-06-02'], T, a, msisdn(1));
at(alpha, ['2025-06-10'], T, b, msisdn(2));
at(beta, ['2025-06-05'], T, c, msisdn(1));
at(alpha, ['2025-05-31'], T, d, msisdn(4));
at(alpha, ['2025-06-11'], T, e, msisdn(5));
at(alpha, ['2025-06-05'], T, '12345', msisdn(6));
at(alpha, ['2025-06-05'], T, '', msisdn(7));
at(alpha, ['2025-06-06'], T, a, 'abc');

// A1: p 9 days, q 5 days on two operators (counted once), r 5 days, s outside the window, junk IMSI; July days
at(alpha, days('2025-06-01', 9), A1, p, msisdn(10));
at(alpha, days('2025-06-01', 5), A1, q, msisdn(11));
at(beta, days('2025-06-01', 5), A1, q, msisdn(11));
at(beta, days('2025-06-06', 5), A1, r, msisdn(10));
at(alpha, ['2025-05-31', '2025-06-11'], A1, s, msisdn(12));
at(alpha, ['2025-06-01'], A1, '12345', msisdn(13));
at(alpha, ['2025-07-01'], A1, p, msisdn(10));
at(alpha, ['2025-07-01'], A1, q, msisdn(11));
// A2: two IMSIs a day on 9 days
at(alpha, days('2025-06-02', 9), A2, x, msisdn(20));
at(alpha, days('2025-06-02', 9), A2, y, msisdn(21));
// A3: a registered person on 5 days, an unregistered IMSI on 5 others
at(alpha, days('2025-06-01', 5), A3, p, msisdn(30));
at(alpha, days('2025-06-06', 5), A3, z, msisdn(31));

// transient_imei: (1) 3 new MSISDNs a day in step 1 for 10 days; (2) the same, not a progression;
// (3) a progression over two operators; (4) a progression on 2 days only; (5) 2 MSISDNs a day;
// (6) a progression in the window, other MSISDNs outside it
const M = 770000000;
for (const [k, date] of days('2025-06-01', 10).entries()) {
  for (let j = 0; j < 3; j++) {
    alpha.push({ date, imei: TR(1), imsi: imsi(1), msisdn: String(M + 3 * k + j) });
    alpha.push({ date, imei: TR(2), imsi: imsi(1), msisdn: String(M + (3 * k + j) ** 2) });
    (k < 5 ? alpha : beta).push({ date, imei: TR(3), imsi: imsi(1), msisdn: String(M + 3 * k + j) });
  }
  alpha.push({ date, imei: TR(5), imsi: imsi(1), msisdn: String(M) }, { date, imei: TR(5), imsi: imsi(1), msisdn: String(M + 5) });
}
for (const [k, date] of ['2025-06-09', '2025-06-10'].entries()) {
  for (let j = 0; j < 3; j++) {
    alpha.push({ date, imei: TR(4), imsi: imsi(1), msisdn: String(M + 7 * (3 * k + j)) });
    alpha.push({ date, imei: TR(6), imsi: imsi(1), msisdn: String(M + 100 + 10 * (3 * k + j)) });
  }
}
alpha.push({ date: '2025-06-11', imei: TR(6), imsi: imsi(1), msisdn: String(M + 999) });
for (let j = 0; j < 3; j++) alpha.push({ date: '2025-05-31', imei: TR(6), imsi: imsi(1), msisdn: String(M + 777 + j) });

let db: Db;

before(async () => {
  db = await freshDb();
  await observe(db, alpha, 'alpha');
  await observe(db, beta, 'beta');
  await list(db, 'subscribers_registration_list', ['uid,imsi', `U1,${p}`, `U1,${q}`, `U2,${r}`, `U3,${x}`, `U4,${y}`]);
});

test('duplicate_threshold: distinct valid IMSIs in the window, at the threshold and one above', async () => {
  const r1 = await run(db, 'duplicate_threshold', { threshold: 3, period_days: 10 }, D);
  assert.deepEqual(r1.get(T), { distinct_imsis: 3, threshold: 3, window: W10, imsis: [a, b, c].sort(), operators: ['alpha', 'beta'] });
  assert.ok(!(await matches(db, 'duplicate_threshold', { threshold: 4, period_days: 10 }, D)).includes(T));
  // one more day brings d (05-31); D itself (e) never counts
  assert.equal((await run(db, 'duplicate_threshold', { threshold: 4, period_days: 11 }, D)).get(T)?.distinct_imsis, 4);
  assert.ok(!(await matches(db, 'duplicate_threshold', { threshold: 5, period_days: 11 }, D)).includes(T));
  // a month back from 06-11 is 05-11
  const month = await run(db, 'duplicate_threshold', { threshold: 4, period_months: 1 }, D);
  assert.deepEqual(month.get(T)?.window, { from: '2025-05-11', to: '2025-06-10' });
  assert.equal(month.get(T)?.distinct_imsis, 4);
});

test('duplicate_threshold: a window across a month boundary; MSISDNs with use_msisdn', async () => {
  // D = 06-03, 5 days: 05-29..06-02 holds d (05-31) and a (06-01, 06-02)
  assert.ok((await matches(db, 'duplicate_threshold', { threshold: 2, period_days: 5 }, '2025-06-03')).includes(T));
  assert.ok(!(await matches(db, 'duplicate_threshold', { threshold: 3, period_days: 5 }, '2025-06-03')).includes(T));
  // MSISDNs 1 (a and c), 2, 6 and 7 (rows whose IMSI is junk or missing); 'abc' is not an MSISDN
  const m = await run(db, 'duplicate_threshold', { threshold: 4, period_days: 10, use_msisdn: true }, D);
  assert.deepEqual(m.get(T)?.msisdns, [msisdn(1), msisdn(2), msisdn(6), msisdn(7)]);
  assert.equal(m.get(T)?.distinct_msisdns, 4);
  assert.ok(!(await matches(db, 'duplicate_threshold', { threshold: 5, period_days: 10, use_msisdn: true }, D)).includes(T));
});

test('duplicate_daily_avg: IMSI-days over days seen, a pair on two operators the same day counted once', async () => {
  // A1: 10 days seen, p 9 + q 5 + r 5 = 19 IMSI-days: 1.9 a day
  const r1 = await run(db, 'duplicate_daily_avg', { threshold: 1.9, period_days: 10, min_seen_days: 10 }, D);
  assert.deepEqual(r1.get(A1), {
    days_seen: 10, imsi_days: 19, average: 1.9, threshold: 1.9, min_seen_days: 10, distinct_imsis: 3, window: W10,
    imsis: [{ imsi: p, days: 9 }, { imsi: q, days: 5 }, { imsi: r, days: 5 }],
  });
  assert.ok(!(await matches(db, 'duplicate_daily_avg', { threshold: 1.91, period_days: 10, min_seen_days: 10 }, D)).includes(A1));
  // were q counted on both operators, A1 would average 2.4
  assert.ok(!(await matches(db, 'duplicate_daily_avg', { threshold: 2, period_days: 10, min_seen_days: 1 }, D)).includes(A1));
  // The evidence lists 20 identifiers at most, the most days first: TR(1)'s 30 MSISDNs, a day each
  const many = (await run(db, 'duplicate_daily_avg', { threshold: 3, period_days: 10, min_seen_days: 10, use_msisdn: true }, D)).get(TR(1))!;
  assert.deepEqual([many.distinct_msisdns, many.msisdn_days], [30, 30]);
  assert.deepEqual(many.msisdns, Array.from({ length: 20 }, (_, i) => ({ msisdn: String(M + i), days: 1 })));
});

test('duplicate_daily_avg: min_seen_days at its edge, months across a month boundary, MSISDNs', async () => {
  // A2: 2 IMSIs a day on 9 days
  assert.ok((await matches(db, 'duplicate_daily_avg', { threshold: 2, period_days: 10, min_seen_days: 9 }, D)).includes(A2));
  assert.ok(!(await matches(db, 'duplicate_daily_avg', { threshold: 2, period_days: 10, min_seen_days: 10 }, D)).includes(A2));
  // D = 07-03, one month: 06-03..07-02 holds A1 on 06-03..06-11 and 07-01: p 8, q 4, r 5, s 1 over 10 days
  const m = await run(db, 'duplicate_daily_avg', { threshold: 1.8, period_months: 1, min_seen_days: 10 }, '2025-07-03');
  assert.deepEqual([m.get(A1)?.days_seen, m.get(A1)?.imsi_days, m.get(A1)?.window], [10, 18, { from: '2025-06-03', to: '2025-07-02' }]);
  assert.ok(!(await matches(db, 'duplicate_daily_avg', { threshold: 1.81, period_months: 1, min_seen_days: 10 }, '2025-07-03')).includes(A1));
  // MSISDNs: 10 (p and r) on 10 days, 11 (q) on 5, 13 (the junk IMSI's) on 1: 1.6 a day
  const ms = await run(db, 'duplicate_daily_avg', { threshold: 1.6, period_days: 10, min_seen_days: 10, use_msisdn: true }, D);
  assert.deepEqual([ms.get(A1)?.days_seen, ms.get(A1)?.msisdn_days], [10, 16]);
  assert.ok(!(await matches(db, 'duplicate_daily_avg', { threshold: 1.61, period_days: 10, min_seen_days: 10, use_msisdn: true }, D)).includes(A1));
});

test('daily_avg_uid: national IDs a day; two IMSIs of one person are one ID; IMSIs without one do not count', async () => {
  // A1: U1 (p, q) on 9 days, U2 (r) on 5, over 10 days: 1.4
  const r1 = await run(db, 'daily_avg_uid', { threshold: 1.4, period_days: 10, min_seen_days: 10 }, D);
  assert.deepEqual(r1.get(A1), {
    days_seen: 10, uid_days: 14, average: 1.4, threshold: 1.4, min_seen_days: 10, distinct_uids: 2, window: W10,
    uids: [{ uid: 'U1', days: 9 }, { uid: 'U2', days: 5 }],
  });
  assert.ok(!(await matches(db, 'daily_avg_uid', { threshold: 1.41, period_days: 10, min_seen_days: 10 }, D)).includes(A1));
  // A2: two people (U3, U4) a day on 9 days
  assert.ok((await matches(db, 'daily_avg_uid', { threshold: 2, period_days: 10, min_seen_days: 9 }, D)).includes(A2));
  assert.ok(!(await matches(db, 'daily_avg_uid', { threshold: 2, period_days: 10, min_seen_days: 10 }, D)).includes(A2));
  // A3: as DIRBS, days count where a registered IMSI was seen (5), not the days with only unregistered ones
  const a3 = await run(db, 'daily_avg_uid', { threshold: 1, period_days: 10, min_seen_days: 5 }, D);
  assert.deepEqual([a3.get(A3)?.days_seen, a3.get(A3)?.uid_days], [5, 5]);
  assert.ok(!(await matches(db, 'daily_avg_uid', { threshold: 1, period_days: 10, min_seen_days: 6 }, D)).includes(A3));
});

test('transient_imei: one operator, MSISDNs a day, and an arithmetic progression', async () => {
  const r3 = await run(db, 'transient_imei', { period_days: 10 }, D);
  assert.deepEqual([...r3.keys()].sort(), [TR(1), TR(4), TR(6)]);
  const e = r3.get(TR(1))!;
  assert.deepEqual({ ...e, msisdns: undefined }, {
    operator: 'alpha', days_seen: 10, msisdn_days: 30, average_msisdns_per_day: 3, num_msisdns: 3, distinct_msisdns: 30, step: 1, window: W10, msisdns: undefined,
  });
  assert.deepEqual(e.msisdns, Array.from({ length: 20 }, (_, i) => String(M + i)));
  assert.equal(r3.get(TR(4))!.step, 7);
  // TR6: only the window's MSISDNs make the progression
  assert.deepEqual([r3.get(TR(6))!.step, r3.get(TR(6))!.distinct_msisdns], [10, 6]);
  assert.deepEqual(await matches(db, 'transient_imei', { period_days: 10, num_msisdns: 4 }, D), []);
  // 2 MSISDNs a day are never a progression (at least 3 are needed)
  assert.ok(!(await matches(db, 'transient_imei', { period_days: 10, num_msisdns: 2 }, D)).includes(TR(5)));
  // a wider window brings TR6's MSISDNs of 05-31 (3 more, in step 1) and breaks its progression; DIRBS's `period`
  assert.ok(!(await matches(db, 'transient_imei', { period: 11 }, D)).includes(TR(6)));
  assert.ok((await matches(db, 'transient_imei', { period: 11 }, D)).includes(TR(1)));
});
