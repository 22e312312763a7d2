/**
 * The key guarantee of the fast path: runs that narrow dimensions to the candidates the
 * observation summaries give, day after day, leave exactly the states (evidence included) and
 * report exactly the counts of runs that evaluate every dimension over all observations. A
 * generated country arrives as operators send it: a month, then single days, an overlapping
 * re-send and a late file; the demo conditions run with extra ones that take the other paths
 * (MSISDNs, national IDs, short windows, thresholds no screen can narrow, many-device versions).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { classify, type ClassifyReport } from '../../src/classify/engine.ts';
import { validateProfile, type CountryProfile } from '../../src/config/profile.ts';
import { generateCountry, type GeneratedCountry } from '../../src/generate/index.ts';
import { importObservations } from '../../src/observations/importer.ts';
import { importList } from '../../src/reference/importer.ts';
import { LIST_KINDS } from '../../src/reference/lists.ts';
import type { Db, QueryResult } from '../../src/store/db.ts';
import { slice, ymd } from '../helpers/slice.ts';
import { demoProfile, ENGINE, freshDb } from '../helpers/store.ts';

const dir = mkdtempSync(join(tmpdir(), 'ceir-equivalence-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const extra = (label: string, dimensions: unknown[]) => ({ label, dimensions, reason: label, max_allowed_matching_ratio: 1 });

function profileForTest(): CountryProfile {
  const demo = demoProfile();
  return validateProfile({
    ...demo,
    conditions: [
      ...demo.conditions,
      extra('dup_msisdn', [{ module: 'duplicate_threshold', parameters: { threshold: 2, period_days: 10, use_msisdn: true } }]),
      extra('dup_any', [{ module: 'duplicate_threshold', parameters: { threshold: 1, period_days: 7 } }]),
      extra('daily_msisdn', [{ module: 'duplicate_daily_avg', parameters: { threshold: 1.2, period_days: 14, min_seen_days: 2, use_msisdn: true } }]),
      extra('daily_uid', [{ module: 'daily_avg_uid', parameters: { threshold: 1.05, period_days: 20, min_seen_days: 1 } }]),
      extra('transient_short', [{ module: 'transient_imei', parameters: { period_days: 5, num_msisdns: 1 } }]),
      extra('roamers', [{ module: 'used_by_international_roamer', parameters: { lookback_days: 3 } }, { module: 'used_by_local_non_dirbs_roamer', parameters: { lookback_days: 40 }, invert: true }]),
      extra('home', [{ module: 'used_by_dirbs_subscriber', parameters: { lookback_days: 2 } }]),
      extra('conflict_short', [{ module: 'time_distance_conflict', parameters: { min_distance_km: 100, min_conflict_days: 1, period_days: 4 } }]),
      extra('versions_wide', [{ module: 'unknown_software_version', parameters: { min_devices: 30, min_model_devices: 5 } }]),
    ],
  });
}

interface Snapshot {
  report: Pick<ClassifyReport, 'analysis_date' | 'seen_imeis' | 'conditions'>;
  states: Record<string, unknown>[];
}

/** Import the country in batches, classifying after each; the states and reports after each run. */
async function history(db: Db, country: GeneratedCountry, profile: CountryProfile, exhaustive: boolean): Promise<Snapshot[]> {
  for (const kind of LIST_KINDS) {
    const f = kind === 'cell_list' ? country.cells! : country.reference[kind];
    assert.equal((await importList(db, { kind, file: f.path, profile })).status, 'imported', kind);
  }
  const today = new Date(`${country.asOf}T12:00:00Z`);
  const d = (n: number) => ymd(country.start, n);
  // A month from two operators; a day; the third operator's month, late (new devices, old days);
  // an operator re-sending days it already sent, with one more; two more days.
  const batches: { from: number; to: number; operators: string[] }[][] = [
    [{ from: 0, to: 29, operators: ['beta', 'gamma'] }],
    [{ from: 30, to: 30, operators: ['beta', 'gamma'] }],
    [{ from: 0, to: 30, operators: ['alpha'] }],
    [{ from: 25, to: 31, operators: ['beta'] }, { from: 31, to: 31, operators: ['alpha', 'gamma'] }],
    [{ from: 32, to: 34, operators: ['alpha', 'beta', 'gamma'] }],
  ];
  const out: Snapshot[] = [];
  for (const [b, batch] of batches.entries()) {
    if (b === 3) {
      // Some devices lose their registration: the lists' own changes reach the states too.
      const path = join(dir, 'registration-shrunk.csv');
      const lines = (await readFile(country.reference.registration_list.path, 'utf8')).trimEnd().split('\n');
      await writeFile(path, [lines[0], ...lines.slice(1).filter((_, i) => i % 50 !== 0)].join('\n') + '\n');
      assert.equal((await importList(db, { kind: 'registration_list', file: path, profile })).status, 'imported');
    }
    for (const { from, to, operators } of batch) {
      for (const f of country.files.filter((x) => operators.includes(x.operator))) {
        const path = await slice(join(dir, 'slices'), f.path, f.operator, d(from), d(to));
        const r = await importObservations(db, { file: path, operator: f.operator, profile, today, disabledGates: ['daily_volume'] });
        assert.equal(r.status, 'imported', `${path}: ${JSON.stringify(r.problems)} ${JSON.stringify(r.gates.filter((g) => !g.passed))}`);
      }
    }
    out.push(await run(db, profile, exhaustive));
  }
  // A run for a past date (a regulator checking a rule), then the next day's run again.
  const iso = (n: number) => `${d(n).slice(0, 4)}-${d(n).slice(4, 6)}-${d(n).slice(6, 8)}`;
  out.push(await run(db, profile, exhaustive, iso(31)));
  out.push(await run(db, profile, exhaustive));
  return out;
}

