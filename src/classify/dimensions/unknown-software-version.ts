/**
 * `unknown_software_version`: a seen IMEI reported with a software version (IMEISV SVN) that at
 * most `min_devices` other devices of the same model (manufacturer + model name of the TAC in the
 * catalogue) have used: firmware the model does not ship, typical of counterfeits and of
 * tampered identifiers. IMEIs whose TAC has no known model are skipped, and so are models seen on
 * fewer than `min_model_devices` devices: with few devices every version looks rare (on a 5 000
 * subscriber country, 73% of IMEIs matched without this floor).
 */
import { z } from 'zod';
import { SVN_DEVICES_LISTED } from '../../observations/summaries.ts';
import { defineDimension, isImeiKey } from './common.ts';

export const unknownSoftwareVersion = defineDimension({
  name: 'unknown_software_version',
  description: 'uses a software version that at most `min_devices` other devices of its model have used',
  params: z.object({ min_devices: z.number().int().min(0).default(5), min_model_devices: z.number().int().min(1).default(20) }).strict(),
  sql(p) {
    // Devices per (TAC, version) and per TAC come counted from the observations module
    // (v_tac_svn, v_tac_svn_devices: an IMEI has one TAC, so a model's devices are the sum over
    // its TACs). The devices of a rare version are listed there too while it is this rare; past
    // that, they are found among every device's versions.
    const evidence = `jsonb_build_object('manufacturer', r.manufacturer, 'model_name', r.model_name, 'min_devices', $1::int,
                          'versions', jsonb_agg(jsonb_build_object('svn', v.svn, 'other_devices', r.others, 'first_seen', v.first_seen) ORDER BY v.svn)) AS evidence`;
    const listed = p.min_devices + 1 <= SVN_DEVICES_LISTED;
    const devices = listed
      ? `,
listed AS MATERIALIZED (
  SELECT d.imei_norm, r.svn, r.manufacturer, r.model_name, r.others
  FROM rare r JOIN v_tac_svn ts ON ts.tac = r.tac AND ts.svn = r.svn CROSS JOIN LATERAL unnest(ts.imeis) AS d(imei_norm)
)
SELECT v.imei_norm, ${evidence}
FROM listed r JOIN v_imei_svn v ON v.imei_norm = r.imei_norm AND v.svn = r.svn
WHERE v.imei_norm = ANY (ARRAY(SELECT imei_norm FROM listed)) -- by index`
      : `
SELECT v.imei_norm, ${evidence}
FROM v_imei_svn v JOIN rare r ON r.tac = left(v.imei_norm, 8) AND r.svn = v.svn WHERE ${isImeiKey('v.imei_norm')}`;
    return {
      text: `
WITH model_tacs AS (
  SELECT tac, manufacturer, model_name FROM v_gsma_tac WHERE manufacturer IS NOT NULL AND model_name IS NOT NULL
),
versions AS (
  SELECT m.manufacturer, m.model_name, t.svn, sum(t.devices) AS n FROM v_tac_svn t JOIN model_tacs m USING (tac) GROUP BY 1, 2, 3
),
kept AS (
  SELECT m.manufacturer, m.model_name FROM v_tac_svn_devices d JOIN model_tacs m USING (tac) GROUP BY 1, 2 HAVING sum(d.devices) >= $2::int
),
rare AS (
  SELECT t.tac, r.svn, r.manufacturer, r.model_name, r.n - 1 AS others
  FROM versions r JOIN kept USING (manufacturer, model_name) JOIN model_tacs t USING (manufacturer, model_name)
  WHERE r.n - 1 <= $1::int
)${devices}
GROUP BY v.imei_norm, r.manufacturer, r.model_name`,
      values: [p.min_devices, p.min_model_devices],
    };
  },
});
