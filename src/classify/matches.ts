/**
 * Compose a condition's dimensions into one SQL statement that materialises its matches
 * (`imei_norm`, `evidence`) in a temporary table. A dimension used by several conditions (same
 * module, parameters and inversion) is computed once per run.
 *
 * Screened runs (the default) first ask each dimension that can narrow itself for its candidate
 * IMEIs (`screen`, from the observation summaries) and evaluate it on those only; the triplets of
 * the candidates of every dimension that reads `v_triplet` are read once, and those dimensions
 * with a rule in memory (`onRows`) are evaluated on them as they arrive (`triplet-rows.ts`). On a
 * store with several sessions, those dimensions are computed in a second one, on the run's
 * snapshot, while the run computes the others; that session then shares the run's remaining
 * work (`prepare`).
 */
import { createHash } from 'node:crypto';
import type { Db } from '../store/db.ts';
import type { ConditionConfig } from './config.ts';
import { daysBefore, type DimensionContext, type SqlQuery } from './dimension.ts';
import { monthOf, windowMask, windowMonths, type Window } from './dimensions/common.ts';
import { DIMENSIONS } from './dimensions/index.ts';
import { cacheKey, saveCache, validCache, type Watermark } from './incremental.ts';
import { CANDIDATES, candidateParts, evaluateOnRows, ROW_COLUMNS, type RowOutput } from './triplet-rows.ts';

/**
 * The planner settings of a run's sessions. Dimension queries chain CTEs whose row counts the
 * planner cannot estimate; a nested loop chosen on an estimate of 1 row made transient_imei take
 * 40 s instead of 0.1 s on 5 000 IMEIs: set-based analytics want hash and merge joins. On the
 * PostgreSQL server (PGlite's memory is the WebAssembly heap), the 4 MB default work_mem sends the
 * large dimension queries' sorts to disk. (JIT is off for every session.)
 */
export async function runSettings(tx: Db): Promise<void> {
  await tx.exec('SET LOCAL enable_nestloop = off');
  if (tx.engine === 'postgres') await tx.exec("SET LOCAL work_mem = '256MB'");
}

/**
 * Statistics for a table the run has just written much of (autovacuum may not have come by yet):
 * enough for the next run's row estimates from a sample of 3 000 rows (the default 30 000 took
 * 0.7 s on 220 000 states; the estimate of `not_registered`'s 168 179 open states was 164 664).
 */
export async function analyse(tx: Db, table: 'cls_state' | 'cls_dim_kept'): Promise<void> {
  await tx.exec(`SET LOCAL default_statistics_target = 10; ANALYZE ${table}; SET LOCAL default_statistics_target TO DEFAULT`);
}

/** The run's table of the candidates' `v_triplet` rows. */
const TRIPLETS = 'cls_triplets';

/** A table's rows in COPY format, with its column definitions: how one session hands a result to another. */
interface Handover {
  columns: string;
  data: Uint8Array[];
}

/** `table` (or `select`, with the same columns) of session `db`, for `takeOver`. */
async function handOver(db: Db, table: string, select?: string): Promise<Handover> {
  const { rows } = await db.query<{ columns: string }>(
    `SELECT string_agg(format('%I %s', attname, format_type(atttypid, atttypmod)), ', ' ORDER BY attnum) AS columns
     FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped`,
    [table],
  );
  return { columns: rows[0].columns, data: await db.copyTo(`COPY ${select ? `(${select})` : table} TO STDOUT`) };
}

/** A temporary table `table` of session `db` holding what `handOver` gave (COPY: never parsed on the way). */
async function takeOver(db: Db, table: string, h: Handover): Promise<void> {
  await db.exec(`CREATE TEMP TABLE ${table} (${h.columns}) ON COMMIT DROP`);
  await db.copyFrom(`COPY ${table} FROM STDIN`, h.data);
}