async function run(db: Db, profile: CountryProfile, exhaustive: boolean, analysisDate?: string): Promise<Snapshot> {
  const r = await classify(db, { profile, exhaustive, analysisDate });
  assert.equal(r.status, 'done', r.message);
  if (!exhaustive) assert.ok((await db.query('SELECT 1 FROM cls_dim_cache')).rows.length, 'caches carried to the next run');
  const { rows } = await db.query('SELECT * FROM cls_state ORDER BY imei_norm COLLATE "C", cond, start_date');
  return { report: { analysis_date: r.analysis_date, seen_imeis: r.seen_imeis, conditions: r.conditions }, states: rows };
}

type Sharing = 'other session' | 'run';
/** Statements by session, as `Steered` saw them, with how the run divided its work. */
type Log = { who: 'run' | 'peer'; sharing: Sharing | null; sql: string }[];

/**
 * A store whose classification runs divide the work either session may do one way, then the
 * other, run after run: the other session takes all it can (the run waits for it to finish before
 * its next statement), or none of it (the other session waits until the run has computed what it
 * computes before its conditions).
 */
class Steered implements Db {
  readonly engine: Db['engine'];
  private runs = 0;
  /** The other session fails on a statement matching this, as a lost connection would. */
  failPeer: RegExp | null = null;
  constructor(
    private readonly inner: Db,
    readonly log: Log,
    private readonly who: 'run' | 'peer' = 'run',
    private readonly gate: () => Promise<unknown> = async () => undefined,
    private readonly onStep: (sql: string) => Sharing | null = () => null,
  ) {
    this.engine = inner.engine;
  }
  private async step(sql: string): Promise<void> {
    await this.gate();
    this.log.push({ who: this.who, sharing: this.onStep(sql), sql });
  }
  async query<T>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
    await this.step(sql);
    return this.inner.query<T>(sql, params);
  }
  async exec(sql: string): Promise<void> {
    await this.step(sql);
    return this.inner.exec(sql);
  }
  async copyFrom(sql: string, source: Parameters<Db['copyFrom']>[1]): Promise<number> {
    await this.step(sql);
    return this.inner.copyFrom(sql, source);
  }
  async copyTo(sql: string): Promise<Uint8Array[]> {
    await this.step(sql);
    return this.inner.copyTo(sql);
  }
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    return this.inner.transaction((tx) => {
      let sharing: Sharing | null = null;
      let peerDone: Promise<unknown> = Promise.resolve();
      let computed!: () => void;
      const runComputed = new Promise<void>((r) => (computed = r));
      const run = new Steered(
        tx, this.log, 'run',
        () => (sharing === 'other session' ? peerDone : Promise.resolve()),
        (sql) => {
          // The run's first statement after computing its dimensions (it then builds its conditions).
          if (/jsonb_array_elements\(r\.conditions\)/.test(sql)) computed();
          return sharing;
        },
      );
      const alongside = tx.alongside;
      if (alongside) {
        Object.defineProperty(run, 'alongside', {
          value: <U>(f: (peer: Db) => Promise<U>): Promise<U> => {
            sharing = this.runs++ % 2 === 0 ? 'other session' : 'run';
            const gate = () => (sharing === 'run' ? runComputed : Promise.resolve());
            const failing = (sql: string) => {
              if (this.failPeer?.test(sql)) throw new Error(`injected failure of the other session: ${sql.slice(0, 40)}`);
              return sharing;
            };
            const p = alongside((peer) => f(new Steered(peer, this.log, 'peer', gate, failing)));
            peerDone = p.catch(() => undefined);
            return p;
          },
        });
      }
      return fn(run);
    });
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

