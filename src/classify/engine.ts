/**
 * The classification run (DOMAIN §5): for an analysis date, every condition's matches are found
 * (dimensions AND-ed, some inverted), checked against the safety ratio, and turned into state
 * per (IMEI, condition): a new match opens a state whose block date is fixed there and then
 * (start + grace, or the amnesty rules); a state that no longer matches is closed unless the
 * condition is sticky; a later re-match opens a fresh state with a fresh grace period.
 *
 * One transaction under an advisory lock: a refused or crashed run leaves the previous state
 * intact, and `whatIf` computes the same run and its impact, then rolls it back. (On the
 * PostgreSQL server a second session computes some dimensions on the run's snapshot meanwhile,
 * writing only temporary tables of its own: see `MatchBuilder.prepare`.)
 */
import { createHash } from 'node:crypto';
import type { CountryProfile } from '../config/profile.ts';
import { CeirError } from '../errors.ts';
import { runAlone, type Db } from '../store/db.ts';
import type { ConditionConfig } from './config.ts';
import { daysBefore } from './dimension.ts';
import { readWatermark } from './incremental.ts';
import { analyse, MatchBuilder, runSettings } from './matches.ts';

export interface ClassifyOptions {
  profile: CountryProfile;
  /** `YYYY-MM-DD`; default: the day after the newest observation (today if none). */
  analysisDate?: string;
  /** Only these condition labels (default: all). */
  conditions?: string[];
  whatIf?: boolean;
  /**
   * Evaluate every dimension over all observations, without the summaries that narrow most of
   * them to a few candidate IMEIs and without the results kept between runs: the same result,
   * slower (the reference the tests compare with).
   */
  exhaustive?: boolean;
}

export interface ConditionOutcome {
  label: string;
  blocking: boolean;
  sticky: boolean;
  /** IMEIs matching on the analysis date. */
  matched: number;
  /** Share of the IMEIs seen on the network, and the condition's limit. */
  ratio: number;
  max_ratio: number;
  refused: boolean;
  opened: number;
  continued: number;
  closed: number;
  /** Of the states opened, how many have a block date on or before the analysis date. */
  opened_blocked: number;
  amnesty_granted: number;
}

export interface OperatorImpact {
  operator: string;
  /** Subscribers (IMSI) seen in the list lookback window with an IMEI that this run newly put on notice. */
  subscribers_newly_notified: number;
  imeis_newly_notified: number;
  imeis_newly_blocked: number;
  imeis_released: number;
}

export interface ClassifyReport {
  status: 'done' | 'refused' | 'what-if';
  run_id: number | null;
  analysis_date: string;
  config_hash: string;
  seen_imeis: number;
  conditions: ConditionOutcome[];
  /** With `whatIf`: who would be affected, per operator whose network saw them. */
  impact: OperatorImpact[] | null;
  message?: string;
  duration_ms: number;
}

class Rollback extends Error {}

/** Stable hash of the configuration that decides a run's outcome. */
export function configHash(conditions: ConditionConfig[], profile: CountryProfile): string {
  return createHash('sha256')
    .update(JSON.stringify({ conditions, amnesty: profile.amnesty, exempted: profile.exempted_device_types }))
    .digest('hex')
    .slice(0, 16);
}

export async function defaultAnalysisDate(db: Db): Promise<string> {
  const { rows } = await db.query<{ d: string | null }>('SELECT (max(last_seen) + 1)::text AS d FROM v_seen_imei');
  return rows[0].d ?? new Date().toISOString().slice(0, 10);
}

function selectConditions(profile: CountryProfile, labels?: string[]): ConditionConfig[] {
  if (!labels?.length) return profile.conditions;
  const unknown = labels.filter((l) => !profile.conditions.some((c) => c.label === l));
  if (unknown.length) {
    throw new CeirError('CEIR_ERR_USAGE', `unknown condition${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; the profile has: ${profile.conditions.map((c) => c.label).join(', ') || 'none'}`);
  }
  return profile.conditions.filter((c) => labels.includes(c.label));
}

const ymdToIso = (s: string) => `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}`;