/** A promise settled from elsewhere. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((a, b) => ((resolve = a), (reject = b)));
  promise.catch(() => undefined); // awaited where needed; an unawaited failure is the run's, not the process's
  return { promise, resolve, reject };
}

/**
 * Work of the run that either session may do (it only reads, and writes temporary tables): the
 * run takes it from the front of its list, the other session from the back when it is free.
 */
interface SharedWork {
  by: 'run' | 'peer' | null;
  /** Compute it with a session's builder into a temporary table of that session; its name. */
  compute(b: MatchBuilder): Promise<string>;
  /** When the other session took it: its result. */
  result?: Promise<Handover>;
}

/** What a dimension keeping results per IMEI and month must do in this run (`planMonthCache`). */
interface MonthPlan {
  module: string;
  parameters: Record<string, unknown>;
  /** The cache's key (`cacheKey`). */
  key: string;
  /** The day bits to compute per month, none when every day of the window is kept and up to date. */
  months: Map<string, number>;
  covered: Window;
  /** The computed days, once computed (a temporary table of the run's session). */
  batch?: string;
}

export class MatchBuilder {
  private readonly cache = new Map<string, string>();
  /**
   * Per kept dimension's table (`fromKept`): a relation of the IMEIs whose kept row this run
   * rewrote, or null when it recomputed every row.
   */
  private readonly rewritten = new Map<string, string | null>();
  /** The dimensions used inverted in the run (by key), and their tables: their sets are kept for the next run. */
  private readonly inverted = new Map<string, string>();
  /** Candidate tables by screen (query and values). */
  private readonly screened = new Map<string, string>();
  /** The dimensions (by key) whose candidates' triplets are in the run's table of them (`readTriplets`). */
  private readonly onTriplets = new Set<string>();
  /** The results the other session computes for the run, by dimension key (`prepare`). */
  private readonly fromPeer = new Map<string, Promise<Handover>>();
  /** Work either session may do, by dimension key, in the run's order (`prepare`). */
  private readonly shared = new Map<string, SharedWork>();
  /** The month plans of the run's dimensions keeping results per month, by dimension key. */
  private readonly plans = new Map<string, MonthPlan>();
  private peer: Promise<unknown> | null = null;
  /** Set when the run ends: the other session takes no more work. */
  private ending = false;
  private n = 0;

  /**
   * @param screens narrow the dimensions that can be narrowed to the IMEIs their screens give
   *   (the default); without, every dimension reads all observations (the reference the screened
   *   run is tested against).
   */
  constructor(
    private readonly tx: Db,
    private readonly ctx: DimensionContext,
    private readonly screens = true,
    /** The imports visible at the start of the run: with it, caches carried between runs are used. */
    private readonly watermark: Watermark | null = null,
  ) {}

  private static key(module: string, parameters: Record<string, unknown>): string {
    return createHash('sha1').update(JSON.stringify([module, parameters])).digest('hex');
  }

  /**
   * The candidates of a dimension's screen, in a table; null when it cannot narrow. Dimensions
   * screened alike (one module with parameters its screen ignores, say) share one table.
   */
  private async scope(module: string, parameters: Record<string, unknown>): Promise<string | null> {
    const dim = DIMENSIONS[module];
    const screen = this.screens ? dim.screen?.(dim.params.parse(parameters), this.ctx) : null;
    if (!screen) return null;
    const same = JSON.stringify([screen.text, screen.values]);
    const known = this.screened.get(same);
    if (known) return known;
    const scope = `cls_scope_${++this.n}`;
    await this.tx.query(`CREATE TEMP TABLE ${scope} ON COMMIT DROP AS SELECT DISTINCT imei_norm FROM (${screen.text}) s`, screen.values);
    this.screened.set(same, scope);
    return scope;
  }

