/**
 * `gsma_not_found` (DIRBS): a well-formed IMEI whose TAC is not in the GSMA catalogue, first seen
 * more than its reporting body's delay before the analysis date (the catalogue lags allocations).
 */
import { z } from 'zod';
import { defineDimension, inScope, isImeiKey, seenWithTac } from './common.ts';

/** DIRBS's delays, from the lag between GSMA allocation and appearance in the catalogue. */
export const DEFAULT_RBI_DELAYS: Record<string, number> = { '00': 32, '01': 40, '35': 20, '86': 19, '91': 20, '99': 69 };

const params = z
  .object({
    per_rbi_delays: z.record(z.string().regex(/^\d{2}$/, 'a reporting body is 2 digits'), z.number().int().min(0).max(3650)).optional(),
    ignore_rbi_delays: z.boolean().default(false),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.ignore_rbi_delays && p.per_rbi_delays && Object.keys(p.per_rbi_delays).length) {
      ctx.addIssue({ code: 'custom', path: ['ignore_rbi_delays'], message: 'cannot be true when per_rbi_delays is given' });
    }
  })
  // Given delays override the defaults body by body, as in DIRBS; ignoring them means no delay at all.
  .transform((p) => ({
    per_rbi_delays: p.ignore_rbi_delays ? {} : { ...DEFAULT_RBI_DELAYS, ...p.per_rbi_delays },
    ignore_rbi_delays: p.ignore_rbi_delays,
  }));

export const gsmaNotFound = defineDimension({
  name: 'gsma_not_found',
  description: 'TAC not in the GSMA catalogue, first seen more than the reporting body delay ago',
  params,
  sql(p, ctx) {
    const bodies = Object.keys(p.per_rbi_delays);
    return {
      text: `
SELECT s.imei_norm,
       jsonb_build_object('tac', left(s.imei_norm, 8), 'reporting_body', left(s.imei_norm, 2), 'first_seen', s.first_seen,
                          'delay_days', coalesce(d.delay, 0)) AS evidence
FROM v_seen_imei s
LEFT JOIN unnest($1::text[], $2::int[]) AS d(rbi, delay) ON d.rbi = left(s.imei_norm, 2)
WHERE ${isImeiKey('s.imei_norm')}
  AND NOT EXISTS (SELECT 1 FROM v_gsma_tac g WHERE g.tac = left(s.imei_norm, 8))
  AND s.first_seen + coalesce(d.delay, 0) < $3::date${inScope('s', ctx)}`,
      values: [bodies, bodies.map((b) => p.per_rbi_delays[b]), ctx.analysisDate],
    };
  },
  // The devices of the TACs seen that the catalogue lacks.
  screen: () => seenWithTac('NOT EXISTS (SELECT 1 FROM v_gsma_tac g WHERE g.tac = t.tac)'),
});
