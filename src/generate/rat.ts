/**
 * Radio access technology codes of operator observation files (DOMAIN §4) and the daily RAT
 * lists a device of a given radio capability shows: a 4G phone is mostly on E-UTRAN (`006`),
 * sometimes falls back to UTRAN (`001`) or GERAN (`002`) the same day; a 5G phone adds NR
 * (`010`); an LPWAN module stays on LTE-M (`009`) or NB-IoT (`008`). Lists are `|`-joined in
 * ascending code order. A table is sampled with a uniform 32-bit number, so callers can draw
 * from a hash instead of a stateful generator.
 */
import type { RadioCapability } from './bands.ts';

/** RAT code → the generation it belongs to (0: not a cellular generation: WLAN, GAN, virtual). */
export const RAT_GENERATION: Readonly<Record<string, 0 | 2 | 3 | 4 | 5>> = {
  '001': 3, // UTRAN
  '002': 2, // GERAN
  '003': 0, // WLAN
  '004': 0, // GAN
  '005': 3, // HSPA Evolution
  '006': 4, // E-UTRAN
  '007': 0, // Virtual
  '008': 4, // NB-IoT
  '009': 4, // LTE-M
  '010': 5, // NR
  '101': 4, // IEEE 802.16e
  '102': 3, // eHRPD
  '103': 3, // HRPD
  '104': 2, // 1xRTT
  '105': 4, // UMB
};

export const RAT_CODES: readonly string[] = Object.keys(RAT_GENERATION);

/** True when a device of this capability can use this RAT code. */
export function capabilityAllows(cap: RadioCapability, code: string): boolean {
  switch (RAT_GENERATION[code]) {
    case 2:
      return cap.has2g;
    case 3:
      return cap.has3g;
    case 4:
      return code === '008' || code === '009' ? cap.lpwan : cap.has4g;
    case 5:
      return cap.has5g;
    default:
      return false;
  }
}

/** A weighted set of daily RAT lists, sampled with one uniform 32-bit number. */
export class RatTable {
  private readonly lists: string[];
  private readonly cum: Float64Array;

  constructor(entries: readonly (readonly [string, number])[]) {
    if (entries.length === 0) throw new RangeError('RatTable needs at least one entry');
    this.lists = entries.map((e) => e[0]);
    this.cum = new Float64Array(entries.length);
    const total = entries.reduce((s, e) => s + e[1], 0);
    let acc = 0;
    entries.forEach(([, w], i) => {
      acc += w;
      this.cum[i] = (acc / total) * 0x1_0000_0000;
    });
    this.cum[entries.length - 1] = 0x1_0000_0000;
  }

  /** The list for a uniform 32-bit unsigned integer. */
  pick(u32: number): string {
    return this.lists[this.pickIndex(u32)];
  }

  /** Index in `all` of the list for a uniform 32-bit unsigned integer. */
  pickIndex(u32: number): number {
    const c = this.cum;
    let i = 0;
    while (u32 >= c[i]) i++;
    return i;
  }

  /** Every list this table can return. */
  get all(): readonly string[] {
    return this.lists;
  }
}

/** Daily RAT lists by the device's best generation (weights are relative). */
const BY_TOP: Record<2 | 3 | 4 | 5, readonly (readonly [string, number])[]> = {
  5: [['006|010', 45], ['006', 33], ['010', 6], ['001|006|010', 4], ['001|006', 4], ['002|006', 3], ['002|006|010', 2], ['005|006', 1], ['001', 1], ['002', 1]],
  4: [['006', 78], ['001|006', 9], ['002|006', 6], ['001', 3], ['002', 2], ['005|006', 2]],
  3: [['001', 70], ['001|002', 15], ['002', 8], ['005', 5], ['001|005', 2]],
  2: [['002', 100]],
};

/** How an LPWAN module attaches: LTE-M or NB-IoT. */
export type LpwanMode = 'lte-m' | 'nb-iot';

/** Lists a 4G/5G-incapable model must never show: used to inject `inconsistent_rat`. */
const INCONSISTENT: readonly (readonly [string, number])[] = [['006', 60], ['002|006', 25], ['001|006', 15]];

const cache = new Map<string, RatTable>();

function allowed(cap: RadioCapability, list: string): boolean {
  return list.split('|').every((c) => capabilityAllows(cap, c));
}

const capKey = (c: RadioCapability): string => `${+c.has2g}${+c.has3g}${+c.has4g}${+c.has5g}${+c.lpwan}`;

/**
 * The daily RAT table of a device of this capability. `lpwan` picks the LPWAN mode of an IoT
 * module (its lists then stay on LTE-M / NB-IoT); `inconsistent` gives a 2G/3G-only model lists
 * that always contain E-UTRAN (006), which it cannot use.
 */
export function ratTable(cap: RadioCapability, opts: { lpwan?: LpwanMode; inconsistent?: boolean } = {}): RatTable {
  const key = `${capKey(cap)}:${opts.lpwan ?? ''}:${opts.inconsistent ? 'x' : ''}`;
  let t = cache.get(key);
  if (t) return t;
  let entries: (readonly [string, number])[];
  if (opts.inconsistent) {
    if (cap.has4g || cap.has5g) throw new RangeError('inconsistent RAT needs a model without 4G/5G');
    entries = INCONSISTENT.filter(([l]) => l.split('|').every((c) => c === '006' || capabilityAllows(cap, c)));
  } else if (opts.lpwan && cap.lpwan) {
    const code = opts.lpwan === 'lte-m' ? '009' : '008';
    entries = [[code, 85], [`${code === '008' ? '006|008' : '006|009'}`, 10], [`002|${code}`, 5]];
    entries = entries.filter(([l]) => allowed(cap, l));
  } else {
    const top = cap.has5g ? 5 : cap.has4g ? 4 : cap.has3g ? 3 : 2;
    entries = BY_TOP[top].filter(([l]) => allowed(cap, l));
    if (entries.length === 0) entries = [[top === 5 ? '010' : top === 4 ? '006' : top === 3 ? '001' : '002', 1]];
  }
  t = new RatTable(entries);
  cache.set(key, t);
  return t;
}
