/**
 * `time_distance_conflict`: one IMEI in two places farther apart than travel allows. Operator data
 * has days, not times, so a conflict day is a day of the window on which the IMEI was seen in two
 * cells (of any operators) more than `min_distance_km` apart (great-circle, Earth radius 6371 km).
 * A traveller makes one such day when flying; a clone makes them every day: the IMEI matches with
 * at least `min_conflict_days` of them. Cells missing from the cell list are ignored.
 */
import { z } from 'zod';
import { lookbackWindow } from '../dimension.ts';
import { defineDimension, inWindow, WINDOW_JSON, windowBits, windowValues } from './common.ts';

export const EARTH_RADIUS_KM = 6371;

export const timeDistanceConflict = defineDimension({
  name: 'time_distance_conflict',
  description: 'seen the same day in cells farther apart than `min_distance_km`, on at least `min_conflict_days` days',
  params: z
    .object({
      min_distance_km: z.number().positive().max(20100).default(300),
      min_conflict_days: z.number().int().min(1).default(2),
      period_days: z.number().int().min(1).max(3660).default(30),
    })
    .strict(),
  sql(p, ctx) {
    return {
      text: `
WITH cells AS (
  SELECT l.imei_norm COLLATE "C" AS imei_norm, l.month, l.cell_id COLLATE "C" AS cell_id, bit_or(${windowBits('l')}) AS bits
  FROM v_location l WHERE ${inWindow('l')}
  GROUP BY 1, 2, 3 ORDER BY 1, 2, 3 OFFSET 0
),
-- Only the months in which some day has two cells (cell-days outnumber days) can conflict: a
-- phone reported in one cell a day, however far it travels, is dropped here without pairing.
overlapping AS (
  SELECT imei_norm, month, cell_id, bits FROM (
    SELECT *, sum(obs_bit_count(bits)) OVER w AS cell_days, bit_or(bits) OVER w AS days
    FROM cells WINDOW w AS (PARTITION BY imei_norm, month)
  ) c
  WHERE cell_days > obs_bit_count(days)
),
placed AS (
  SELECT o.imei_norm, o.month, o.cell_id, o.bits, k.lat, k.lon FROM overlapping o JOIN v_cell k ON k.cell_id = o.cell_id
),
pairs AS (
  SELECT a.imei_norm, a.month, a.cell_id AS cell_a, b.cell_id AS cell_b, a.bits & b.bits AS bits,
         2 * ${EARTH_RADIUS_KM} * asin(least(1, sqrt(
           power(sin(radians(b.lat - a.lat) / 2), 2)
           + cos(radians(a.lat)) * cos(radians(b.lat)) * power(sin(radians(b.lon - a.lon) / 2), 2)))) AS km
  FROM placed a JOIN placed b ON b.imei_norm = a.imei_norm AND b.month = a.month AND b.cell_id > a.cell_id
  WHERE a.bits & b.bits <> 0
),
far AS (SELECT * FROM pairs WHERE km > $7::float8),
monthly AS (
  SELECT imei_norm, month, obs_bit_count(bit_or(bits)) AS days, max(km) AS km,
         (array_agg(jsonb_build_object('cell_a', cell_a, 'cell_b', cell_b, 'km', round(km::numeric, 1),
                                       'day', month + obs_bit_count((bits & -bits) - 1)) ORDER BY km DESC, cell_a, cell_b))[1] AS worst
  FROM far GROUP BY imei_norm, month
)
SELECT imei_norm COLLATE "default" AS imei_norm, -- grouped in byte order, returned in the database's
       jsonb_build_object('conflict_days', sum(days), 'min_conflict_days', $8::int, 'min_distance_km', $7::float8, 'window', ${WINDOW_JSON},
                          'worst', (array_agg(worst ORDER BY km DESC, month))[1]) AS evidence
FROM monthly GROUP BY imei_norm HAVING sum(days) >= $8::int`,
      values: [...windowValues(lookbackWindow(ctx, p.period_days)), p.min_distance_km, p.min_conflict_days],
    };
  },
});
