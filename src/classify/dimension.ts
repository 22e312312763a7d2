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
}

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
