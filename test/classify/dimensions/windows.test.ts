/** Analysis windows: days or calendar months before the analysis date, and the month masks the queries join on. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { monthsBefore, periodWindow, windowMask, windowValues } from '../../../src/classify/dimensions/common.ts';
import { freshDb, profile } from './helpers.ts';

const ctx = (analysisDate: string) => ({ analysisDate, profile: profile() });

test('months back: the same day of the month, clamped to the month’s last day', () => {
  assert.equal(monthsBefore('2025-06-11', 1), '2025-05-11');
  assert.equal(monthsBefore('2025-01-15', 1), '2024-12-15');
  assert.equal(monthsBefore('2025-06-11', 12), '2024-06-11');
  assert.equal(monthsBefore('2025-06-11', 30), '2022-12-11');
  assert.equal(monthsBefore('2025-03-31', 1), '2025-02-28');
  assert.equal(monthsBefore('2024-03-31', 1), '2024-02-29');
  assert.equal(monthsBefore('2025-05-31', 3), '2025-02-28');
  assert.equal(monthsBefore('2025-07-31', 1), '2025-06-30');
});

test('a period ends the day before the analysis date', () => {
  assert.deepEqual(periodWindow(ctx('2025-06-11'), { period_days: 10 }), { from: '2025-06-01', to: '2025-06-10' });
  assert.deepEqual(periodWindow(ctx('2025-03-01'), { period_days: 1 }), { from: '2025-02-28', to: '2025-02-28' });
  assert.deepEqual(periodWindow(ctx('2025-03-31'), { period_months: 1 }), { from: '2025-02-28', to: '2025-03-30' });
  assert.deepEqual(periodWindow(ctx('2025-06-11'), {}), { from: '2025-05-12', to: '2025-06-10' }, 'default 30 days');
});

test('window values: the first and last months with the day bits inside the window', () => {
  assert.deepEqual(windowValues({ from: '2025-01-30', to: '2025-03-02' }), ['2025-01-30', '2025-03-02', '2025-01-01', (1 << 29) | (1 << 30), '2025-03-01', 0b11]);
  assert.deepEqual(windowValues({ from: '2025-06-10', to: '2025-06-10' }), ['2025-06-10', '2025-06-10', '2025-06-01', 1 << 9, '2025-06-01', 1 << 9]);
  assert.deepEqual(windowValues({ from: '2025-02-01', to: '2025-02-28' }).slice(2), ['2025-02-01', 2 ** 28 - 1, '2025-02-01', 2 ** 28 - 1]);
  assert.equal(windowMask('2025-07-01', { from: '2025-07-01', to: '2025-07-31' }), 2 ** 31 - 1, 'a 31-day month');
  assert.equal(windowMask('2025-05-01', { from: '2025-06-01', to: '2025-06-30' }), 0);
});

test('window masks are what the observations module’s obs_window_mask says', async () => {
  const db = await freshDb();
  const cases: [string, string, string][] = [];
  for (const month of ['2024-02-01', '2025-02-01', '2025-05-01', '2025-07-01', '2025-12-01']) {
    for (const [from, to] of [
      ['2024-01-15', '2024-02-10'], ['2025-01-31', '2025-02-01'], ['2025-02-28', '2025-03-01'], ['2025-05-01', '2025-05-31'], ['2025-05-12', '2025-06-10'],
      ['2025-06-01', '2025-07-31'], ['2025-07-31', '2025-07-31'], ['2025-11-30', '2026-01-01'], ['2023-01-01', '2026-01-01'], ['2025-08-01', '2025-07-01'],
    ]) cases.push([month, from, to]);
  }
  const { rows } = await db.query<{ m: number }>(
    'SELECT obs_window_mask(c.month::date, c.f::date, c.t::date) AS m FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS c(month, f, t, i) ORDER BY i',
    [cases.map((c) => c[0]), cases.map((c) => c[1]), cases.map((c) => c[2])],
  );
  assert.deepEqual(cases.map(([month, from, to]) => windowMask(month, { from, to })), rows.map((r) => r.m));
});
