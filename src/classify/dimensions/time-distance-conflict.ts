/**
 * `time_distance_conflict`: one IMEI in two places farther apart than travel allows. Operator data
 * has days, not times, so a conflict day is a day of the window on which the IMEI was seen in two
 * cells (of any operators) more than `min_distance_km` apart (great-circle, Earth radius 6371 km).
 * A traveller makes one such day when flying; a clone makes them every day: the IMEI matches with
 * at least `min_conflict_days` of them. Cells missing from the cell list are ignored.
 *
 * Everything that decides a day depends on that day's cells only, so runs keep per IMEI and month
 * what they found (`monthCache`): the conflict days, and the distant pairs in the order evidence
 * picks them (farthest first, then by cell names), each kept only while it covers a day no pair
 * before it does (whatever the window, the pair evidence names is then kept, with its days in the
 * window). A run computes the days it has not seen, or whose data changed, and reads the rest.
 */
import { z } from 'zod';
import { lookbackWindow, type DimensionContext, type SqlQuery } from '../dimension.ts';
import { defineDimension, inScope, inWindow, maskOf, WINDOW_JSON, windowBits, windowValues } from './common.ts';

export const EARTH_RADIUS_KM = 6371;

/**
 * CTEs `cells` .. `placed`: per IMEI and month, the cells (C order) seen on days it was in two or
 * more cells, with those days (`bits`) and their coordinates, from the location rows `rows` (a
 * FROM and WHERE over `v_location l`) with their day bits `bits`.
 */
function placedCells(rows: string, bits: string): string {
  return `
cells AS (
  SELECT l.imei_norm COLLATE "C" AS imei_norm, l.month, l.cell_id COLLATE "C" AS cell_id, bit_or(${bits}) AS bits
  ${rows}
  GROUP BY 1, 2, 3 ORDER BY 1, 2, 3 OFFSET 0
),
-- Only the days in two or more cells can conflict (a day also seen in an earlier cell of the
-- month), and only the cells seen on those days, kept with those days only: a phone reported in
-- one cell a day, however far it travels, is dropped here without pairing.
overlapping AS (
  SELECT imei_norm, month, cell_id, bits & multi AS bits FROM (
    SELECT *, bit_or(bits & earlier) OVER (PARTITION BY imei_norm, month) AS multi FROM (
      SELECT *, coalesce(bit_or(bits) OVER (PARTITION BY imei_norm, month ORDER BY cell_id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS earlier
      FROM cells
    ) c
  ) m
  WHERE bits & multi <> 0
),
placed AS (
  SELECT o.imei_norm, o.month, o.cell_id, o.bits, k.lat, k.lon, cos(radians(k.lat)) AS cos_lat
  FROM overlapping o JOIN v_cell k ON k.cell_id = o.cell_id
)`;
}

/** The great-circle distance (km) between placed cells `a` and `b`. */
const KM = `2 * ${EARTH_RADIUS_KM} * asin(least(1, sqrt(
             power(sin(radians(b.lat - a.lat) / 2), 2) + a.cos_lat * b.cos_lat * power(sin(radians(b.lon - a.lon) / 2), 2))))`;

/**
 * CTEs `cells` .. `far`: the pairs of cells farther apart than `km` (a parameter) kilometres (as
 * `cell_a` < `cell_b`, C order) seen the same days (`bits`), per IMEI and month.
 */
function farPairs(rows: string, bits: string, km = '$7'): string {
  return `${placedCells(rows, bits)},
-- Pairs of cells seen on a same day.
far AS MATERIALIZED (
  SELECT * FROM (
    SELECT a.imei_norm, a.month, a.cell_id AS cell_a, b.cell_id AS cell_b, a.bits & b.bits AS bits, ${KM} AS km
    FROM placed a JOIN placed b ON b.imei_norm = a.imei_norm AND b.month = a.month
    WHERE a.bits & b.bits <> 0 AND b.cell_id > a.cell_id
  ) p
  WHERE km > ${km}::float8
)`;
}

/** The evidence of the pair `w` (`bits`: its days in the window). */
const worstJson = (w: string) =>
  `jsonb_build_object('cell_a', ${w}.cell_a, 'cell_b', ${w}.cell_b, 'km', round(${w}.km::numeric, 1), 'day', ${w}.month + obs_bit_count((${w}.bits & -${w}.bits) - 1))`;

/** The match and its evidence, from `monthly (imei_norm, month, days, km, worst)`. */
const MATCHES = `
SELECT imei_norm COLLATE "default" AS imei_norm, -- grouped in byte order, returned in the database's
       jsonb_build_object('conflict_days', sum(days), 'min_conflict_days', $8::int, 'min_distance_km', $7::float8, 'window', ${WINDOW_JSON},
                          'worst', (array_agg(worst ORDER BY km DESC, month))[1]) AS evidence
FROM monthly GROUP BY imei_norm HAVING sum(days) >= $8::int`;

const params = z
  .object({
    min_distance_km: z.number().positive().max(20100).default(300),
    min_conflict_days: z.number().int().min(1).default(2),
    period_days: z.number().int().min(1).max(3660).default(30),
  })
  .strict();
type Params = z.infer<typeof params>;

