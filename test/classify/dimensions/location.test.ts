/**
 * time_distance_conflict: days on which one IMEI was in two cells too far apart. Cells on the
 * equator: E0 at longitude 0, E2 at 2° (222.4 km), E3 at 3° (333.58 km from E0, 111.2 from E2).
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { Db } from '../../../src/store/db.ts';
import { days, freshDb, key, list, matches, observe, run, type Obs } from './helpers.ts';

const D = '2025-06-11';
const L = (i: number) => key(500 + i);
const KM_E0_E3 = (6371 * 3 * Math.PI) / 180;

const alpha: Obs[] = [];
const beta: Obs[] = [];
const at = (rows: Obs[], dates: string[], imei: string, cells: string[]) => {
  for (const date of dates) for (const cell_id of cells) rows.push({ date, imei, cell_id });
};

// L1, a clone: E0, E2 and E3 every day of the window
at(alpha, days('2025-06-01', 10), L(1), ['E0', 'E2', 'E3']);
// L2, a traveller: E0, then E3, both on 06-05 only
at(alpha, days('2025-06-01', 5), L(2), ['E0']);
at(alpha, days('2025-06-05', 6), L(2), ['E3']);
// L3: E0 and E2 (222 km) every day
at(alpha, days('2025-06-01', 10), L(3), ['E0', 'E2']);
// L4: E0 and E3 on 05-31 (before the window), 06-10 (its last day) and 06-11 (D)
at(alpha, ['2025-05-31', '2025-06-10', '2025-06-11'], L(4), ['E0', 'E3']);
// L5: a cell missing from the cell list
at(alpha, days('2025-06-01', 10), L(5), ['E0', 'X']);
// L6: E0 on alpha, E3 on beta, the same two days
at(alpha, ['2025-06-09', '2025-06-10'], L(6), ['E0']);
at(beta, ['2025-06-09', '2025-06-10'], L(6), ['E3']);

let db: Db;

before(async () => {
  db = await freshDb();
  await list(db, 'cell_list', ['cell_id,lat,lon', 'E0,0,0', 'E2,0,2', 'E3,0,3']);
  await observe(db, alpha, 'alpha');
  await observe(db, beta, 'beta');
});

test('a clone is in two far cells every day; the evidence names the worst pair', async () => {
  const r = await run(db, 'time_distance_conflict', { period_days: 10 }, D);
  assert.deepEqual([...r.keys()].sort(), [L(1), L(6)]);
  assert.deepEqual(r.get(L(1)), {
    conflict_days: 10, min_conflict_days: 2, min_distance_km: 300, window: { from: '2025-06-01', to: '2025-06-10' },
    worst: { cell_a: 'E0', cell_b: 'E3', km: Math.round(KM_E0_E3 * 10) / 10, day: '2025-06-01' },
  });
  assert.equal(r.get(L(6))!.conflict_days, 2, 'cells of two operators');
  assert.deepEqual(await matches(db, 'time_distance_conflict', { period_days: 10, min_conflict_days: 10 }, D), [L(1)]);
  assert.deepEqual(await matches(db, 'time_distance_conflict', { period_days: 10, min_conflict_days: 11 }, D), []);
});

test('a traveller makes one conflict day; near cells make none; unknown cells are ignored', async () => {
  const one = await run(db, 'time_distance_conflict', { period_days: 10, min_conflict_days: 1 }, D);
  assert.equal(one.get(L(2))?.conflict_days, 1);
  assert.deepEqual(one.get(L(2))?.worst, { cell_a: 'E0', cell_b: 'E3', km: Math.round(KM_E0_E3 * 10) / 10, day: '2025-06-05' });
  assert.ok(!one.has(L(3)) && !one.has(L(5)));
  // E0-E2 is 222.4 km
  const near = await matches(db, 'time_distance_conflict', { period_days: 10, min_distance_km: 222 }, D);
  assert.ok(near.includes(L(3)));
  assert.ok(!(await matches(db, 'time_distance_conflict', { period_days: 10, min_distance_km: 222.5 }, D)).includes(L(3)));
});

test('distance and window edges', async () => {
  // farther than min_distance_km, strictly
  assert.ok((await matches(db, 'time_distance_conflict', { period_days: 10, min_distance_km: KM_E0_E3 - 0.01 }, D)).includes(L(6)));
  assert.ok(!(await matches(db, 'time_distance_conflict', { period_days: 10, min_distance_km: KM_E0_E3 + 0.01 }, D)).includes(L(6)));
  // L4: only 06-10 is inside the 10-day window; 11 days bring 05-31 (across the month boundary); D never counts
  assert.ok(!(await matches(db, 'time_distance_conflict', { period_days: 10 }, D)).includes(L(4)));
  const eleven = await run(db, 'time_distance_conflict', { period_days: 11 }, D);
  assert.equal(eleven.get(L(4))?.conflict_days, 2);
  assert.equal((eleven.get(L(4))?.worst as { day: string }).day, '2025-05-31');
  assert.equal((await run(db, 'time_distance_conflict', { period_days: 2 }, '2025-06-12')).get(L(4))?.conflict_days, 2);
});