  /**
   * Before the conditions. The screened dimensions that read triplets (the duplicate, SIM-box and
   * roamer rules) are computed on their candidates' triplets, read once (`readTriplets`). Where
   * the store has another session (`alongside`: the PostgreSQL server), that session computes
   * them, at the same time as the run computes the rest (`precompute`); then, while the run has
   * work left, it takes work from the back of the run's list: dimensions computed from scratch,
   * and the days a dimension keeping results per month must compute (a month of them in a first
   * run). Results pass to the run by COPY when a condition needs them.
   */
  async prepare(conditions: ConditionConfig[]): Promise<void> {
    if (!this.screens) return;
    const group = new Map<string, { module: string; parameters: Record<string, unknown> }>();
    // A dimension used inverted only needs its IMEIs (its evidence is a constant there).
    const positive = new Set<string>();
    const others = new Map<string, { module: string; parameters: Record<string, unknown> }>();
    for (const d of conditions.flatMap((c) => c.dimensions)) {
      const dim = DIMENSIONS[d.module];
      const key = MatchBuilder.key(d.module, d.parameters);
      if (!d.invert) positive.add(key);
      if (dim.tripletWindow && dim.screen?.(dim.params.parse(d.parameters), this.ctx)) group.set(key, d);
      else others.set(key, d);
    }
    const alongside = this.tx.alongside;
    if (!alongside) {
      if (group.size) {
        for (const [key, h] of await this.readTriplets([...group.values()], positive)) {
          const table = `cls_dim_${++this.n}`;
          await takeOver(this.tx, table, h);
          this.cache.set(key, table);
        }
      }
      return;
    }
    const batches = new Map<string, SharedWork>();
    for (const [key, d] of others) {
      const dim = DIMENSIONS[d.module];
      if (this.watermark && dim.monthCache) {
        const plan = await this.planMonthCache(d.module, d.parameters);
        this.plans.set(key, plan);
        if (plan.months.size) batches.set(key, { by: null, compute: (b) => b.computeBatch(plan) });
      } else if (!(this.watermark && dim.kept?.applies(dim.params.parse(d.parameters)))) {
        // (A kept result is the run's own: it writes what it keeps.)
        this.shared.set(key, { by: null, compute: (b) => b.freshTable(d.module, d.parameters) });
      }
    }
    // The month batches last: the other session, taking from the back, takes them first.
    for (const [key, w] of batches) this.shared.set(key, w);
    if (!group.size && !this.shared.size) return;
    const next = () => (this.ending ? undefined : [...this.shared.values()].findLast((x) => !x.by));
    const pending = new Map([...group.keys()].map((key) => [key, deferred<Handover>()]));
    for (const [key, d] of pending) this.fromPeer.set(key, d.promise);
    this.peer = alongside(async (peer) => {
      await runSettings(peer);
      const there = new MatchBuilder(peer, this.ctx);
      const inMemory = group.size ? await there.readTriplets([...group.values()], positive) : new Map<string, Handover>();
      for (const [key, h] of inMemory) pending.get(key)!.resolve(h);
      for (const [key, d] of group) {
        if (inMemory.has(key)) continue;
        const table = await there.dimensionTable(d.module, d.parameters);
        pending.get(key)!.resolve(await handOver(peer, table, positive.has(key) ? undefined : `SELECT imei_norm, NULL::jsonb AS evidence FROM ${table}`));
      }
      for (let w = next(); w; w = next()) {
        w.by = 'peer';
        const work = w;
        work.result = (async () => handOver(peer, await work.compute(there)))();
        await work.result;
      }
    });
    this.peer.catch((e: unknown) => {
      for (const d of pending.values()) d.reject(e);
    });
  }

  /**
   * Every dimension the other session does not compute, before the conditions need them. With
   * another session, the results the run keeps come first, then the shared work from the front
   * (what the other session took is taken over when a condition needs it).
   */
  async precompute(conditions: ConditionConfig[]): Promise<void> {
    const dims = conditions.flatMap((c) => c.dimensions).filter((d) => !this.fromPeer.has(MatchBuilder.key(d.module, d.parameters)));
    if (!this.peer) {
      for (const d of dims) await this.dimensionTable(d.module, d.parameters);
      return;
    }
    for (const d of dims) if (!this.shared.has(MatchBuilder.key(d.module, d.parameters))) await this.dimensionTable(d.module, d.parameters);
    for (const [key, w] of this.shared) {
      if (w.by) continue;
      w.by = 'run';
      const table = await w.compute(this);
      const plan = this.plans.get(key);
      if (plan) plan.batch = table;
      else this.cache.set(key, table);
    }
  }