test('screened runs, day after day, give exactly the states and counts of exhaustive runs', async () => {
  const profile = profileForTest();
  const country = await generateCountry({ outDir: dir, profile, seed: 7, subscribers: 1500, days: 35, start: '20260210', withLocation: true, withSoftwareVersion: true });
  const fast = await history(await freshDb(), country, profile, false);
  const reference = await history(await freshDb(), country, profile, true);
  for (const [i, snap] of fast.entries()) {
    assert.deepEqual(snap.report, reference[i].report, `run ${i + 1}: reports`);
    assert.deepEqual(snap.states, reference[i].states, `run ${i + 1}: states`);
  }
  // The comparison means something: every kind of dimension matched somewhere, and states moved.
  const last = fast[fast.length - 1].report.conditions;
  for (const label of ['duplicate', 'sim_box', 'not_registered', 'versions_wide', 'time_distance_conflict', 'dup_msisdn', 'roamers', 'conflict_short']) {
    assert.ok(last.find((c) => c.label === label)!.matched > 0, `${label} matches`);
  }
  assert.ok(fast.some((s) => s.report.conditions.some((c) => c.closed > 0)), 'some state closed');
  assert.ok(fast.some((s, i) => i > 0 && s.report.conditions.some((c) => c.label === 'not_registered' && c.opened > 0)), 'devices newly unregistered or new');
  if (ENGINE === 'pglite') return;
  // With two sessions, the same whoever computes the work either may do: the other session all
  // of it (the day batches of time/distance conflicts, dimensions from scratch), or the run,
  // one way and the other on alternate runs.
  const log: Log = [];
  const store = new Steered(await freshDb(), log);
  const steered = await history(store, country, profile, false);
  for (const [i, snap] of steered.entries()) {
    assert.deepEqual(snap.report, reference[i].report, `steered run ${i + 1}: reports`);
    assert.deepEqual(snap.states, reference[i].states, `steered run ${i + 1}: states`);
  }
  const count = (who: 'run' | 'peer', sharing: Sharing, re: RegExp) => log.filter((l) => l.who === who && l.sharing === sharing && re.test(l.sql)).length;
  const batch = /^CREATE TEMP TABLE cls_batch_\d+ ON COMMIT DROP AS /;
  const fresh = /^CREATE TEMP TABLE cls_dim_\d+ ON COMMIT DROP AS SELECT imei_norm, evidence FROM /;
  const taken = /^COPY cls_(dim|batch)_\d+ FROM STDIN/;
  assert.ok(count('peer', 'other session', batch) > 0 && count('run', 'other session', batch) === 0, 'the other session computed every day batch');
  assert.ok(count('peer', 'other session', fresh) > count('peer', 'run', fresh), 'and more dimensions than when the run takes its share');
  assert.ok(count('run', 'other session', taken) > count('run', 'run', taken), 'which the run took over');
  assert.ok(count('run', 'run', batch) > 0 && count('peer', 'run', batch) === 0, 'the run computed every day batch');
  // The other session failing, in the rules it always computes (this run leaves it none of the
  // run's work) or in work it took from the run (the next one, which gives it all it can take),
  // fails the run and changes nothing.
  const before = await store.query('SELECT * FROM cls_state ORDER BY imei_norm COLLATE "C", cond, start_date');
  const runs = await store.query('SELECT count(*) AS n FROM cls_run');
  for (const failing of [/^COPY \(SELECT t\.imei_norm, t\.imsi, t\.msisdn, t\.operator_id, t\.month, t\.date_bitmask /, /'reporting_body'/]) {
    store.failPeer = failing;
    await assert.rejects(classify(store, { profile, analysisDate: '2026-03-18' }), /injected failure of the other session/);
    assert.deepEqual((await store.query('SELECT * FROM cls_state ORDER BY imei_norm COLLATE "C", cond, start_date')).rows, before.rows);
    assert.deepEqual((await store.query('SELECT count(*) AS n FROM cls_run')).rows, runs.rows);
  }
});
