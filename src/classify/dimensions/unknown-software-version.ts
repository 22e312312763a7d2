/**
 * `unknown_software_version`: a seen IMEI reported with a software version (IMEISV SVN) that at
 * most `min_devices` other devices of the same model (manufacturer + model name of the TAC in the
 * catalogue) have used: firmware the model does not ship, typical of counterfeits and of
 * tampered identifiers. IMEIs whose TAC has no known model are skipped, and so are models seen on
 * fewer than `min_model_devices` devices: with few devices every version looks rare (on a 5 000
 * subscriber country, 73% of IMEIs matched without this floor).
 */
import { z } from 'zod';
import { defineDimension, isImeiKey } from './common.ts';

export const unknownSoftwareVersion = defineDimension({
  name: 'unknown_software_version',
  description: 'uses a software version that at most `min_devices` other devices of its model have used',
  params: z.object({ min_devices: z.number().int().min(0).default(5), min_model_devices: z.number().int().min(1).default(20) }).strict(),
  sql(p) {
    // Counted per (TAC, version) first (a hash aggregate over short keys with few groups), then per
    // model; a model's device count is exact without a pass over every device when its most used
    // version alone reaches the floor, or all its versions together do not; only the models in
    // between count their distinct devices. The matching devices are found by a hash join of the
    // rare (TAC, version) pairs.
    return {
      text: `
WITH tac_versions AS (
  SELECT left(v.imei_norm, 8) AS tac, v.svn, count(*) AS n FROM v_imei_svn v WHERE ${isImeiKey('v.imei_norm')} GROUP BY 1, 2
),
model_tacs AS (
  SELECT tac, manufacturer, model_name FROM v_gsma_tac WHERE manufacturer IS NOT NULL AND model_name IS NOT NULL
),
versions AS (
  SELECT m.manufacturer, m.model_name, t.svn, sum(t.n) AS n
  FROM tac_versions t JOIN model_tacs m USING (tac) GROUP BY 1, 2, 3
),
models AS (
  SELECT manufacturer, model_name, max(n) AS at_least, sum(n) AS at_most FROM versions GROUP BY 1, 2
),
kept AS (
  SELECT manufacturer, model_name FROM models WHERE at_least >= $2::int
  UNION ALL
  SELECT m.manufacturer, m.model_name
  FROM models m JOIN model_tacs t USING (manufacturer, model_name) JOIN v_imei_svn v ON left(v.imei_norm, 8) = t.tac
  WHERE m.at_least < $2::int AND m.at_most >= $2::int AND ${isImeiKey('v.imei_norm')}
  GROUP BY 1, 2 HAVING count(DISTINCT v.imei_norm) >= $2::int
),
rare AS (
  SELECT t.tac, r.svn, r.manufacturer, r.model_name, r.n - 1 AS others
  FROM versions r JOIN kept USING (manufacturer, model_name) JOIN model_tacs t USING (manufacturer, model_name)
  WHERE r.n - 1 <= $1::int
)
SELECT v.imei_norm,
       jsonb_build_object('manufacturer', r.manufacturer, 'model_name', r.model_name, 'min_devices', $1::int,
                          'versions', jsonb_agg(jsonb_build_object('svn', v.svn, 'other_devices', r.others, 'first_seen', v.first_seen) ORDER BY v.svn)) AS evidence
FROM v_imei_svn v JOIN rare r ON r.tac = left(v.imei_norm, 8) AND r.svn = v.svn
WHERE ${isImeiKey('v.imei_norm')}
GROUP BY v.imei_norm, r.manufacturer, r.model_name`,
      values: [p.min_devices, p.min_model_devices],
    };
  },
});
