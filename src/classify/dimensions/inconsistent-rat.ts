/**
 * `inconsistent_rat` (DIRBS): a seen IMEI observed on a radio generation its model cannot use.
 * A model's capability is the union of the bands-derived generations of all catalogue TACs with
 * the same manufacturer and model name; TACs missing either, and models with no known capability,
 * are skipped.
 */
import { z } from 'zod';
import { defineDimension, generationNames } from './common.ts';

export const inconsistentRat = defineDimension({
  name: 'inconsistent_rat',
  description: 'seen on a radio generation the model cannot use',
  params: z.object({}).strict(),
  sql() {
    return {
      text: `
WITH model AS (
  SELECT manufacturer, model_name, bit_or(rat_mask)::int AS capability
  FROM v_gsma_tac WHERE manufacturer IS NOT NULL AND model_name IS NOT NULL
  GROUP BY manufacturer, model_name HAVING bit_or(rat_mask) <> 0
),
tac AS (
  SELECT g.tac, m.manufacturer, m.model_name, m.capability FROM v_gsma_tac g JOIN model m USING (manufacturer, model_name)
),
seen AS (
  SELECT s.imei_norm, obs_generations(s.rat_bitmask) AS generations, tac.*
  FROM v_seen_imei s JOIN tac ON tac.tac = left(s.imei_norm, 8)
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
});
