/**
 * `seen_before_tac_allocation`: a well-formed IMEI first seen on the network before GSMA allocated
 * its TAC: a made-up or reused identifier.
 */
import { z } from 'zod';
import { defineDimension, inScope, isImeiKey, seenWithTac } from './common.ts';

export const seenBeforeTacAllocation = defineDimension({
  name: 'seen_before_tac_allocation',
  description: "first seen before its TAC's allocation date",
  params: z.object({}).strict(),
  sql(_p, ctx) {
    return {
      text: `
SELECT s.imei_norm,
       jsonb_build_object('tac', g.tac, 'allocation_date', g.allocation_date, 'first_seen', s.first_seen,
                          'days_before_allocation', g.allocation_date - s.first_seen) AS evidence
FROM v_seen_imei s JOIN v_gsma_tac g ON g.tac = left(s.imei_norm, 8)
WHERE ${isImeiKey('s.imei_norm')} AND s.first_seen < g.allocation_date${inScope('s', ctx)}`,
      values: [],
    };
  },
  // A TAC's first day seen is its devices' earliest.
  screen: () => seenWithTac('EXISTS (SELECT 1 FROM v_gsma_tac g WHERE g.tac = t.tac AND t.first_seen < g.allocation_date)'),
});
