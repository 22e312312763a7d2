/** `is_barred_tac` (DIRBS): a seen IMEI whose TAC is on the barred TAC list. */
import { z } from 'zod';
import { defineDimension, inScope, seenWithTac } from './common.ts';

export const isBarredTac = defineDimension({
  name: 'is_barred_tac',
  description: 'seen IMEI whose TAC is barred',
  params: z.object({}).strict(),
  sql(_p, ctx) {
    return {
      text: `
SELECT s.imei_norm,
       jsonb_build_object('tac', b.tac, 'barred_since', (b.valid_from AT TIME ZONE 'UTC')::date, 'first_seen', s.first_seen, 'last_seen', s.last_seen) AS evidence
FROM v_seen_imei s JOIN v_barred_tac b ON b.tac = left(s.imei_norm, 8)
WHERE true${inScope('s', ctx)}`,
      values: [],
    };
  },
  screen: () => seenWithTac('t.tac IN (SELECT b.tac FROM v_barred_tac b)'),
});
