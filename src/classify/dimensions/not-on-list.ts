/**
 * What `not_on_registration_list` and `not_on_association_list` share: IMEIs seen (in a window,
 * with `period_days`) that a list does not cover, unless their TAC's device type is exempted by
 * the country profile.
 */
import { z } from 'zod';
import { lookbackWindow, type DimensionContext, type SqlQuery } from '../dimension.ts';
import { notExempted, WINDOW_JSON, WINDOW_VALUES, windowValues } from './common.ts';
import { seenCandidates } from './seen-in-window.ts';

export const notOnListParams = z.object({ period_days: z.number().int().min(1).max(3660).optional() }).strict();

export interface NotOnList {
  /** Joins to the list after `candidates c` (aliases other than c and g). */
  join: string;
  /** SQL condition, true when the list does not cover `c.imei_norm`. */
  uncovered: string;
  /** Extra evidence pairs (`'key', expression, `). */
  evidence: string;
}

export function notOnListSql(list: NotOnList, p: z.infer<typeof notOnListParams>, ctx: DimensionContext): SqlQuery {
  const windowed = p.period_days !== undefined;
  const w = windowed ? lookbackWindow(ctx, p.period_days!) : null;
  const base = windowed ? WINDOW_VALUES : 0;
  return {
    text: `
WITH ${seenCandidates(windowed)}
SELECT c.imei_norm,
       jsonb_build_object('first_seen', c.first_seen, 'last_seen', c.last_seen, ${list.evidence}
                          'device_type', g.device_type
                          ${windowed ? `, 'window', ${WINDOW_JSON}` : ''}) AS evidence
FROM candidates c
LEFT JOIN v_gsma_tac g ON g.tac = left(c.imei_norm, 8)
${list.join}
WHERE ${list.uncovered} AND ${notExempted('g', base + 1)}`,
    values: [...(w ? windowValues(w) : []), ctx.profile.exempted_device_types],
  };
}
