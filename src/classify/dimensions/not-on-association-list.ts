/**
 * `not_on_association_list` (DIRBS): a seen IMEI associated with no national ID, unless its TAC's
 * device type is exempted by the country profile. With `period_days`, only IMEIs seen in that window.
 */
import { z } from 'zod';
import { lookbackWindow } from '../dimension.ts';
import { defineDimension, notExempted, WINDOW_JSON, WINDOW_VALUES, windowValues } from './common.ts';
import { seenCandidates } from './seen-in-window.ts';

export const notOnAssociationList = defineDimension({
  name: 'not_on_association_list',
  description: 'seen, associated with no national ID, device type not exempted',
  params: z.object({ period_days: z.number().int().min(1).max(3660).optional() }).strict(),
  sql(p, ctx) {
    const windowed = p.period_days !== undefined;
    const w = windowed ? lookbackWindow(ctx, p.period_days!) : null;
    const base = windowed ? WINDOW_VALUES : 0;
    return {
      text: `
WITH ${seenCandidates(windowed)}
SELECT c.imei_norm,
       jsonb_build_object('first_seen', c.first_seen, 'last_seen', c.last_seen,
                          'device_type', g.device_type
                          ${windowed ? `, 'window', ${WINDOW_JSON}` : ''}) AS evidence
FROM candidates c
LEFT JOIN v_gsma_tac g ON g.tac = left(c.imei_norm, 8)
WHERE NOT EXISTS (SELECT 1 FROM v_device_association a WHERE a.imei_norm = c.imei_norm)
  AND ${notExempted('g', base + 1)}`,
      values: [...(w ? windowValues(w) : []), ctx.profile.exempted_device_types],
    };
  },
});