export async function classify(db: Db, opts: ClassifyOptions): Promise<ClassifyReport> {
  const started = new Date();
  const conditions = selectConditions(opts.profile, opts.conditions);
  if (!conditions.length) throw new CeirError('CEIR_ERR_USAGE', 'the country profile defines no conditions: nothing to classify');
  if (opts.analysisDate && !/^\d{4}-\d{2}-\d{2}$/.test(opts.analysisDate)) throw new CeirError('CEIR_ERR_USAGE', `analysis date "${opts.analysisDate}" is not YYYY-MM-DD`);
  const report: ClassifyReport = {
    status: 'done', run_id: null, analysis_date: '', config_hash: configHash(conditions, opts.profile), seen_imeis: 0,
    conditions: [], impact: null, duration_ms: 0,
  };
  try {
    // One snapshot for the whole run, shared with the other session: an import committing
    // meanwhile is left whole to the next run.
    await runAlone(db, 'ceir:classify', 'classification run', async (tx) => {
      // Hash and merge joins, and room for sorts (see runSettings).
      await runSettings(tx);
      // What the caches carried between runs have seen is measured before any data is read.
      const watermark = opts.exhaustive ? null : await readWatermark(tx);
      // One pass over the devices seen: how many, and the day after the newest observation.
      const seen = (await tx.query<{ n: number; d: string | null }>('SELECT count(*) AS n, (max(last_seen) + 1)::text AS d FROM v_seen_imei')).rows[0];
      const D = opts.analysisDate ?? seen.d ?? new Date().toISOString().slice(0, 10);
      report.analysis_date = D;
      report.seen_imeis = seen.n;
      const builder = new MatchBuilder(tx, { analysisDate: D, profile: opts.profile }, !opts.exhaustive, watermark);
      try {
        await builder.prepare(conditions);
        await builder.precompute(conditions);
        // The conditions whose open states' evidence the last run wrote, with the same definition.
        const { rows: same } = await tx.query<{ label: string; run: number }>(
          `SELECT c->>'label' AS label, r.id AS run FROM cls_run r CROSS JOIN jsonb_array_elements(r.conditions) c
           WHERE r.id = (SELECT max(id) FROM cls_run) AND r.counts ? (c->>'label') AND c IN (SELECT jsonb_array_elements($1::jsonb))`,
          [JSON.stringify(conditions)],
        );
        const stable = (c: ConditionConfig) => (opts.exhaustive ? null : (same.find((r) => r.label === c.label)?.run ?? null));
        const { rows } = await tx.query<{ id: number }>(
          `INSERT INTO cls_run (analysis_date, config_hash, conditions, counts, started_at, finished_at, duration_ms)
           VALUES ($1, $2, $3, '{}', $4, now(), 0) RETURNING id`,
          [D, report.config_hash, JSON.stringify(opts.profile.conditions), started],
        );
        const run = rows[0].id;
        report.run_id = run;
        await tx.exec('CREATE TEMP TABLE cls_changes (imei_norm text, cond text, change text, block_date date) ON COMMIT DROP');
        const first = !(await tx.query('SELECT 1 FROM cls_state LIMIT 1')).rows.length;
        // Each condition is applied as soon as its matches are known, those whose dimensions the
        // other session still computes last (the run meanwhile applies the others). A condition
        // over its safety ratio refuses the run: the rest are only matched, to name every one.
        const outcomes: ConditionOutcome[] = [];
        for (const i of builder.readyFirst(conditions)) {
          const c = conditions[i];
          const matches = await builder.build(c, `cls_match_${i}`, stable(c));
          const ratio = report.seen_imeis ? matches.matched / report.seen_imeis : 0;
          outcomes[i] = {
            label: c.label, blocking: c.blocking, sticky: c.sticky, matched: matches.matched, ratio, max_ratio: c.max_allowed_matching_ratio,
            refused: ratio > c.max_allowed_matching_ratio, opened: 0, continued: 0, closed: 0, opened_blocked: 0, amnesty_granted: 0,
          };
          if (!outcomes.some((o) => o?.refused)) Object.assign(outcomes[i], await applyCondition(tx, c, i, matches, D, run, opts.profile, first, !!opts.whatIf));
        }
        report.conditions = outcomes;
        const refused = outcomes.filter((c) => c.refused);
        if (refused.length) {
          // Nothing changes: what was applied is rolled back, and no condition reports changes.
          for (const c of outcomes) Object.assign(c, { opened: 0, continued: 0, closed: 0, opened_blocked: 0, amnesty_granted: 0 });
          report.status = 'refused';
          report.run_id = null;
          report.message =
            refused.map((c) => `condition ${c.label} matches ${c.matched} of ${report.seen_imeis} IMEIs seen (${(c.ratio * 100).toFixed(2)}%), more than its max_allowed_matching_ratio ${(c.max_ratio * 100).toFixed(2)}%`).join('; ') +
            ': the run is refused and nothing changed (a missing TAC catalogue or list often causes this)';
          throw new Rollback();
        }
        if (opts.whatIf) {
          report.impact = await impact(tx, D, opts.profile.lists.lookback_days);
          report.status = 'what-if';
          report.run_id = null;
          throw new Rollback();
        }
        await builder.keepInverted(run);
        // Statistics for the states after the first run, or one that rewrote many of them: the next
        // run's plans depend on them, and autovacuum may not have come by yet.
        const written = report.conditions.reduce((n, c) => n + c.opened + c.closed, 0);
        if (first || written > 10_000) await analyse(tx, 'cls_state');
        await tx.query('UPDATE cls_run SET counts = $2, finished_at = now(), duration_ms = $3 WHERE id = $1', [
          run,
          JSON.stringify(Object.fromEntries(report.conditions.map((c) => [c.label, { matched: c.matched, opened: c.opened, continued: c.continued, closed: c.closed }]))),
          Date.now() - started.getTime(),
        ]);
      } finally {
        // The other session's work, if any, ends before this transaction does.
        await builder.settle();
      }
    });
  } catch (e) {
    if (!(e instanceof Rollback)) throw e;
  }
  report.duration_ms = Date.now() - started.getTime();
  return report;
}

