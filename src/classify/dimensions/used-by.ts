/**
 * The three DIRBS "used by" dimensions (one file each) share one query: the IMEI was seen in the last
 * `lookback_days` days with a valid IMSI of some kind (home subscriber of a participating
 * operator, foreign roamer, or national IMSI of no participating operator).
 */
import { z } from 'zod';
import type { CountryProfile } from '../../config/profile.ts';
import { lookbackWindow, type Dimension } from '../dimension.ts';
import { daysIn, monthMasks, operatorCodesOf, windowJson } from './rows.ts';
import { changedIdentifiers, defineDimension, inScope, inWindow, isImsi, MAX_LISTED, operatorCodes, tripletsOf, WINDOW_JSON, windowValues } from './common.ts';

const params = z.object({ lookback_days: z.number().int().min(1).max(3660).default(30) }).strict();
type Params = z.infer<typeof params>;

/** `LIKE` patterns of the participating operators' MCC+MNC prefixes (digits only: nothing to escape). */
export const operatorPrefixes = (profile: CountryProfile): string[] => profile.operators.flatMap((o) => o.mcc_mnc.map((p) => `${p}%`));

/** An IMSI of a participating operator (under one of their MCC+MNCs), in memory. */
export const ofOperator = (profile: CountryProfile, imsi: string): boolean => profile.operators.some((o) => o.mcc_mnc.some((p) => imsi.startsWith(p)));

interface ImsiFilter {
  /**
   * Condition on `t.imsi` decided by its first 6 digits (the country's MCCs, operators' MCC+MNC),
   * its own parameters numbered from `first`.
   */
  condition: (first: number) => string;
  values: unknown[];
  /** The same condition on a valid IMSI, in memory (`Dimension.onRows`). */
  test: (imsi: string) => boolean;
}

/**
 * A dimension matching IMEIs seen in the lookback window with a valid IMSI passing `filter`.
 * With `screened`, runs look only at the IMEIs whose current IMSI's prefix passes the filter,
 * and those whose IMSI changed in the window (for a kind of subscriber most devices are not).
 */
export function usedBy(name: string, description: string, filter: (profile: CountryProfile) => ImsiFilter, screened = true): Dimension<Params> {
  return defineDimension({
    name,
    description,
    params,
    sql(p, ctx) {
      const w = lookbackWindow(ctx, p.lookback_days);
      const f = filter(ctx.profile);
      return {
        text: `
WITH pairs AS (
  SELECT t.imei_norm COLLATE "C" AS imei_norm, t.imsi COLLATE "C" AS imsi, bit_or(1 << t.operator_id) AS operators
  FROM ${tripletsOf(ctx)} t WHERE ${inWindow('t')}${screened ? ` AND ${f.condition(7)}` : ''}${inScope('t', ctx)}
  GROUP BY 1, 2 ORDER BY 1, 2
  -- IMSIs are checked on distinct pairs, not on every row; sorted, IMEIs aggregate as they stream.
  -- (A kind of subscriber few devices are is told by prefix on every row first: most rows go.)
  OFFSET 0
)
SELECT imei_norm COLLATE "default" AS imei_norm, -- grouped in byte order, returned in the database's
       jsonb_build_object('distinct_imsis', count(*), 'imsis', to_jsonb((array_agg(imsi ORDER BY imsi))[1:${MAX_LISTED}]),
                          'operators', ${operatorCodes('bit_or(operators)')}, 'window', ${WINDOW_JSON}) AS evidence
FROM pairs t WHERE ${isImsi('t.imsi')}${screened ? '' : ` AND ${f.condition(7)}`}
GROUP BY imei_norm`,
        values: [...windowValues(w), ...f.values],
      };
    },
    screen(p, ctx) {
      if (!screened) return null;
      const f = filter(ctx.profile);
      const changed = changedIdentifiers('imsi', lookbackWindow(ctx, p.lookback_days));
      // A valid IMSI is digits: its 6-digit prefix passes the filter, and it lies in
      // [prefix, prefix || ':') in byte order (':' follows '9'): one index range per prefix
      // (OFFSET 0 keeps it so: flattened, a planner may pair every device with every prefix).
      return {
        text: `
${changed.text}
UNION
SELECT x.imei_norm
FROM (SELECT t.imsi AS prefix FROM (SELECT prefix AS imsi FROM v_imsi_prefix) t WHERE ${f.condition(2)}) p
CROSS JOIN LATERAL (
  SELECT i.imei_norm FROM v_imei_ident i WHERE i.imsi COLLATE "C" >= p.prefix AND i.imsi COLLATE "C" < p.prefix || ':' OFFSET 0
) x`,
        values: [...changed.values, ...f.values],
      };
    },
    tripletWindow: (p, ctx) => lookbackWindow(ctx, p.lookback_days),
    onRows(p, ctx) {
      const w = lookbackWindow(ctx, p.lookback_days);
      const masks = monthMasks(w);
      const f = filter(ctx.profile);
      return (rows, rc) => {
        const operators = new Map<string, number>(); // per IMSI of that kind
        for (const row of rows) {
          if (row.imsiValid && f.test(row.imsi!) && daysIn(row, masks)) operators.set(row.imsi!, (operators.get(row.imsi!) ?? 0) | (1 << row.operatorId));
        }
        if (!operators.size) return null;
        let all = 0;
        for (const o of operators.values()) all |= o;
        return {
          distinct_imsis: operators.size, imsis: [...operators.keys()].sort().slice(0, MAX_LISTED), operators: operatorCodesOf(all, rc), window: windowJson(w),
        };
      };
    },
  });
}
