/**
 * Continuing states of a condition built on kept results (`not_registered`): a run compares the
 * evidence of only the IMEIs whose kept row it rewrote, so these tests check that every other
 * way evidence can change still reaches the states: a late file moving a device's first day
 * seen, and a change of the condition's definition. The last test checks that the first run
 * leaves the statistics those narrow comparisons are planned with.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classify } from '../../src/classify/engine.ts';
import { validateProfile, type CountryProfile } from '../../src/config/profile.ts';
import type { Db } from '../../src/store/db.ts';
import { freshDb, gsma, imsi, key, observe, profile } from './dimensions/helpers.ts';

const unregistered = (extra: unknown[] = []): CountryProfile =>
  validateProfile({
    ...profile(),
    evaluation: {},
    conditions: [{ label: 'not_registered', dimensions: [{ module: 'not_on_registration_list' }, ...extra], reason: 'not registered', max_allowed_matching_ratio: 1 }],
  });

async function states(db: Db): Promise<Map<string, { evidence: Record<string, Record<string, unknown>>; last_run: number }>> {
  const { rows } = await db.query<{ imei_norm: string; evidence: Record<string, Record<string, unknown>>; last_run: number }>(
    "SELECT imei_norm, evidence, last_run FROM cls_state WHERE cond = 'not_registered' AND end_date IS NULL",
  );
  return new Map(rows.map((r) => [r.imei_norm, r]));
}

async function run(db: Db, p: CountryProfile, date: string): Promise<number> {
  const r = await classify(db, { profile: p, analysisDate: date });
  assert.equal(r.status, 'done', r.message);
  return r.run_id!;
}

test('a late file moving the first day seen of a continuing state rewrites its evidence, and only its', async () => {
  const db = await freshDb();
  await gsma(db, [{ tac: '35209900' }]);
  await observe(db, [1, 2, 3].map((i) => ({ date: '2025-06-05', imei: key(i), imsi: imsi(i) })));
  const p = unregistered();
  await run(db, p, '2025-06-06');
  await observe(db, [1, 2, 3].map((i) => ({ date: '2025-06-06', imei: key(i), imsi: imsi(i) })));
  const second = await run(db, p, '2025-06-07');
  // Another operator's file for an earlier day: device 2 was seen before.
  await observe(db, [{ date: '2025-06-02', imei: key(2), imsi: imsi(2) }], 'beta');
  const third = await run(db, p, '2025-06-07');
  const s = await states(db);
  assert.equal(s.size, 3);
  assert.equal(s.get(key(2))!.evidence.not_on_registration_list.first_seen, '2025-06-02');
  assert.equal(s.get(key(2))!.last_run, third);
  for (const i of [1, 3]) {
    assert.equal(s.get(key(i))!.evidence.not_on_registration_list.first_seen, '2025-06-05');
    assert.ok(s.get(key(i))!.last_run < third, `device ${i}: nothing to rewrite`);
  }
  assert.ok(second < third);
});

test('a changed condition definition rewrites the evidence of every continuing state', async () => {
  const db = await freshDb();
  await gsma(db, [{ tac: '35209900' }]);
  await observe(db, [1, 2].map((i) => ({ date: '2025-06-05', imei: key(i), imsi: imsi(i) })));
  await run(db, unregistered(), '2025-06-06');
  await run(db, unregistered([{ module: 'used_by_international_roamer', invert: true }]), '2025-06-06');
  for (const [, st] of await states(db)) {
    assert.deepEqual(Object.keys(st.evidence).sort(), ['not_on_registration_list', 'not_used_by_international_roamer']);
  }
});

test('an IMEI coming into or out of an inverted dimension closes or opens its state', async () => {
  const db = await freshDb();
  await gsma(db, [{ tac: '35209900' }]);
  const p = unregistered([{ module: 'used_by_international_roamer', parameters: { lookback_days: 2 }, invert: true }]);
  const foreign = (i: number) => imsi(i, '20801');
  const open = async () => [...(await states(db)).keys()].sort();
  await observe(db, [{ date: '2025-06-05', imei: key(1), imsi: foreign(1) }, { date: '2025-06-05', imei: key(2), imsi: imsi(2) }]);
  await run(db, p, '2025-06-06');
  assert.deepEqual(await open(), [key(2)]);
  // Device 2 roams from the 6th: out of the condition.
  await observe(db, [{ date: '2025-06-06', imei: key(1), imsi: imsi(1) }, { date: '2025-06-06', imei: key(2), imsi: foreign(2) }]);
  const second = await run(db, p, '2025-06-07');
  assert.deepEqual(await open(), []);
  // The roamers' set is kept for the next run, with the run it is from.
  const kept = await db.query<{ imei_norm: string; run: number }>('SELECT l.imei_norm, r.run FROM cls_dim_last l JOIN cls_dim_last_run r USING (key) ORDER BY 1');
  assert.deepEqual(kept.rows.map((r) => [r.imei_norm, Number(r.run)]), [[key(1), second], [key(2), second]]);
  // Device 1's roaming day leaves the two-day window: into the condition.
  await observe(db, [{ date: '2025-06-07', imei: key(1), imsi: imsi(1) }, { date: '2025-06-07', imei: key(2), imsi: imsi(2) }]);
  await run(db, p, '2025-06-08');
  assert.deepEqual(await open(), [key(1)]);
  // No new data, a day later: device 2's too.
  await run(db, p, '2025-06-09');
  assert.deepEqual(await open(), [key(1), key(2)]);
  // Device 1 roams again: out once more.
  await observe(db, [{ date: '2025-06-09', imei: key(1), imsi: foreign(1) }, { date: '2025-06-09', imei: key(2), imsi: imsi(2) }]);
  await run(db, p, '2025-06-10');
  assert.deepEqual(await open(), [key(2)]);
});

test('with no inverted sets kept by the last run (as after an upgrade), a stable condition is compared in full', async () => {
  const db = await freshDb();
  await gsma(db, [{ tac: '35209900' }]);
  const p = unregistered([{ module: 'used_by_international_roamer', parameters: { lookback_days: 2 }, invert: true }]);
  const open = async () => [...(await states(db)).keys()].sort();
  await observe(db, [{ date: '2025-06-05', imei: key(1), imsi: imsi(1, '20801') }, { date: '2025-06-05', imei: key(2), imsi: imsi(2) }]);
  await run(db, p, '2025-06-06');
  await observe(db, [1, 2].map((i) => ({ date: '2025-06-06', imei: key(i), imsi: imsi(i) })));
  await run(db, p, '2025-06-07');
  assert.deepEqual(await open(), [key(2)]);
  await db.exec('DELETE FROM cls_dim_last; DELETE FROM cls_dim_last_run');
  await observe(db, [1, 2].map((i) => ({ date: '2025-06-07', imei: key(i), imsi: imsi(i) })));
  await run(db, p, '2025-06-08');
  assert.deepEqual(await open(), [key(1), key(2)]);
});

test('the first run leaves statistics on the states and the kept results for the next run to plan with', async () => {
  const db = await freshDb();
  await gsma(db, [{ tac: '35209900' }]);
  await observe(db, [1, 2, 3].map((i) => ({ date: '2025-06-05', imei: key(i), imsi: imsi(i) })));
  const analysed = async () =>
    (await db.query<{ tablename: string }>("SELECT DISTINCT tablename::text FROM pg_stats WHERE schemaname = current_schema() AND tablename IN ('cls_state', 'cls_dim_kept') ORDER BY 1")).rows.map((r) => r.tablename);
  assert.deepEqual(await analysed(), []);
  await run(db, unregistered(), '2025-06-06');
  assert.deepEqual(await analysed(), ['cls_dim_kept', 'cls_state']);
});