/**
 * Apply a condition's matches to its states. One pass compares the open states with the matches
 * (a FULL JOIN into a temporary table of the differences; of the `changed` IMEIs only, when the
 * matches say which can differ); then the states to close are reached by key, those to refresh
 * joined, and the new matches inserted.
 */
async function applyCondition(
  tx: Db, c: ConditionConfig, i: number, matches: { relation: string; matched: number; changed: string | null }, D: string, run: number,
  profile: CountryProfile, first: boolean, whatIf: boolean,
) {
  const cond = c.label;
  const diff = `cls_diff_${i}`;
  const change = `CASE WHEN m.imei_norm IS NULL THEN 'close' WHEN s.imei_norm IS NULL THEN 'open' ELSE 'refresh' END AS change`;
  // Still matching with the same evidence: nothing to write (most continuing states).
  const differs = 'm.imei_norm IS NULL OR s.imei_norm IS NULL OR s.evidence IS DISTINCT FROM m.evidence';
  await tx.query(
    matches.changed
      ? // Only the IMEIs that can have changed, found by index on both sides. The open states are
        // probed one by one, whatever the statistics say (OFFSET 0 keeps the planner from making
        // the probes a join over every open state): tested as a filter instead, a list of IMEIs is
        // searched linearly per row, 3 s over the 170 000 open states of a condition after a
        // VACUUM without ANALYZE. The matches are a subquery; the list is their index condition.
        `CREATE TEMP TABLE ${diff} ON COMMIT DROP AS
         SELECT coalesce(s.imei_norm, m.imei_norm) AS imei_norm, m.evidence, ${change}
         FROM (SELECT s.imei_norm, s.evidence FROM ${matches.changed} c
               JOIN LATERAL (SELECT s.imei_norm, s.evidence FROM cls_state s WHERE s.cond = $1 AND s.end_date IS NULL AND s.imei_norm = c.imei_norm OFFSET 0) s ON true) s
         FULL JOIN (SELECT m.imei_norm, m.evidence FROM ${matches.relation} m WHERE m.imei_norm = ANY (ARRAY(SELECT imei_norm FROM ${matches.changed}))) m
           ON m.imei_norm = s.imei_norm
         WHERE ${differs}`
      : `CREATE TEMP TABLE ${diff} ON COMMIT DROP AS
         SELECT coalesce(s.imei_norm, m.imei_norm) AS imei_norm, m.evidence, ${change}
         FROM (SELECT imei_norm, evidence FROM cls_state s WHERE cond = $1 AND end_date IS NULL) s
         FULL JOIN ${matches.relation} m ON m.imei_norm = s.imei_norm
         WHERE ${differs}`,
    [cond],
  );
  // Most conditions change little from one day to the next: statements with nothing to do are skipped.
  const todo = new Map((await tx.query<{ change: string; n: number }>(`SELECT change, count(*) AS n FROM ${diff} GROUP BY change`)).rows.map((r) => [r.change, r.n]));
  // Changes are counted as they are written; only what-if keeps them (cls_changes) for the impact.
  const log = (cte: string, change: string) =>
    `, logged AS (INSERT INTO cls_changes SELECT imei_norm, $1, '${change}', block_date FROM ${cte} WHERE ${whatIf})`;
  // Close the open states that no longer match (sticky conditions never release).
  const closed = c.sticky || !todo.get('close')
    ? 0
    : (await tx.query<{ n: number }>(
        `WITH closed AS (
           UPDATE cls_state s SET end_date = $2, last_run = $3
           WHERE s.imei_norm = ANY (ARRAY(SELECT imei_norm FROM ${diff} WHERE change = 'close')) AND s.cond = $1 AND s.end_date IS NULL
           RETURNING s.imei_norm, s.block_date)${log('closed', 'closed')}
         SELECT count(*) AS n FROM closed`,
        [cond, D, run],
      )).rows[0].n;
  // Still matching: the evidence is refreshed, the block date is not (only evidence that changed;
  // a hash join: with nested loops, PGlite looped over the open states once per difference).
  if (todo.get('refresh')) {
    await tx.query(
      `UPDATE cls_state s SET evidence = d.evidence, last_run = $2 FROM ${diff} d
       WHERE d.change = 'refresh' AND s.imei_norm = d.imei_norm AND s.cond = $1 AND s.end_date IS NULL`,
      [cond, run],
    );
  }
  // New matches: the block date is fixed now.
  const a = profile.amnesty;
  const inEvaluation = c.blocking && c.amnesty_eligible && a.enabled && D <= ymdToIso(a.evaluation_period_end_date!);
  const blockDate = !c.blocking ? 'NULL::date' : inEvaluation ? 'NULL::date' : `($2::date + ${c.grace_period_days})`;
  // The first run of all writes every match as a plain insert, in key order (no state to find or
  // conflict with: 165 000 states of a condition in about half the time). Later, a state closed
  // earlier the same day is opened again.
  const { rows } = !todo.get('open') ? { rows: [{ n: 0, blocked: 0, granted: 0 }] } : await tx.query<{ n: number; blocked: number; granted: number }>(
    `WITH opened AS (
       INSERT INTO cls_state AS s (imei_norm, cond, start_date, block_date, amnesty_granted, evidence, first_run, last_run)
       SELECT d.imei_norm, $1, $2, ${blockDate}, ${inEvaluation}, d.evidence, $3, $3 FROM ${diff} d WHERE d.change = 'open' ORDER BY d.imei_norm
       ${first ? '' : 'ON CONFLICT (imei_norm, cond, start_date) DO UPDATE SET end_date = NULL, evidence = excluded.evidence, last_run = excluded.last_run'}
       RETURNING s.imei_norm, s.block_date)${log('opened', 'opened')}
     SELECT count(*) AS n, count(*) FILTER (WHERE block_date <= $2) AS blocked, count(*) FILTER (WHERE ${inEvaluation} AND block_date IS NULL) AS granted
     FROM opened`,
    [cond, D, run],
  );
  // Amnesty: once the evaluation period is over, granted IMEIs are blocked at the amnesty end.
  if (c.blocking && a.enabled && D > ymdToIso(a.evaluation_period_end_date!)) {
    await tx.query(
      'UPDATE cls_state SET block_date = $2 WHERE cond = $1 AND end_date IS NULL AND amnesty_granted AND block_date IS NULL',
      [cond, ymdToIso(a.amnesty_period_end_date!)],
    );
  }
  return {
    closed,
    // Every match continues an open state or opens one.
    continued: matches.matched - rows[0].n,
    opened: rows[0].n,
    opened_blocked: rows[0].blocked,
    amnesty_granted: rows[0].granted,
  };
}

