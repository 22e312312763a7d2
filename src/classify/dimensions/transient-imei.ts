/**
 * `transient_imei` (DIRBS, SIM-box rotation): in the window, the IMEI is seen on one operator only,
 * with on average at least `num_msisdns` distinct MSISDNs a day (over the days it was seen), and
 * its distinct MSISDNs, as numbers in order, form an arithmetic progression (at least three, one
 * constant step). DIRBS's `period` is accepted for `period_days`.
 */
import { z } from 'zod';
import { lookbackWindow } from '../dimension.ts';
import { daysIn, monthMasks, operatorCodesOf, popcount, round2, windowJson } from './rows.ts';
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
      // One read of the window's rows, grouped per (IMEI, month, MSISDN) in order; the busy IMEIs
      // (one operator, enough MSISDNs a day) from it, then their distinct MSISDNs as numbers (15
      // digits at most: a bigint) in order, and the steps between them.
      text: `
WITH p AS MATERIALIZED (
  SELECT *, ${isMsisdn('msisdn')} AS valid FROM (
    SELECT t.imei_norm COLLATE "C" AS imei_norm, t.month, t.msisdn COLLATE "C" AS msisdn, bit_or(${windowBits('t')}) AS bits,
           bit_or(1 << t.operator_id) AS operators
    FROM ${tripletsOf(ctx)} t WHERE ${inWindow('t')}${inScope('t', ctx)}
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3 OFFSET 0
  ) g
),
busy AS MATERIALIZED (
  SELECT imei_norm, bit_or(operators) AS operators, sum(days) AS days_seen, sum(msisdn_days) AS msisdn_days
  FROM (
    SELECT imei_norm, month, bit_or(operators) AS operators,
           obs_bit_count(coalesce(bit_or(bits) FILTER (WHERE valid), 0)) AS days,
           coalesce(sum(obs_bit_count(bits)) FILTER (WHERE valid), 0) AS msisdn_days
    FROM p
    GROUP BY imei_norm, month
  ) m
  GROUP BY imei_norm
  HAVING obs_bit_count(bit_or(operators)) = 1 AND sum(days) > 0 AND sum(msisdn_days) >= $7::int * sum(days)
),
steps AS (
  SELECT imei_norm, n, msisdn, n - lag(n) OVER (PARTITION BY imei_norm ORDER BY n) AS step
  FROM (
    SELECT imei_norm, msisdn::bigint AS n, min(msisdn) AS msisdn
    FROM p WHERE valid AND imei_norm IN (SELECT imei_norm FROM busy)
    GROUP BY 1, 2
  ) x
)
SELECT s.imei_norm COLLATE "default" AS imei_norm, -- grouped in byte order, returned in the database's
       jsonb_build_object('operator', ${operatorCodes('b.operators')} -> 0, 'days_seen', b.days_seen, 'msisdn_days', b.msisdn_days,
                          'average_msisdns_per_day', round(b.msisdn_days::numeric / b.days_seen, 2), 'num_msisdns', $7::int,
                          'distinct_msisdns', s.distinct_msisdns, 'step', s.step, 'window', ${WINDOW_JSON}, 'msisdns', s.msisdns) AS evidence
FROM (
  -- Grouped as the steps stream, in IMEI order; the busy IMEIs' figures joined to the few that
  -- match (grouped with them, the 93 000 steps of 1 M subscribers were sorted again: 5 % more).
  SELECT imei_norm, count(*) AS distinct_msisdns, min(step) AS step, to_jsonb((array_agg(msisdn ORDER BY n))[1:${MAX_LISTED}]) AS msisdns
  FROM steps GROUP BY imei_norm
  HAVING count(*) >= 3 AND min(step) = max(step) AND min(step) > 0
) s JOIN busy b ON b.imei_norm = s.imei_norm`,
      values: [...windowValues(lookbackWindow(ctx, p.period_days)), p.num_msisdns],
    };
  },
  // A progression needs three MSISDNs in the window: another one seen since its first day.
  screen: (p, ctx) => changedIdentifiers('msisdn', lookbackWindow(ctx, p.period_days)),
  tripletWindow: (p, ctx) => lookbackWindow(ctx, p.period_days),
  onRows(p, ctx) {
    const w = lookbackWindow(ctx, p.period_days);
    const masks = monthMasks(w);
    return (rows, rc) => {
      // Three MSISDNs (a progression), and at least num_msisdns of them a day on average, each a row.
      if (rows.length < Math.max(3, p.num_msisdns)) return null;
      // Operators of every row in the window; days and MSISDN-days of the valid MSISDNs, per month.
      let operators = 0;
      const seen = new Map<string, number>();
      const perMsisdnMonth = new Map<string, number>();
      for (const row of rows) {
        const bits = daysIn(row, masks);
        if (bits === 0) continue;
        operators |= 1 << row.operatorId;
        if (!row.msisdnValid) continue;
        seen.set(row.month, (seen.get(row.month) ?? 0) | bits);
        const k = `${row.month}|${row.msisdn}`;
        perMsisdnMonth.set(k, (perMsisdnMonth.get(k) ?? 0) | bits);
      }
      let daysSeen = 0;
      for (const bits of seen.values()) daysSeen += popcount(bits);
      let msisdnDays = 0;
      for (const bits of perMsisdnMonth.values()) msisdnDays += popcount(bits);
      if (popcount(operators) !== 1 || daysSeen === 0 || msisdnDays < p.num_msisdns * daysSeen) return null;
      // The distinct MSISDNs as numbers, each written as its least text, in order.
      const byNumber = new Map<number, string>();
      for (const k of perMsisdnMonth.keys()) {
        const msisdn = k.slice(k.indexOf('|') + 1);
        const n = Number(msisdn);
        const known = byNumber.get(n);
        if (known === undefined || msisdn < known) byNumber.set(n, msisdn);
      }
      const numbers = [...byNumber.keys()].sort((a, b) => a - b);
      if (numbers.length < 3) return null;
      const step = numbers[1] - numbers[0];
      for (let i = 2; i < numbers.length; i++) if (numbers[i] - numbers[i - 1] !== step) return null;
      const codes = operatorCodesOf(operators, rc);
      return {
        operator: codes ? codes[0] : null, days_seen: daysSeen, msisdn_days: msisdnDays, average_msisdns_per_day: round2(msisdnDays, daysSeen),
        num_msisdns: p.num_msisdns, distinct_msisdns: numbers.length, step, window: windowJson(w),
        msisdns: numbers.slice(0, MAX_LISTED).map((n) => byNumber.get(n)!),
      };
    };
  },
});
