/**
 * Quality gates of an operator file (DOMAIN §4). Each measures a share of the file's rows (or,
 * for the volume gate, a day's distinct identifiers against the operator's recent average) and
 * compares it with the country profile's limit. One failing gate refuses the whole file.
 */
import type { CountryProfile } from '../config/profile.ts';
import { isoDay } from './days.ts';
import type { ObservationCounts } from './parser.ts';

export type RatioGate = Exclude<keyof CountryProfile['observations']['gates'], 'daily_volume'>;
export type GateName = RatioGate | 'daily_volume';

export const GATE_NAMES: readonly GateName[] = [
  'date_out_of_range', 'null_imei', 'null_imsi', 'null_msisdn', 'null_rat', 'unclean_imei', 'unclean_imsi',
  'unknown_rat', 'foreign_imsi', 'foreign_msisdn', 'other_operator_imsi', 'daily_volume',
];

const DESCRIPTION: Record<GateName, string> = {
  date_out_of_range: 'rows dated outside the file name\'s period or in the future',
  null_imei: 'rows without IMEI',
  null_imsi: 'rows without IMSI',
  null_msisdn: 'rows without MSISDN',
  null_rat: 'rows without RAT',
  unclean_imei: 'IMEIs that are not 14 digits after normalisation',
  unclean_imsi: 'IMSIs that are not 14-15 digits',
  unknown_rat: 'rows with a RAT code outside the known list',
  foreign_imsi: 'IMSIs outside the country\'s MCCs',
  foreign_msisdn: 'MSISDNs outside the country\'s calling codes',
  other_operator_imsi: 'IMSIs outside this operator\'s MCC+MNC',
  daily_volume: 'the lowest day\'s distinct IMEIs/IMSIs/MSISDNs as a share of the operator\'s recent daily average',
};

export interface GateResult {
  gate: GateName;
  description: string;
  /** The measured value: a share of rows, or (volume) a share of the recent average; null if not measurable. */
  value: number | null;
  /** For ratio gates the largest share allowed; for the volume gate the smallest. */
  limit: number;
  passed: boolean;
  disabled: boolean;
  detail?: string;
}

/** Recent daily averages of the operator, for the volume gate (null when it has no history). */
export interface VolumeHistory {
  days: number;
  imei: number;
  imsi: number;
  msisdn: number;
}

export function evaluateGates(
  counts: ObservationCounts,
  profile: CountryProfile,
  history: VolumeHistory | null,
  disabled: ReadonlySet<string>,
  /** The days (numbers) the file must cover: its period up to today. */
  days?: { start: number; end: number },
): GateResult[] {
  const limits = profile.observations.gates;
  const out: GateResult[] = [];
  for (const gate of GATE_NAMES) {
    if (gate === 'daily_volume') continue;
    const value = counts.rows ? counts[gate] / counts.rows : 0;
    const off = disabled.has(gate);
    out.push({ gate, description: DESCRIPTION[gate], value, limit: limits[gate], passed: off || value <= limits[gate], disabled: off });
  }
  out.push(volumeGate(counts, limits.daily_volume, history, disabled.has('daily_volume'), days));
  return out;
}

function volumeGate(counts: ObservationCounts, limit: number, history: VolumeHistory | null, off: boolean, days?: { start: number; end: number }): GateResult {
  const base = { gate: 'daily_volume' as const, description: DESCRIPTION.daily_volume, limit, disabled: off };
  if (!history) return { ...base, value: null, passed: true, detail: 'no recent history for this operator: nothing to compare with' };
  let worst = Infinity;
  let detail = '';
  // A day of the period without any row is the emptiest partial dump (an export that stopped at midnight).
  for (let day = days?.start ?? 0; days && day <= days.end && history.imei > 0; day++) {
    if (counts.days.has(day)) continue;
    worst = 0;
    detail = `${isoDay(day)}: no rows at all, against a recent average of ${Math.round(history.imei)} distinct IMEIs over ${history.days} days`;
    break;
  }
  if (worst === Infinity && counts.days.size === 0) return { ...base, value: null, passed: true, detail: 'no rows' };
  for (const [day, v] of counts.days) {
    for (const k of ['imei', 'imsi', 'msisdn'] as const) {
      if (history[k] <= 0) continue;
      const share = v[k].estimate() / history[k];
      if (share < worst) {
        worst = share;
        detail = `${isoDay(day)}: about ${v[k].estimate()} distinct ${k.toUpperCase()}s against a recent average of ${Math.round(history[k])} over ${history.days} days`;
      }
    }
  }
  if (worst === Infinity) return { ...base, value: null, passed: true, detail: 'no history of distinct identifiers' };
  return { ...base, value: worst, passed: off || worst >= limit, detail };
}

export function formatGate(g: GateResult): string {
  const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
  const value = g.value === null ? 'n/a' : pct(g.value);
  const cmp = g.gate === 'daily_volume' ? `>= ${pct(g.limit)}` : `<= ${pct(g.limit)}`;
  const state = g.disabled ? 'DISABLED' : g.passed ? 'ok' : 'FAILED';
  return `${state.padEnd(8)} ${g.gate.padEnd(20)} ${value.padStart(8)} (limit ${cmp}) ${g.description}${g.detail ? `; ${g.detail}` : ''}`;
}
