/**
 * What `not_on_registration_list` and `not_on_association_list` share: IMEIs seen (in a window,
 * with `period_days`) that a list does not cover, unless their TAC's device type is exempted by
 * the country profile.
 */
import { z } from 'zod';
import { lookbackWindow, type DimensionContext, type SqlQuery } from '../dimension.ts';
import { inScope, notExempted, WINDOW_JSON, WINDOW_VALUES, windowValues } from './common.ts';
import { seenCandidates } from './seen-in-window.ts';

export const notOnListParams = z.object({ period_days: z.number().int().min(1).max(3660).optional() }).strict();

export interface NotOnList {
  /** The list's view (rows `imei_norm`, …), and a condition on its rows `l` for an IMEI to count as covered. */
  view: string;
  covers?: string;
  /** Extra evidence pairs (`'key', expression, `), read for the IMEIs not covered only. */
  evidence: string;
}

/**
 * Without a window, evidence holds what does not change from day to day (first seen, status,
 * device type): a continuing state is then not rewritten every day, and the result can be kept
 * between runs (`keptNotOnList`). With a window, the last day seen and the window too.
 */
export function notOnListSql(list: NotOnList, p: z.infer<typeof notOnListParams>, ctx: DimensionContext): SqlQuery {
  const windowed = p.period_days !== undefined;
  const w = windowed ? lookbackWindow(ctx, p.period_days!) : null;
  const base = windowed ? WINDOW_VALUES : 0;
  return {
    text: `
WITH ${seenCandidates(windowed, inScope('s', ctx))}
SELECT c.imei_norm,
       jsonb_build_object('first_seen', c.first_seen, ${windowed ? "'last_seen', c.last_seen, " : ''}${list.evidence}
                          'device_type', g.device_type
                          ${windowed ? `, 'window', ${WINDOW_JSON}` : ''}) AS evidence
FROM candidates c
LEFT JOIN v_gsma_tac g ON g.tac = left(c.imei_norm, 8)
-- an anti-join (the list read once); with a scope, the candidates' rows read by index
WHERE NOT EXISTS (SELECT 1 FROM ${list.view} l WHERE l.imei_norm = c.imei_norm${list.covers ? ` AND ${list.covers}` : ''}${inScope('l', ctx)})
  AND ${notExempted('g', base + 1)}`,
    values: [...(w ? windowValues(w) : []), ctx.profile.exempted_device_types],
  };
}

/**
 * Without a window, the result for an IMEI depends on its first day seen, the list and the TAC
 * catalogue only: kept between runs, recomputed for the IMEIs an import can have added or moved
 * (first seen within its period), and in full when `list` or the catalogue was imported again.
 */
export const keptNotOnList = (list: string) => ({
  references: [list, 'gsma_tac'],
  applies: (p: z.infer<typeof notOnListParams>) => p.period_days === undefined,
});
