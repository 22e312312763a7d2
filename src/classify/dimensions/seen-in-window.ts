/**
 * The IMEIs to consider for dimensions that take an optional `period_days`: every seen IMEI, or
 * only those seen (any subscriber, any operator) in the window.
 */
import { inWindow } from './common.ts';

/**
 * A `WITH` clause giving `candidates(imei_norm, first_seen, last_seen)`: the seen IMEIs,
 * restricted to the window when `windowed` (then $1..$6 are `windowValues`). `scope`: a further
 * condition on the seen IMEIs `s` (`inScope`).
 */
export function seenCandidates(windowed: boolean, scope = ''): string {
  if (!windowed) return `candidates AS (SELECT s.imei_norm, s.first_seen, s.last_seen FROM v_seen_imei s WHERE true${scope})`;
  return `candidates AS (
  SELECT s.imei_norm, s.first_seen, s.last_seen FROM v_seen_imei s
  WHERE s.last_seen >= $1::date AND s.first_seen <= $2::date${scope}
    AND s.imei_norm IN (SELECT t.imei_norm FROM v_triplet t WHERE ${inWindow('t')})
)`;
}