/**
 * Who a run would affect, per operator whose network saw the subscriber in the lookback window:
 * IMEIs newly put on notice (a blocking state opened with a future block date) and their
 * subscribers, IMEIs newly blocked, IMEIs released.
 */
async function impact(tx: Db, D: string, lookbackDays: number): Promise<OperatorImpact[]> {
  const from = daysBefore(D, lookbackDays);
  const to = daysBefore(D, 1);
  const { rows } = await tx.query<OperatorImpact>(
    `WITH ch AS (
       SELECT imei_norm,
              bool_or(change = 'opened' AND block_date > $1) AS notified,
              bool_or(change = 'opened' AND block_date <= $1) AS blocked,
              bool_or(change = 'closed') AS released
       FROM cls_changes GROUP BY imei_norm),
     seen AS (
       SELECT DISTINCT t.operator, t.imei_norm, t.imsi FROM v_triplet t JOIN ch USING (imei_norm)
       WHERE t.month >= date_trunc('month', $2::date) AND t.month <= $3::date
         AND t.date_bitmask & obs_window_mask(t.month, $2::date, $3::date) <> 0)
     SELECT s.operator,
            count(DISTINCT s.imsi) FILTER (WHERE ch.notified) AS subscribers_newly_notified,
            count(DISTINCT s.imei_norm) FILTER (WHERE ch.notified) AS imeis_newly_notified,
            count(DISTINCT s.imei_norm) FILTER (WHERE ch.blocked) AS imeis_newly_blocked,
            count(DISTINCT s.imei_norm) FILTER (WHERE ch.released) AS imeis_released
     FROM seen s JOIN ch USING (imei_norm) GROUP BY s.operator ORDER BY s.operator`,
    [D, from, to],
  );
  return rows;
}