const queryValues = (p: Params, ctx: DimensionContext) => [...windowValues(lookbackWindow(ctx, p.period_days)), p.min_distance_km, p.min_conflict_days];

export const timeDistanceConflict = defineDimension({
  name: 'time_distance_conflict',
  description: 'seen the same day in cells farther apart than `min_distance_km`, on at least `min_conflict_days` days',
  params,
  sql(p, ctx) {
    return {
      text: `
WITH ${farPairs(`FROM v_location l WHERE ${inWindow('l')}${inScope('l', ctx)}`, windowBits('l'))},
-- Per month: the conflict days, and the farthest pair (ties: by cell names) with its first day.
monthly AS (
  SELECT d.imei_norm, d.month, d.days, w.km, ${worstJson('w')} AS worst
  FROM (SELECT imei_norm, month, obs_bit_count(bit_or(bits)) AS days FROM far GROUP BY 1, 2) d
  JOIN (SELECT DISTINCT ON (imei_norm, month) * FROM far ORDER BY imei_norm, month, km DESC, cell_a, cell_b) w
    ON w.imei_norm = d.imei_norm AND w.month = d.month
)${MATCHES}`,
      values: queryValues(p, ctx),
    };
  },
  // A conflict day is a day in two cells: the summary lists those days (v_location_multi).
  screen: (p, ctx) => ({
    text: `SELECT DISTINCT l.imei_norm FROM v_location_multi l WHERE $1::date <= $2::date /* types the window days, unused here */ AND ${inWindow('l')}`,
    values: windowValues(lookbackWindow(ctx, p.period_days)),
  }),
  monthCache: {
    references: ['cell_list'],
    window: (p, ctx) => lookbackWindow(ctx, p.period_days),
    compute(p, days, months): SqlQuery {
      // The pairs of the days to compute, for the devices in two cells on one of them.
      const rows = `FROM v_location l JOIN ${days} d ON d.month = l.month
  WHERE l.month >= '${months.first}'::date AND l.month <= '${months.last}'::date AND l.date_bitmask & d.bits <> 0
    AND l.imei_norm = ANY (ARRAY(SELECT m.imei_norm FROM v_location_multi m JOIN ${days} x ON x.month = m.month WHERE m.date_bitmask & x.bits <> 0))`;
      // Each pair with the days it covers that no pair before it (farthest first) does: the
      // pairs evidence can name, whatever the window (the first pair with a day in a window
      // covers that day first). A later batch only adds days to pairs, or pairs.
      return {
        text: `WITH ${farPairs(rows, 'l.date_bitmask & d.bits', '$1')}
               SELECT imei_norm COLLATE "default" AS imei_norm, month, cell_a COLLATE "default" AS cell_a, cell_b COLLATE "default" AS cell_b, km, bits,
                      bits & ~coalesce(bit_or(bits) OVER (PARTITION BY imei_norm, month ORDER BY km DESC, cell_a, cell_b
                                                          ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS adds
               FROM far`,
        values: [p.min_distance_km],
      };
    },
    merge: (key, batch) => [
      {
        text: `INSERT INTO cls_conflict_month AS o (imei_norm, key, month, days)
               SELECT imei_norm, $1, month, bit_or(bits) FROM ${batch} GROUP BY imei_norm, month
               ON CONFLICT (imei_norm, key, month) DO UPDATE SET days = o.days | excluded.days`,
        values: [key],
      },
      {
        text: `INSERT INTO cls_conflict_pair AS o (imei_norm, key, month, cell_a, cell_b, km, bits)
               SELECT imei_norm, $1, month, cell_a, cell_b, km, bits FROM ${batch} WHERE adds <> 0
               ON CONFLICT (imei_norm, key, month, cell_a, cell_b) DO UPDATE SET bits = o.bits | excluded.bits`,
        values: [key],
      },
    ],
    drop: (key, before) =>
      ['cls_conflict_month', 'cls_conflict_pair'].map((t) => ({
        text: `DELETE FROM ${t} WHERE key = $1${before ? ' AND month < $2::date' : ''}`,
        values: before ? [key, before] : [key],
      })),
    fromCache(p, key, ctx) {
      return {
        text: `
WITH monthly AS (
  SELECT m.imei_norm, m.month, obs_bit_count(${maskOf('m.days', 'm')}) AS days, w.km, ${worstJson('w')} AS worst
  FROM cls_conflict_month m
  JOIN (
    SELECT DISTINCT ON (p.imei_norm, p.month) p.imei_norm, p.month, p.cell_a, p.cell_b, p.km, ${maskOf('p.bits', 'p')} AS bits
    FROM cls_conflict_pair p
    WHERE p.key = $9 AND p.month >= $3::date AND p.month <= $5::date AND ${maskOf('p.bits', 'p')} <> 0
    ORDER BY p.imei_norm, p.month, p.km DESC, p.cell_a COLLATE "C", p.cell_b COLLATE "C"
  ) w ON w.imei_norm = m.imei_norm AND w.month = m.month
  WHERE m.key = $9 AND m.month >= $3::date AND m.month <= $5::date
)${MATCHES}`,
        values: [...queryValues(p, ctx), key],
      };
    },
  },
});
