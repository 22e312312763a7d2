/**
 * Radio access technology codes of operator files (DOMAIN §4): 3GPP RAT type values, 3GPP2 as
 * 10x. Each code is one bit of a RAT bitmask; each maps to a generation.
 */
export const RAT_CODES = {
  '001': { name: 'UTRAN', generation: '3G' },
  '002': { name: 'GERAN', generation: '2G' },
  '003': { name: 'WLAN', generation: null },
  '004': { name: 'GAN', generation: null },
  '005': { name: 'HSPA Evolution', generation: '3G' },
  '006': { name: 'E-UTRAN', generation: '4G' },
  '007': { name: 'Virtual', generation: null },
  '008': { name: 'NB-IoT', generation: '4G' },
  '009': { name: 'LTE-M', generation: '4G' },
  '010': { name: 'NR', generation: '5G' },
  '101': { name: 'IEEE 802.16e', generation: '4G' },
  '102': { name: 'eHRPD', generation: '3G' },
  '103': { name: 'HRPD', generation: '3G' },
  '104': { name: '1xRTT', generation: '2G' },
  '105': { name: 'UMB', generation: '4G' },
} as const;

export type RatCode = keyof typeof RAT_CODES;
// Explicit order: Object.keys would put the integer-like codes (101..105) first.
const CODES: RatCode[] = ['001', '002', '003', '004', '005', '006', '007', '008', '009', '010', '101', '102', '103', '104', '105'];

/** Bit of each code: `001`..`010` are bits 0..9, `101`..`105` bits 10..14. */
export function ratBit(code: string): number {
  const i = CODES.indexOf(code as RatCode);
  return i < 0 ? 0 : 1 << i;
}

const BIT_BY_CODE = new Map<string, number>(CODES.map((c, i) => [c, 1 << i]));

/**
 * The bitmask of a `|`-joined RAT list, or -1 when a code is unknown. Empty gives 0.
 */
export function ratMask(text: string): number {
  if (text.length === 3) return BIT_BY_CODE.get(text) ?? -1; // the common case: one code
  let mask = 0;
  for (const code of text.split('|')) {
    const bit = BIT_BY_CODE.get(code.trim());
    if (bit === undefined) return -1;
    mask |= bit;
  }
  return mask;
}

export function ratCodes(mask: number): RatCode[] {
  return CODES.filter((_, i) => mask & (1 << i));
}

/** Generations (2G..5G) of a RAT bitmask, as a 4-bit mask in the order of `reference/bands.ts`. */
export function generationMask(ratBitmask: number): number {
  let g = 0;
  CODES.forEach((c, i) => {
    if (!(ratBitmask & (1 << i))) return;
    const gen = RAT_CODES[c].generation;
    if (gen) g |= 1 << (Number(gen[0]) - 2);
  });
  return g;
}
