/**
 * A classification dimension: one small SQL query, with its parameters declared, that finds the
 * IMEIs having one property on an analysis date, with the evidence that makes it true.
 *
 * Dimensions read only the public views of the modules that own the data (`v_*`, created by
 * the reference and observations migrations), never their tables.
 */
import type { z } from 'zod';
import type { CountryProfile } from '../config/profile.ts';

export interface DimensionContext {
  /** The analysis date, `YYYY-MM-DD`: windows end the day before it. */
  analysisDate: string;
  profile: CountryProfile;
  /**
   * A table (`imei_norm`) holding every IMEI that can match, from the dimension's `screen`: the
   * query then reads the observations of those IMEIs only. Absent: every IMEI.
   */
  scope?: string;
  /**
   * With `scope`, for dimensions that read `v_triplet`: a table holding that view's rows for at
   * least the IMEIs of the scope, over at least the months of the dimension's window, read once
   * for all such dimensions of the run (see `tripletsOf`).
   */
  triplets?: string;
}

/** One `v_triplet` row, as the triplet rules read it in memory (`Dimension.onRows`). */
export interface TripletRow {
  imsi: string | null;
  msisdn: string | null;
  /**
   * The IMSI is valid (14 or 15 digits, `isImsi`); the MSISDN is valid (1 to 15 digits,
   * `isMsisdn`). Tested once as the row is read, not by each rule.
   */
  imsiValid: boolean;
  msisdnValid: boolean;
  operatorId: number;
  /** First day of the row's month, `YYYY-MM-DD`. */
  month: string;
  /** Days of the month seen (bit d-1 = day d). */
  bits: number;
}

/** What a rule in memory needs besides the rows: the operators, in the order SQL sorts their codes. */
export interface RowContext {
  operators: { id: number; code: string }[];
}

/**
 * A rule over one IMEI's rows: its evidence when the IMEI matches (as SQL's `jsonb_build_object`
 * would give it; a `Decimal` where SQL gives a numeric with a fixed scale), else null.
 */
export type RowRule = (rows: TripletRow[], rc: RowContext) => Record<string, unknown> | null;

/** A query with its own parameters ($1, $2, ... numbered from 1). */
export interface SqlQuery {
  text: string;
  values: unknown[];
}

export interface Dimension<P = Record<string, unknown>> {
  readonly name: string;
  /** One line for people: what the dimension finds. */
  readonly description: string;
  /** Parameters, with their defaults; unknown keys are refused. */
  readonly params: z.ZodType<P>;
  /**
   * SELECT returning `imei_norm text` and `evidence jsonb` (one row per matching IMEI; evidence
   * may be null). IMEIs are DIRBS-normalised keys, as stored everywhere.
   */
  sql(params: P, ctx: DimensionContext): SqlQuery;
  /**
   * Optional: a cheap query, from the observation summaries, giving `imei_norm` of every IMEI
   * that can match on the analysis date (a superset of the matches; null when these parameters
   * allow no such narrowing). The run then evaluates `sql` with `scope` set to its result.
   */
  screen?(params: P, ctx: DimensionContext): SqlQuery | null;
  /**
   * Optional, for dimensions that read `v_triplet`: the days of observations they read. Screened
   * runs then read the candidates' triplets once for all of them (`DimensionContext.triplets`).
   */
  tripletWindow?(params: P, ctx: DimensionContext): { from: string; to: string };
  /**
   * Optional, with `tripletWindow`: the same rule over one IMEI's `v_triplet` rows in memory (all
   * of its rows in the months of the window; the rule masks them with the window itself). Screened
   * runs read their candidates' rows once and evaluate such dimensions as the rows arrive, instead
   * of one query each; `sql` stays the definition, which exhaustive runs use, and the equivalence
   * test requires both to give the same matches and evidence.
   */
  onRows?(params: P, ctx: DimensionContext): RowRule;
  /**
   * Optional: results kept per IMEI and month between runs, for a dimension whose every day is
   * decided by that day's data alone (and by the reference lists `references`). Runs compute the
   * days they have not seen or whose data changed (`compute`, a query reading only, for the days
   * in a table `(month date, bits integer)`; either session of a run may run it), merge what it
   * found into what is kept (`merge`), then read the window from there (`fromCache`).
   */
  monthCache?: {
    readonly references: readonly string[];
    window(params: P, ctx: DimensionContext): { from: string; to: string };
    /** `months`: the first and last months of `days` (ISO dates, for partition pruning). */
    compute(params: P, days: string, months: { first: string; last: string }): SqlQuery;
    /** Statements merging the rows of `compute`, in the table `batch`, into what is kept under `key`. */
    merge(key: string, batch: string): SqlQuery[];
    /** Forget what is kept: all of it, or the months before `before`. */
    drop(key: string, before: string | null): SqlQuery[];
    fromCache(params: P, key: string, ctx: DimensionContext): SqlQuery;
  };
  /**
   * Optional: the whole result kept between runs, for a dimension whose result for an IMEI does
   * not depend on the analysis date, only on the IMEI's first day seen and on the reference lists
   * `references` (when `applies` to these parameters). An observation import can then change it
   * only for IMEIs first seen within the import's period: runs evaluate `sql` with those IMEIs as
   * `scope` and replace their rows, or everything after an import of one of `references`.
   */
  kept?: {
    readonly references: readonly string[];
    applies(params: P): boolean;
  };
}

/** Day arithmetic for windows: `YYYY-MM-DD` minus n days. */
export function daysBefore(isoDay: string, n: number): string {
  const t = Date.parse(`${isoDay}T00:00:00Z`) - n * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

/** The window of `periodDays` days ending the day before the analysis date: [from, to], inclusive. */
export function lookbackWindow(ctx: DimensionContext, periodDays: number): { from: string; to: string } {
  return { from: daysBefore(ctx.analysisDate, periodDays), to: daysBefore(ctx.analysisDate, 1) };
}
