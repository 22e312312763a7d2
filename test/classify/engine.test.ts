/**
 * The classification engine's state machine, on both engines, with a test dimension whose
 * matches the test controls (a table it fills): grace and fixed block dates across runs,
 * release and fresh grace on re-match, sticky, the safety ratio, amnesty periods, what-if.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { z } from 'zod';
import { DIMENSIONS } from '../../src/classify/dimensions/index.ts';
import { classify } from '../../src/classify/engine.ts';
import { validateProfile, type CountryProfile } from '../../src/config/profile.ts';
import { CeirError } from '../../src/errors.ts';
import type { Db } from '../../src/store/db.ts';
import { demoProfile, freshDb } from '../helpers/store.ts';

before(() => {
  // Matches exactly the IMEIs the test puts in t_match (optionally for one tag).
  DIMENSIONS.t_fixture = {
    name: 't_fixture',
    description: 'test fixture',
    params: z.object({ tag: z.string().default('a') }).strict(),
    sql: (p: { tag: string }) => ({ text: "SELECT imei_norm, jsonb_build_object('tag', tag) AS evidence FROM t_match WHERE tag = $1", values: [p.tag] }),
  };
});

const IMEIS = Array.from({ length: 20 }, (_, i) => `350000000000${String(i).padStart(2, '0')}`);

function profileWith(conditions: unknown[], extra: Record<string, unknown> = {}): CountryProfile {
  const base = demoProfile();
  return validateProfile({ ...base, conditions, evaluation: {}, ...extra });
}

const cond = (over: Record<string, unknown> = {}) => ({
  label: 'c1',
  dimensions: [{ module: 't_fixture' }],
  blocking: true,
  grace_period_days: 10,
  reason: 'test reason',
  max_allowed_matching_ratio: 1,
  ...over,
});

async function setup(): Promise<Db> {
  const db = await freshDb();
  await db.exec('DROP TABLE IF EXISTS t_match; CREATE TABLE t_match (imei_norm text, tag text)');
  for (const i of IMEIS) await db.query("INSERT INTO obs_imei VALUES ($1, '2026-01-01', '2026-01-31', 32, 1)", [i]);
  return db;
}

async function match(db: Db, imeis: string[], tag = 'a') {
  await db.query('DELETE FROM t_match WHERE tag = $1', [tag]);
  for (const i of imeis) await db.query('INSERT INTO t_match VALUES ($1, $2)', [i, tag]);
}

async function states(db: Db) {
  const { rows } = await db.query<{ imei_norm: string; cond: string; start_date: string; end_date: string | null; block_date: string | null; amnesty_granted: boolean }>(
    'SELECT imei_norm, cond, start_date, end_date, block_date, amnesty_granted FROM cls_state ORDER BY imei_norm, cond, start_date',
  );
  return rows;
}

test('the block date is fixed at first match; release closes the state; a re-match starts a fresh grace period', async () => {
  const db = await setup();
  const profile = profileWith([cond()]);
  await match(db, IMEIS.slice(0, 2));
  const r1 = await classify(db, { profile, analysisDate: '2026-02-01' });
  assert.equal(r1.status, 'done');
  assert.deepEqual([r1.conditions[0].matched, r1.conditions[0].opened], [2, 2]);
  assert.deepEqual((await states(db)).map((s) => s.block_date), ['2026-02-11', '2026-02-11']);

  const r2 = await classify(db, { profile: profileWith([cond({ grace_period_days: 99 })]), analysisDate: '2026-02-05' });
  assert.deepEqual([r2.conditions[0].continued, r2.conditions[0].opened], [2, 0]);
  assert.deepEqual((await states(db)).map((s) => s.block_date), ['2026-02-11', '2026-02-11'], 'a later run with another grace does not move the date');

  await match(db, IMEIS.slice(0, 1));
  const r3 = await classify(db, { profile, analysisDate: '2026-02-10' });
  assert.equal(r3.conditions[0].closed, 1);
  const after3 = await states(db);
  assert.equal(after3.find((s) => s.imei_norm === IMEIS[1])!.end_date, '2026-02-10');

  await match(db, IMEIS.slice(0, 2));
  const r4 = await classify(db, { profile, analysisDate: '2026-03-01' });
  assert.equal(r4.conditions[0].opened, 1);
  const second = (await states(db)).filter((s) => s.imei_norm === IMEIS[1]);
  assert.deepEqual(second.map((s) => [s.start_date, s.end_date, s.block_date]), [
    ['2026-02-01', '2026-02-10', '2026-02-11'],
    ['2026-03-01', null, '2026-03-11'],
  ]);
  const runs = await db.query<{ n: number }>('SELECT count(*) AS n FROM cls_run');
  assert.equal(runs.rows[0].n, 4);
});

test('sticky conditions never release; informative conditions have no block date', async () => {
  const db = await setup();
  const profile = profileWith([cond({ label: 'sticky', sticky: true }), cond({ label: 'info', blocking: false, dimensions: [{ module: 't_fixture', parameters: { tag: 'b' } }] })]);
  await match(db, IMEIS.slice(0, 3));
  await match(db, IMEIS.slice(0, 2), 'b');
  await classify(db, { profile, analysisDate: '2026-02-01' });
  await match(db, []);
  await match(db, [], 'b');
  const r = await classify(db, { profile, analysisDate: '2026-02-02' });
  assert.deepEqual(r.conditions.map((c) => [c.label, c.closed]), [['sticky', 0], ['info', 2]]);
  const s = await states(db);
  assert.equal(s.filter((x) => x.cond === 'sticky' && x.end_date === null).length, 3);
  assert.ok(s.filter((x) => x.cond === 'info').every((x) => x.block_date === null));
});

test('a condition matching more than its safety ratio refuses the whole run and changes nothing', async () => {
  const db = await setup();
  await match(db, IMEIS.slice(0, 2));
  const ok = profileWith([cond({ label: 'ok' })]);
  await classify(db, { profile: ok, analysisDate: '2026-02-01' });
  const before = await states(db);
  await match(db, IMEIS.slice(0, 5));
  // 5 of 20 seen = 25% > 20%; 'ok' alone would be fine but the run is refused as a whole.
  const profile = profileWith([cond({ label: 'ok' }), cond({ label: 'greedy', max_allowed_matching_ratio: 0.2 })]);
  const r = await classify(db, { profile, analysisDate: '2026-02-02' });
  assert.equal(r.status, 'refused');
  assert.equal(r.run_id, null);
  assert.match(r.message!, /greedy matches 5 of 20 IMEIs seen \(25\.00%\), more than its max_allowed_matching_ratio 20\.00%/);
  assert.deepEqual(r.conditions.map((c) => c.refused), [false, true]);
  // 'ok' was applied before 'greedy' was matched: rolled back, it reports no change either.
  assert.deepEqual(r.conditions.map((c) => [c.matched, c.opened, c.continued]), [[5, 0, 0], [5, 0, 0]]);
  assert.deepEqual(await states(db), before);
  // Every condition over its ratio is named, not only the first.
  const two = profileWith([cond({ label: 'greedy', max_allowed_matching_ratio: 0.2 }), cond({ label: 'ok' }), cond({ label: 'greedier', max_allowed_matching_ratio: 0.1 })]);
  const r2 = await classify(db, { profile: two, analysisDate: '2026-02-02' });
  assert.deepEqual(r2.conditions.map((c) => c.refused), [true, false, true]);
  assert.match(r2.message!, /condition greedy matches 5 .*; condition greedier matches 5 /);
  assert.deepEqual(await states(db), before);
  const runs = await db.query<{ n: number }>('SELECT count(*) AS n FROM cls_run');
  assert.equal(runs.rows[0].n, 1);
  // Exactly at the limit is allowed: 4 of 20 = 20%.
  await match(db, IMEIS.slice(0, 4));
  assert.equal((await classify(db, { profile, analysisDate: '2026-02-03' })).status, 'done');
});

test('amnesty: granted during evaluation, notified with the amnesty end as block date, blocked after it', async () => {
  const db = await setup();
  const amnesty = { enabled: true, evaluation_period_end_date: '20260210', amnesty_period_end_date: '20260310' };
  const profile = profileWith([cond({ amnesty_eligible: true }), cond({ label: 'plain', dimensions: [{ module: 't_fixture', parameters: { tag: 'b' } }] })], { amnesty });
  await match(db, IMEIS.slice(0, 2));
  await match(db, IMEIS.slice(0, 2), 'b');
  const r1 = await classify(db, { profile, analysisDate: '2026-02-05' });
  assert.equal(r1.conditions[0].amnesty_granted, 2);
  let s = await states(db);
  assert.deepEqual(s.filter((x) => x.cond === 'c1').map((x) => [x.block_date, x.amnesty_granted]), [[null, true], [null, true]]);
  assert.deepEqual(s.filter((x) => x.cond === 'plain').map((x) => x.block_date), ['2026-02-15', '2026-02-15'], 'not amnesty-eligible: normal grace');

  // Amnesty period: granted IMEIs get the amnesty end; a new match gets the normal grace.
  await match(db, IMEIS.slice(0, 3));
  const r2 = await classify(db, { profile, analysisDate: '2026-02-20' });
  assert.equal(r2.conditions[0].opened, 1);
  s = await states(db);
  assert.deepEqual(
    s.filter((x) => x.cond === 'c1').map((x) => [x.imei_norm, x.block_date, x.amnesty_granted]),
    [[IMEIS[0], '2026-03-10', true], [IMEIS[1], '2026-03-10', true], [IMEIS[2], '2026-03-02', false]],
  );
  // After the amnesty period the granted IMEIs' block date has passed: they are blocked.
  const r3 = await classify(db, { profile, analysisDate: '2026-03-15' });
  assert.equal(r3.status, 'done');
  s = await states(db);
  assert.ok(s.filter((x) => x.cond === 'c1').every((x) => x.block_date! < '2026-03-15'));
});

test('an inverted dimension is relative to the IMEIs seen', async () => {
  const db = await setup();
  await match(db, IMEIS.slice(0, 15));
  await match(db, IMEIS.slice(0, 5), 'b');
  const profile = profileWith([cond({ dimensions: [{ module: 't_fixture' }, { module: 't_fixture', parameters: { tag: 'b' }, invert: true }] }), cond({ label: 'only_not', dimensions: [{ module: 't_fixture', invert: true }] })]);
  const r = await classify(db, { profile, analysisDate: '2026-02-01' });
  assert.deepEqual(r.conditions.map((c) => c.matched), [10, 5]);
  const ev = await db.query<{ evidence: Record<string, unknown> }>("SELECT evidence FROM cls_state WHERE cond = 'c1' LIMIT 1");
  assert.deepEqual(ev.rows[0].evidence, { t_fixture: { tag: 'a' }, not_t_fixture_2: true });
});

test('what-if computes the impact per operator and condition and writes nothing', async () => {
  const db = await setup();
  await db.exec("INSERT INTO obs_operator VALUES (0, 'alpha'); CREATE TABLE IF NOT EXISTS obs_triplet_y2026m01 PARTITION OF obs_triplet FOR VALUES FROM ('2026-01-01') TO ('2026-02-01')");
  for (const [n, i] of IMEIS.slice(0, 3).entries()) {
    await db.query("INSERT INTO obs_triplet VALUES ('2026-01-01', $1, $2, $3, 0, '2026-01-20', '2026-01-31', $4)", [i, `99901000000000${n}`, `9900000${n}`, 2147483647]);
  }
  await match(db, IMEIS.slice(0, 3));
  const profile = profileWith([cond({ grace_period_days: 0, label: 'now' }), cond({ label: 'later', dimensions: [{ module: 't_fixture', parameters: { tag: 'b' } }] })]);
  await match(db, IMEIS.slice(0, 2), 'b');
  const r = await classify(db, { profile, analysisDate: '2026-02-01', whatIf: true });
  assert.equal(r.status, 'what-if');
  assert.equal(r.run_id, null);
  assert.deepEqual(r.impact, [{ operator: 'alpha', subscribers_newly_notified: 2, imeis_newly_notified: 2, imeis_newly_blocked: 3, imeis_released: 0 }]);
  assert.deepEqual(await states(db), []);
  assert.equal((await db.query<{ n: number }>('SELECT count(*) AS n FROM cls_run')).rows[0].n, 0);
});

test('defaults and refusals: analysis date after the newest observation, unknown conditions', async () => {
  const db = await setup();
  await match(db, IMEIS.slice(0, 1));
  const profile = profileWith([cond()]);
  const r = await classify(db, { profile });
  assert.equal(r.analysis_date, '2026-02-01');
  await assert.rejects(classify(db, { profile, conditions: ['nope'] }), (e: unknown) => e instanceof CeirError && /unknown condition nope/.test(e.message));
  await assert.rejects(classify(db, { profile: profileWith([]) }), /no conditions/);
  assert.throws(() => profileWith([cond({ dimensions: [{ module: 'no_such_dimension' }] })]), /unknown dimension "no_such_dimension"/);
  assert.throws(() => profileWith([cond({ dimensions: [{ module: 't_fixture', parameters: { bogus: 1 } }] })]), /conditions\.0\.dimensions\.0\.parameters/);
});
