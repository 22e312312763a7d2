/**
 * Radio capability of a model from its GSMA `Bands` text (the DIRBS rule, extended with 5G).
 * Capability is a bitmask so that a model's TACs can be OR-ed together.
 */
export const RAT = { G2: 1, G3: 2, G4: 4, G5: 8 } as const;

const RULES: [RegExp, number][] = [
  [/LTE|CA_|DC_|WiMAX|\bUMB\b/i, RAT.G4],
  [/WCDMA|HSPA|UMTS|EVDO|CDMA2000|TD-SCDMA/i, RAT.G3],
  [/GSM|GPRS|EDGE|(^|[^A-Za-z0-9])CDMA([^A-Za-z0-9]|$)/i, RAT.G2],
  [/(^|[^A-Za-z0-9])NR([^A-Za-z]|$)/, RAT.G5],
];

export function ratMaskFromBands(bands: string | null, bands5g: string | null): number {
  let mask = 0;
  if (bands) for (const [re, bit] of RULES) if (re.test(bands)) mask |= bit;
  if (bands5g && bands5g.trim() !== '') mask |= RAT.G5;
  return mask;
}

export function ratNames(mask: number): string[] {
  return (['2G', '3G', '4G', '5G'] as const).filter((_, i) => mask & (1 << i));
}
