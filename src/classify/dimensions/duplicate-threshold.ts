/**
 * `duplicate_threshold` (DIRBS): at least `threshold` distinct valid IMSIs (or MSISDNs with
 * `use_msisdn`) seen with the IMEI in the window, on any operator.
 */
import { z } from 'zod';
import { daysIn, monthMasks, operatorCodesOf, validSub, windowJson } from './rows.ts';
import {
  changedIdentifiers, defineDimension, inScope, inWindow, isImsi, isMsisdn, MAX_LISTED, operatorCodes, periodWindow, tripletsOf, WINDOW_JSON, windowValues, withPeriod,
} from './common.ts';

export const duplicateThreshold = defineDimension({
  name: 'duplicate_threshold',
  description: 'at least `threshold` distinct IMSIs (or MSISDNs) with the IMEI in the window',
  params: withPeriod({ threshold: z.number().int().min(1), use_msisdn: z.boolean().default(false) }),
  sql(p, ctx) {
    const col = p.use_msisdn ? 'msisdn' : 'imsi';
    const valid = p.use_msisdn ? isMsisdn('g.sub') : isImsi('g.sub');
    // Distinct pairs in (IMEI, identifier) order, counted as they stream, in one pass; the
    // evidence is built for the matching IMEIs only (the select list is computed after HAVING).
    return {
      text: `
SELECT imei_norm COLLATE "default" AS imei_norm, -- grouped in byte order, returned in the database's
       jsonb_build_object('distinct_${col}s', count(*), 'threshold', $7::int, 'window', ${WINDOW_JSON},
                          '${col}s', (SELECT to_jsonb((array_agg(x ORDER BY x))[1:${MAX_LISTED}]) FROM unnest(array_agg(sub)) AS x),
                          'operators', ${operatorCodes('bit_or(operators)')}) AS evidence
FROM (
  SELECT * FROM (
    SELECT t.imei_norm COLLATE "C" AS imei_norm, t.${col} COLLATE "C" AS sub, bit_or(1 << t.operator_id) AS operators
    FROM ${tripletsOf(ctx)} t WHERE ${inWindow('t')}${inScope('t', ctx)}
    GROUP BY 1, 2 ORDER BY 1, 2 OFFSET 0
  ) g WHERE ${valid}
) p
GROUP BY imei_norm HAVING count(*) >= $7`,
      values: [...windowValues(periodWindow(ctx, p)), p.threshold],
    };
  },
  // Two or more identifiers in the window need another one seen since its first day.
  screen: (p, ctx) => (p.threshold <= 1 ? null : changedIdentifiers(p.use_msisdn ? 'msisdn' : 'imsi', periodWindow(ctx, p))),
  tripletWindow: (p, ctx) => periodWindow(ctx, p),
  onRows(p, ctx) {
    const w = periodWindow(ctx, p);
    const masks = monthMasks(w);
    const col = p.use_msisdn ? 'msisdn' : 'imsi';
    return (rows, rc) => {
      if (rows.length < p.threshold) return null; // a distinct identifier needs a row
      const operators = new Map<string, number>(); // per valid identifier
      for (const row of rows) {
        const sub = validSub(row, col);
        if (sub !== null && daysIn(row, masks)) operators.set(sub, (operators.get(sub) ?? 0) | (1 << row.operatorId));
      }
      if (operators.size < p.threshold) return null;
      let all = 0;
      for (const o of operators.values()) all |= o;
      return {
        [`distinct_${col}s`]: operators.size, threshold: p.threshold, window: windowJson(w),
        [`${col}s`]: [...operators.keys()].sort().slice(0, MAX_LISTED), operators: operatorCodesOf(all, rc),
      };
    };
  },
});
