/**
 * `exists_in_monitoring_list` (DIRBS): a seen IMEI on the monitoring list, for at least
 * `monitored_days` days before the analysis date (0: whatever the date it was listed).
 */
import { z } from 'zod';
import { defineDimension, inScope } from './common.ts';

export const existsInMonitoringList = defineDimension({
  name: 'exists_in_monitoring_list',
  description: 'seen IMEI on the monitoring list for at least `monitored_days` days',
  params: z.object({ monitored_days: z.number().int().min(0).max(36500).default(0) }).strict(),
  sql(p, ctx) {
    return {
      text: `
WITH listed AS (SELECT imei_norm, (valid_from AT TIME ZONE 'UTC')::date AS since FROM v_monitoring)
SELECT m.imei_norm,
       jsonb_build_object('monitored_since', m.since, 'monitored_days', $1::date - m.since, 'first_seen', s.first_seen, 'last_seen', s.last_seen) AS evidence
FROM listed m JOIN v_seen_imei s USING (imei_norm)
WHERE ($2::int = 0 OR $1::date - m.since >= $2::int)${inScope('s', ctx)}`,
      values: [ctx.analysisDate, p.monitored_days],
    };
  },
  // Listed devices, looked up one by one rather than joined to every device seen.
  screen: () => ({ text: 'SELECT imei_norm FROM v_monitoring', values: [] }),
});
