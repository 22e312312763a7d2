/**
 * What the triplet rules share in memory (`Dimension.onRows`): the window's day masks, the
 * identifier checks, and evidence values as SQL gives them (numbers of a fixed scale, operator
 * codes in SQL's order, identifiers in byte order).
 */
import type { RowContext, TripletRow } from '../dimension.ts';
import { windowMask, windowMonths, type Window } from './common.ts';

/** The day bits of each month of the window; a month outside it has none. */
export function monthMasks(w: Window): Map<string, number> {
  return new Map(windowMonths(w).map((m) => [m, windowMask(m, w)]));
}

/** The days of a row inside the window (`windowBits` of SQL); none (0) when it is outside (`inWindow`). */
export const daysIn = (row: TripletRow, masks: Map<string, number>): number => row.bits & (masks.get(row.month) ?? 0);

/** How many bits are set (`obs_bit_count`). */
export function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** A valid IMSI: 14 or 15 digits (`isImsi`). */
export const isImsiValue = (s: string | null): s is string => s !== null && /^[0-9]{14,15}$/.test(s);
/** A valid MSISDN: 1 to 15 digits (`isMsisdn`). */
export const isMsisdnValue = (s: string | null): s is string => s !== null && /^[0-9]{1,15}$/.test(s);

/** The identifier `col` of a row when it is valid, else null. */
export const validSub = (row: TripletRow, col: 'imsi' | 'msisdn'): string | null =>
  col === 'imsi' ? (row.imsiValid ? row.imsi : null) : row.msisdnValid ? row.msisdn : null;

/** A numeric of a fixed scale, written as SQL writes it (`round(x, 2)` gives 2.50, not 2.5). */
export class Decimal {
  constructor(readonly text: string) {}
}

/** `round(a::numeric / b, 2)` of integers a ≥ 0 and b > 0, as SQL gives it (halves away from zero). */
export function round2(a: number, b: number): Decimal {
  const n = 200 * a + b;
  const q = (n - (n % (2 * b))) / (2 * b);
  return new Decimal(`${Math.floor(q / 100)}.${String(q % 100).padStart(2, '0')}`);
}

/** `total >= threshold * days` in decimal arithmetic, as SQL's numeric compares it (not in binary floating point). */
export function atLeastTimes(total: number, threshold: number, days: number): boolean {
  const m = /^(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/i.exec(String(threshold));
  if (!m) throw new Error(`threshold ${threshold} is not a non-negative decimal`);
  const fraction = m[2] ?? '';
  let digits = BigInt(m[1] + fraction);
  let scale = fraction.length - Number(m[3] ?? 0);
  if (scale < 0) {
    digits *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return BigInt(total) * 10n ** BigInt(scale) >= digits * BigInt(days);
}

/** The codes of an operator-id bitmask in SQL's order of codes (`operatorCodes`); null for none. */
export function operatorCodesOf(mask: number, rc: RowContext): string[] | null {
  const codes = rc.operators.filter((o) => (mask & (1 << o.id)) !== 0).map((o) => o.code);
  return codes.length ? codes : null;
}

/** The window as evidence (`WINDOW_JSON`). */
export const windowJson = (w: Window): { from: string; to: string } => ({ from: w.from, to: w.to });

/** Evidence as JSON text, `Decimal`s written as they are. */
export function evidenceText(v: unknown): string {
  if (v instanceof Decimal) return v.text;
  if (Array.isArray(v)) return `[${v.map(evidenceText).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${evidenceText(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}