  /**
   * The indexes of `conditions` in the order the run should build them: first those whose
   * dimensions it computed itself, then those waiting for the other session's triplet rules, then
   * those waiting for work the other session took from the run (stable otherwise).
   */
  readyFirst(conditions: ConditionConfig[]): number[] {
    const waits = (c: ConditionConfig) =>
      Math.max(0, ...c.dimensions.map((d) => {
        const key = MatchBuilder.key(d.module, d.parameters);
        return this.fromPeer.has(key) ? 1 : this.shared.get(key)?.by === 'peer' ? 2 : 0;
      }));
    return [...conditions.keys()].sort((a, b) => waits(conditions[a]) - waits(conditions[b]));
  }

  /** Wait for the other session's work, if any (before the transaction ends, whatever happened). */
  async settle(): Promise<void> {
    this.ending = true;
    await this.peer?.catch(() => undefined);
  }

  /**
   * The candidates of the dimensions `dims` (which read triplets) are the union of their screens.
   * Their triplets over the months of all the windows are read once: the dimensions with a rule in
   * memory (`onRows`) are evaluated on each part of them as read (returned by key: `evidence` says whose
   * evidence is wanted, the others' IMEIs only), and a table of them is made for the others, if
   * any (the dimensions then computed on it are in `onTriplets`).
   */
  private async readTriplets(dims: { module: string; parameters: Record<string, unknown> }[], evidence: Set<string>): Promise<Map<string, Handover>> {
    let first: string | null = null;
    let last: string | null = null;
    const screens = new Map<string, SqlQuery>();
    const rules = new Map<string, RowOutput>();
    for (const d of dims) {
      const dim = DIMENSIONS[d.module];
      const params = dim.params.parse(d.parameters);
      const screen = dim.screen?.(params, this.ctx);
      if (!screen) continue;
      screens.set(JSON.stringify([screen.text, screen.values]), screen);
      const key = MatchBuilder.key(d.module, d.parameters);
      if (dim.onRows) rules.set(key, { rule: dim.onRows(params, this.ctx), evidence: evidence.has(key) });
      else this.onTriplets.add(key);
      const w = dim.tripletWindow!(params, this.ctx);
      if (first === null || monthOf(w.from) < first) first = monthOf(w.from);
      if (last === null || monthOf(w.to) > last) last = monthOf(w.to);
    }
    if (!screens.size) return new Map();
    // Each screen's parameters numbered after those of the screens before it.
    const values: unknown[] = [];
    const union = [...screens.values()].map((q, i) => {
      const offset = values.length;
      values.push(...q.values);
      return `SELECT imei_norm FROM (${q.text.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`)}) s${i}`;
    }).join(' UNION ');
    // Days of this run's windows (not input): inlined, as COPY takes no parameters. The rows by
    // index, one lookup per candidate (an array, not a join: nested loops are off).
    const months = `t.month >= '${first}'::date AND t.month <= '${last}'::date`;
    // The table of the rows, for the dimensions without a rule in memory.
    const table = (candidates: string, params: unknown[]) =>
      this.tx.query(`CREATE TEMP TABLE ${TRIPLETS} ON COMMIT DROP AS SELECT t.* FROM v_triplet t WHERE ${months} AND t.imei_norm = ANY (ARRAY(${candidates}))`, params);
    if (!rules.size) {
      await table(union, values);
      return new Map();
    }
    // The candidates in parts, read in turn: the rows in memory are those of one part.
    const parts = await candidateParts(this.tx, { text: union, values }, (part) =>
      this.onTriplets.size
        ? `SELECT ${ROW_COLUMNS} FROM ${TRIPLETS} t JOIN (${part}) c ON c.imei_norm = t.imei_norm`
        : `SELECT ${ROW_COLUMNS} FROM v_triplet t WHERE ${months} AND t.imei_norm = ANY (ARRAY(${part}))`);
    if (this.onTriplets.size) await table(`SELECT imei_norm FROM ${CANDIDATES}`, []);
    const results = await evaluateOnRows(this.tx, parts, rules);
    return new Map([...results].map(([key, data]) => [key, { columns: 'imei_norm text, evidence jsonb', data }]));
  }

  /** The temp table holding one dimension's result (computed on first use). */
  private async dimensionTable(module: string, parameters: Record<string, unknown>): Promise<string> {
    const key = MatchBuilder.key(module, parameters);
    const cached = this.cache.get(key);
    if (cached) return cached;
    const dim = DIMENSIONS[module];
    let table: string;
    if (this.screens && this.watermark && dim.monthCache) {
      // (What the other session may take of it is the days to compute: see `fromMonthCache`.)
      table = `cls_dim_${++this.n}`;
      await this.fromMonthCache(this.plans.get(key) ?? (await this.planMonthCache(module, parameters)), table);
    } else if (this.screens && this.watermark && dim.kept?.applies(dim.params.parse(parameters))) {
      table = await this.fromKept(module, parameters);
    } else {
      table = (await this.takenOver(key, 'cls_dim')) ?? (await this.freshTable(module, parameters));
    }
    this.cache.set(key, table);
    return table;
  }

  /**
   * The result of `key` that the other session computed (its triplet rules, or work it took from
   * the run), taken over into a new table `<prefix>_<n>` of the run; null when it has none.
   */
  private async takenOver(key: string, prefix: string): Promise<string | null> {
    const shared = this.shared.get(key);
    const result = this.fromPeer.get(key) ?? (shared?.by === 'peer' ? shared.result : undefined);
    if (!result) return null;
    const table = `${prefix}_${++this.n}`;
    await takeOver(this.tx, table, await result);
    return table;
  }

  /** A dimension computed from its query (on its screen's candidates, if it has one), into a new temp table. */
  private async freshTable(module: string, parameters: Record<string, unknown>): Promise<string> {
    const dim = DIMENSIONS[module];
    const key = MatchBuilder.key(module, parameters);
    const table = `cls_dim_${++this.n}`;
    const onTriplets = this.onTriplets.has(key);
    // The few IMEIs that can match, from the observation summaries; the dimension then reads
    // their observations only (those read for it already, or from its scope's table).
    const scope = onTriplets ? TRIPLETS : await this.scope(module, parameters);
    const ctx = scope ? { ...this.ctx, scope, triplets: onTriplets ? TRIPLETS : undefined } : this.ctx;
    const q = dim.sql(dim.params.parse(parameters), ctx);
    await this.tx.query(`CREATE TEMP TABLE ${table} ON COMMIT DROP AS SELECT imei_norm, evidence FROM (${q.text}) d`, q.values);
    // Joined by hash (the run turns nested loops off): no index, and no statistics (the planner
    // sizes a table it has not analysed from its pages: right for hash joins, 0.1 s saved a
    // large table at 1 M IMEIs).
    return table;
  }

  /**
   * What a dimension keeping results per IMEI and month must compute in this run: the days of the
   * window not kept yet, and those an import since the cache's last run touched.
   */
  private async planMonthCache(module: string, parameters: Record<string, unknown>): Promise<MonthPlan> {
    const dim = DIMENSIONS[module];
    const mc = dim.monthCache!;
    const params = dim.params.parse(parameters);
    const key = cacheKey(module, parameters, this.ctx.profile);
    const w = mc.window(params, this.ctx);
    const prev = await validCache(this.tx, key, this.watermark!, mc.references);
    const next = (d: string, n: number) => daysBefore(d, -n);
    let ranges: Window[];
    let covered: Window;
    if (!prev?.covered_from || !prev.covered_to || w.to < next(prev.covered_from, -1) || w.from > next(prev.covered_to, 1)) {
      // Nothing kept that joins this window: start over.
      for (const q of mc.drop(key, null)) await this.tx.query(q.text, q.values);
      ranges = [w];
      covered = w;
    } else {
      const cf = prev.covered_from;
      const ct = prev.covered_to;
      ranges = [];
      if (w.from < cf) ranges.push({ from: w.from, to: next(cf, -1) });
      if (w.to > ct) ranges.push({ from: next(ct, 1), to: w.to });
      const touched = await this.tx.query<{ from: string; to: string }>(
        'SELECT period_start::text AS from, period_end::text AS to FROM v_obs_import WHERE id > $1',
        [prev.obs_import_max],
      );
      let staleOutside = false;
      for (const t of touched.rows) {
        if (t.to >= w.from && t.from <= w.to) ranges.push({ from: t.from < w.from ? w.from : t.from, to: t.to > w.to ? w.to : t.to });
        if ((t.from < w.from && t.to >= cf) || (t.to > w.to && t.from <= ct)) staleOutside = true;
      }
      // Kept days outside the window whose data changed are no longer up to date (a later window
      // recomputes them: kept results only grow with data, so recomputing merges into them).
      covered = staleOutside ? w : { from: cf < w.from ? cf : w.from, to: ct > w.to ? ct : w.to };
    }
    const months = new Map<string, number>();
    for (const r of ranges) for (const m of windowMonths(r)) months.set(m, (months.get(m) ?? 0) | windowMask(m, r));
    for (const [m, bits] of months) if (!bits) months.delete(m);
    return { module, parameters, key, months, covered };
  }

  /** The days `plan` must compute, computed into a temporary table of this builder's session; its name. */
  private async computeBatch(plan: MonthPlan): Promise<string> {
    const dim = DIMENSIONS[plan.module];
    const days = `cls_days_${++this.n}`;
    await this.tx.exec(`CREATE TEMP TABLE ${days} (month date, bits integer) ON COMMIT DROP`);
    for (const [m, bits] of plan.months) await this.tx.query(`INSERT INTO ${days} VALUES ($1, $2)`, [m, bits]);
    const sorted = [...plan.months.keys()].sort();
    const q = dim.monthCache!.compute(dim.params.parse(plan.parameters), days, { first: sorted[0], last: sorted[sorted.length - 1] });
    const batch = `cls_batch_${++this.n}`;
    await this.tx.query(`CREATE TEMP TABLE ${batch} ON COMMIT DROP AS ${q.text}`, q.values);
    return batch;
  }

  /**
   * A dimension keeping results per IMEI and month: merge the days `plan` computed (here, or in
   * the other session) into what is kept, then read the window from the cache into `table`.
   */
  private async fromMonthCache(plan: MonthPlan, table: string): Promise<void> {
    const dim = DIMENSIONS[plan.module];
    const mc = dim.monthCache!;
    const params = dim.params.parse(plan.parameters);
    if (plan.months.size) {
      const batch = plan.batch ?? (await this.takenOver(MatchBuilder.key(plan.module, plan.parameters), 'cls_batch')) ?? (await this.computeBatch(plan));
      for (const q of mc.merge(plan.key, batch)) await this.tx.query(q.text, q.values);
      await this.tx.exec(`DROP TABLE ${batch}`);
    }
    // What is kept before the window's first month is no longer needed.
    const firstMonth = monthOf(mc.window(params, this.ctx).from);
    for (const q of mc.drop(plan.key, firstMonth)) await this.tx.query(q.text, q.values);
    const covered = plan.covered.from < firstMonth ? { from: firstMonth, to: plan.covered.to } : plan.covered;
    await saveCache(this.tx, plan.key, this.ctx.analysisDate, this.watermark!, mc.references, covered);
    const q = mc.fromCache(params, plan.key, this.ctx);
    await this.tx.query(`CREATE TEMP TABLE ${table} ON COMMIT DROP AS SELECT imei_norm, evidence FROM (${q.text}) d`, q.values);
  }

  /**
   * A dimension keeping its whole result: bring what is kept up to date (the IMEIs first seen
   * within the period of an import since, or everything after an import of a list it reads), and
   * read it from there (a relation usable where a table name is).
   */
  private async fromKept(module: string, parameters: Record<string, unknown>): Promise<string> {
    const dim = DIMENSIONS[module];
    const params = dim.params.parse(parameters);
    const references = dim.kept!.references;
    const key = cacheKey(module, parameters, this.ctx.profile);
    const prev = await validCache(this.tx, key, this.watermark!, references);
    const since = prev
      ? (await this.tx.query<{ d: string | null }>('SELECT min(period_start)::text AS d FROM v_obs_import WHERE id > $1', [prev.obs_import_max])).rows[0].d
      : null;
    // Nothing rewritten unless an import came since; everything without a valid cache (null).
    let rewritten: string | null = prev ? '(SELECT NULL::text AS imei_norm WHERE false)' : null;
    if (!prev || since !== null) {
      let ctx = this.ctx;
      if (prev) {
        // An import adds IMEIs, or moves an IMEI's first day seen, only to days of its period.
        const scope = `cls_scope_${++this.n}`;
        await this.tx.query(`CREATE TEMP TABLE ${scope} ON COMMIT DROP AS SELECT imei_norm FROM v_seen_imei WHERE first_seen >= $1::date`, [since]);
        await this.tx.query(`DELETE FROM cls_dim_kept WHERE key = $1 AND imei_norm = ANY (ARRAY(SELECT imei_norm FROM ${scope}))`, [key]);
        ctx = { ...ctx, scope };
        rewritten = scope;
      } else {
        await this.tx.query('DELETE FROM cls_dim_kept WHERE key = $1', [key]);
      }
      // Computed into a temporary table first: that statement may run in parallel, an INSERT not.
      const q = dim.sql(params, ctx);
      const fresh = `cls_dim_${++this.n}`;
      await this.tx.query(`CREATE TEMP TABLE ${fresh} ON COMMIT DROP AS SELECT imei_norm, evidence FROM (${q.text}) d`, q.values);
      await this.tx.query(`INSERT INTO cls_dim_kept (key, imei_norm, evidence) SELECT $1, imei_norm, evidence FROM ${fresh} ORDER BY imei_norm`, [key]);
      // A whole result written: statistics for the next run's plans.
      if (!prev) await analyse(this.tx, 'cls_dim_kept');
    }
    // The analysis date stands for the days covered: the result does not depend on it.
    await saveCache(this.tx, key, this.ctx.analysisDate, this.watermark!, references, { from: this.ctx.analysisDate, to: this.ctx.analysisDate });
    // The key is a hex digest (`cacheKey`), safe to inline.
    const relation = `(SELECT imei_norm, evidence FROM cls_dim_kept WHERE key = '${key}')`;
    this.rewritten.set(relation, rewritten);
    return relation;
  }

  /**
   * Keep the set of each dimension the run used inverted in a condition built on kept results,
   * for the next run to see which IMEIs came into or out of it (`build`), with the run it is from.
   */
  async keepInverted(run: number): Promise<void> {
    for (const [key, table] of this.inverted) {
      await this.tx.query(`DELETE FROM cls_dim_last l WHERE l.key = $1 AND NOT EXISTS (SELECT 1 FROM ${table} x WHERE x.imei_norm = l.imei_norm)`, [key]);
      await this.tx.query(`INSERT INTO cls_dim_last (key, imei_norm) SELECT DISTINCT $1, imei_norm FROM ${table} x ON CONFLICT DO NOTHING`, [key]);
      await this.tx.query('INSERT INTO cls_dim_last_run (key, run) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET run = excluded.run', [key, run]);
    }
  }

  /**
   * The matches of a condition (`imei_norm`, `evidence`): `relation` (the table `table`, or a
   * subquery) and how many IMEIs. `stable` is the id of the last run when that run applied this
   * condition with the same definition: its open states are then that run's matches and their
   * evidence. A stable condition whose positive dimensions are all kept results also gives
   * `changed`, the only IMEIs whose match or evidence can differ from the last run's: those whose
   * kept row this run rewrote, and those that came into or out of an inverted dimension since the
   * last run (an inverted dimension's evidence is a constant). Its matches are then not
   * materialised: the run looks at the changed IMEIs only (at 1 M subscribers, a few thousand of
   * the 170 000 continuing `not_registered` states).
   */
  async build(cond: ConditionConfig, table: string, stable: number | null): Promise<{ relation: string; matched: number; changed: string | null }> {
    const parts: { table: string; invert: boolean; name: string; key: string }[] = [];
    const names = new Map<string, number>();
    for (const d of cond.dimensions) {
      const seen = names.get(d.module) ?? 0;
      names.set(d.module, seen + 1);
      const name = `${d.invert ? 'not_' : ''}${d.module}${seen ? `_${seen + 1}` : ''}`;
      const key = MatchBuilder.key(d.module, d.parameters);
      parts.push({ table: await this.dimensionTable(d.module, d.parameters), invert: d.invert, name, key });
    }
    const positive = parts.filter((p) => !p.invert);
    const negative = parts.filter((p) => p.invert);
    // An inverted dimension is relative to the IMEIs seen on the network.
    const base = positive.length ? positive[0].table : 'v_seen_imei';
    const joins = positive.slice(1).map((p, i) => `JOIN ${p.table} p${i + 1} ON p${i + 1}.imei_norm = b.imei_norm`);
    const nots = negative.map((p) => `NOT EXISTS (SELECT 1 FROM ${p.table} x WHERE x.imei_norm = b.imei_norm)`);
    const evidence = [
      ...positive.map((p, i) => `'${p.name}', ${i === 0 ? 'b' : `p${i}`}.evidence`),
      ...negative.map((p) => `'${p.name}', 'true'::jsonb`),
    ];
    const select = `SELECT b.imei_norm, jsonb_build_object(${evidence.join(', ')}) AS evidence
       FROM ${base} b ${joins.join(' ')}
       ${nots.length ? `WHERE ${nots.join(' AND ')}` : ''}`;
    const rewritten = positive.map((p) => this.rewritten.get(p.table));
    const onKept = positive.length > 0 && rewritten.every((r) => r !== undefined);
    // Only such a condition's inverted sets can serve the next run.
    if (onKept) for (const p of negative) this.inverted.set(p.key, p.table);
    // The inverted dimensions' sets must be those of that run (not, say, none yet after an upgrade).
    const keys = [...new Set(negative.map((p) => p.key))];
    const setsOfThatRun = async () =>
      !keys.length ||
      (await this.tx.query<{ n: number }>('SELECT count(*) AS n FROM cls_dim_last_run WHERE key = ANY ($1::text[]) AND run = $2', [keys, stable])).rows[0].n === keys.length;
    if (stable !== null && onKept && rewritten.every((r) => r !== null) && (await setsOfThatRun())) {
      const relation = `(${select})`;
      const { rows } = await this.tx.query<{ n: number }>(`SELECT count(*) AS n FROM ${relation} m`);
      const changed = `${table}_changed`;
      const moved = negative.map((p) => {
        const last = `(SELECT imei_norm FROM cls_dim_last WHERE key = '${p.key}')`; // a hex digest
        return `(SELECT imei_norm FROM ${p.table} x EXCEPT SELECT imei_norm FROM ${last} l) UNION (SELECT imei_norm FROM ${last} l EXCEPT SELECT imei_norm FROM ${p.table} x)`;
      });
      await this.tx.exec(
        `CREATE TEMP TABLE ${changed} ON COMMIT DROP AS ${[...rewritten.map((r) => `SELECT imei_norm FROM ${r} r`), ...moved].join(' UNION ')}`,
      );
      return { relation, matched: rows[0].n, changed };
    }
    await this.tx.query(`CREATE TEMP TABLE ${table} ON COMMIT DROP AS ${select}`);
    const { rows } = await this.tx.query<{ n: number }>(`SELECT count(*) AS n FROM ${table}`);
    return { relation: table, matched: rows[0].n, changed: null };
  }
}
