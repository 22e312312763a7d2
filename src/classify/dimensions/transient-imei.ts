/**
 * `transient_imei` (DIRBS, SIM-box rotation): in the window, the IMEI is seen on one operator only,
 * with on average at least `num_msisdns` distinct MSISDNs a day (over the days it was seen), and
 * its distinct MSISDNs, as numbers in order, form an arithmetic progression (at least three, one
 * constant step). DIRBS's `period` is accepted for `period_days`.
 */
import { z } from 'zod';
import { lookbackWindow } from '../dimension.ts';
import { changedIdentifiers, defineDimension, inScope, inWindow, isMsisdn, MAX_LISTED, operatorCodes, tripletsOf, WINDOW_JSON, windowBits, windowValues } from './common.ts';

const days = z.number().int().min(1).max(3660);

export const transientImei = defineDimension({
  name: 'transient_imei',
  description: 'one operator, many MSISDNs a day, MSISDNs in arithmetic progression (SIM-box rotation)',
  params: z
    .object({ period_days: days.optional(), period: days.optional(), num_msisdns: z.number().int().min(1).default(3) })
    .strict()
    .superRefine((p, ctx) => {
      if (p.period !== undefined && p.period_days !== undefined) ctx.addIssue({ code: 'custom', path: ['period'], message: 'give period_days or period (DIRBS), not both' });
    })
    .transform((p) => ({ period_days: p.period_days ?? p.period ?? 30, num_msisdns: p.num_msisdns })),
  sql(p, ctx) {
    return {
      text: `
WITH busy AS MATERIALIZED (
  SELECT imei_norm, bit_or(operators) AS operators, sum(days) AS days_seen, sum(msisdn_days) AS msisdn_days
  FROM (
    SELECT imei_norm, month, bit_or(operators) AS operators,
           obs_bit_count(coalesce(bit_or(bits) FILTER (WHERE ${isMsisdn('msisdn')}), 0)) AS days,
           coalesce(sum(obs_bit_count(bits)) FILTER (WHERE ${isMsisdn('msisdn')}), 0) AS msisdn_days
    FROM (
      SELECT t.imei_norm COLLATE "C" AS imei_norm, t.month, t.msisdn COLLATE "C" AS msisdn, bit_or(${windowBits('t')}) AS bits,
             bit_or(1 << t.operator_id) AS operators
      FROM ${tripletsOf(ctx)} t WHERE ${inWindow('t')}${inScope('t', ctx)}
      GROUP BY 1, 2, 3 ORDER BY 1, 2, 3 OFFSET 0
    ) p
    GROUP BY imei_norm, month
  ) m
  GROUP BY imei_norm
  HAVING obs_bit_count(bit_or(operators)) = 1 AND sum(days) > 0 AND sum(msisdn_days) >= $7::int * sum(days)
),
numbers AS (
  SELECT imei_norm, operators, days_seen, msisdn_days, n, min(msisdn) AS msisdn
  FROM (
    SELECT b.imei_norm, b.operators, b.days_seen, b.msisdn_days, t.msisdn::numeric AS n, t.msisdn
    FROM ${tripletsOf(ctx)} t JOIN busy b ON b.imei_norm = t.imei_norm COLLATE "C"
    WHERE ${inWindow('t')}${inScope('t', ctx)} AND ${isMsisdn('t.msisdn')}
  ) x
  GROUP BY 1, 2, 3, 4, 5
),
steps AS (
  SELECT *, n - lag(n) OVER (PARTITION BY imei_norm ORDER BY n) AS step FROM numbers
)
SELECT imei_norm COLLATE "default" AS imei_norm, -- grouped in byte order, returned in the database's
       jsonb_build_object('operator', ${operatorCodes('operators')} -> 0, 'days_seen', days_seen, 'msisdn_days', msisdn_days,
                          'average_msisdns_per_day', round(msisdn_days::numeric / days_seen, 2), 'num_msisdns', $7::int,
                          'distinct_msisdns', count(*), 'step', min(step), 'window', ${WINDOW_JSON},
                          'msisdns', to_jsonb((array_agg(msisdn ORDER BY n))[1:${MAX_LISTED}])) AS evidence
FROM steps
GROUP BY imei_norm, operators, days_seen, msisdn_days
HAVING count(*) >= 3 AND min(step) = max(step) AND min(step) > 0`,
      values: [...windowValues(lookbackWindow(ctx, p.period_days)), p.num_msisdns],
    };
  },
  // A progression needs three MSISDNs in the window: another one seen since its first day.
  screen: (p, ctx) => changedIdentifiers('msisdn', lookbackWindow(ctx, p.period_days)),
  tripletWindow: (p, ctx) => lookbackWindow(ctx, p.period_days),
});
