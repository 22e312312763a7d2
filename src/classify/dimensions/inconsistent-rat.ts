/**
 * `inconsistent_rat` (DIRBS): a seen IMEI observed on a radio generation its model cannot use.
 * A model's capability is the union of the bands-derived generations of all catalogue TACs with
 * the same manufacturer and model name; TACs missing either, and models with no known capability,
 * are skipped.
 */
import { z } from 'zod';
import { defineDimension, generationNames, inScope } from './common.ts';

/** Per catalogue TAC, its model and the model's generations (the union over its TACs). */
const CAPABILITY = `model AS (
  SELECT manufacturer, model_name, bit_or(rat_mask)::int AS capability
  FROM v_gsma_tac WHERE manufacturer IS NOT NULL AND model_name IS NOT NULL
  GROUP BY manufacturer, model_name HAVING bit_or(rat_mask) <> 0
),
tac AS (
  SELECT g.tac, m.manufacturer, m.model_name, m.capability FROM v_gsma_tac g JOIN model m USING (manufacturer, model_name)
)`;

export const inconsistentRat = defineDimension({
  name: 'inconsistent_rat',
  description: 'seen on a radio generation the model cannot use',
  params: z.object({}).strict(),
  sql(_p, ctx) {
    return {
      text: `
WITH ${CAPABILITY},
seen AS (
  SELECT s.imei_norm, obs_generations(s.rat_bitmask) AS generations, tac.*
  FROM v_seen_imei s JOIN tac ON tac.tac = left(s.imei_norm, 8)
  WHERE true${inScope('s', ctx)}
)
SELECT imei_norm,
       jsonb_build_object('tac', tac, 'manufacturer', manufacturer, 'model_name', model_name,
                          'seen_generations', ${generationNames('generations')},
                          'model_generations', ${generationNames('capability')},
                          'inconsistent_generations', ${generationNames('generations & ~capability')}) AS evidence
FROM seen WHERE generations & ~capability <> 0`,
      values: [],
    };
  },
  // The RAT bitmasks each TAC's devices have: the (TAC, mask) pairs beyond their model, then the
  // devices of each pair, looked up by index (OFFSET 0 keeps the lookup per pair: flattened, the
  // planner merge-joins every device).
  screen: () => ({
    text: `WITH ${CAPABILITY},
bad AS MATERIALIZED (
  SELECT t.tac, m FROM v_seen_tac t JOIN tac c ON c.tac = t.tac CROSS JOIN LATERAL unnest(t.rat_masks) AS m
  WHERE obs_generations(m) & ~c.capability <> 0
)
SELECT x.imei_norm FROM bad b
CROSS JOIN LATERAL (SELECT s.imei_norm FROM v_seen_imei s WHERE left(s.imei_norm, 8) = b.tac AND s.rat_bitmask = b.m OFFSET 0) x`,
    values: [],
  }),
});
