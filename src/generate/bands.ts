/**
 * Radio capability of a synthetic model and its GSMA-style band text.
 *
 * The generation a model supports depends on its device type and launch year (feature phones
 * are 2G only; smartphones move from 3G to 4G around 2011-2014 and increasingly add 5G from
 * 2019). The `Bands` text uses the spellings of the GSMA database so the DIRBS band rule of
 * DOMAIN §3 (LTE → 4G, WCDMA → 3G, GSM → 2G, non-empty 5G Bands → 5G) recovers the capability.
 */
import type { Rng } from './prng.ts';
import type { DeviceType } from './makers.ts';

export interface RadioCapability {
  has2g: boolean;
  has3g: boolean;
  has4g: boolean;
  has5g: boolean;
  /** Low-power wide-area IoT (LTE-M / NB-IoT) support. */
  lpwan: boolean;
}

export interface BandText {
  /** GSMA `Bands` column, e.g. `GSM 900,GSM 1800,WCDMA FDD Band I,LTE FDD BAND 3`. */
  bands: string;
  /** GSMA `5G Bands` column, e.g. `n78,n41`; empty when the model has no 5G. */
  bands5g: string;
}

const GSM = ['GSM 850', 'GSM 900', 'GSM 1800', 'GSM 1900'];
const WCDMA = ['WCDMA FDD Band I', 'WCDMA FDD Band II', 'WCDMA FDD Band IV', 'WCDMA FDD Band V', 'WCDMA FDD Band VIII'];
const LTE_FDD = [1, 2, 3, 4, 5, 7, 8, 12, 13, 17, 20, 25, 26, 28, 66];
const LTE_TDD = [38, 39, 40, 41];
const NR = ['n1', 'n3', 'n5', 'n7', 'n8', 'n20', 'n28', 'n38', 'n40', 'n41', 'n77', 'n78', 'n79'];

/** Ramp from 0 at year `a` to `max` at year `b`. */
function ramp(year: number, a: number, b: number, max = 1): number {
  if (year <= a) return 0;
  if (year >= b) return max;
  return (max * (year - a)) / (b - a);
}

/** Draw the radio capability of a model of this type launched in this year. */
export function chooseCapability(rng: Rng, type: DeviceType, year: number): RadioCapability {
  const cap: RadioCapability = { has2g: true, has3g: false, has4g: false, has5g: false, lpwan: false };
  switch (type) {
    case 'Mobile Phone/Feature phone':
      return cap; // 2G only
    case 'Smartphone':
    case 'Tablet':
      cap.has3g = true;
      cap.has4g = rng.chance(ramp(year, 2010, 2016, 0.97));
      cap.has5g = cap.has4g && rng.chance(ramp(year, 2018, 2025, 0.7));
      return cap;
    case 'Wearable':
      cap.has3g = year >= 2012 && rng.chance(0.5);
      cap.has4g = rng.chance(ramp(year, 2015, 2020, 0.9));
      return cap;
    case 'Modem':
    case 'Dongle':
    case 'WLAN Router':
      cap.has3g = true;
      cap.has4g = rng.chance(ramp(year, 2009, 2014, 0.95));
      cap.has5g = cap.has4g && type !== 'Dongle' && rng.chance(ramp(year, 2019, 2025, 0.5));
      return cap;
    case 'Module':
    case 'IoT Device':
      cap.has3g = type === 'Module' && rng.chance(ramp(year, 2007, 2012, 0.6));
      cap.has4g = rng.chance(ramp(year, 2012, 2019, 0.85));
      cap.lpwan = cap.has4g && year >= 2017 && rng.chance(0.6);
      cap.has2g = !cap.lpwan || rng.chance(0.5); // many LPWAN modules have no 2G fallback
      cap.has5g = type === 'Module' && cap.has4g && !cap.lpwan && rng.chance(ramp(year, 2020, 2026, 0.3));
      return cap;
  }
}

/** A sorted random subset of `items` with between min and max elements. */
function subset<T>(rng: Rng, items: readonly T[], min: number, max: number): T[] {
  const n = rng.int(min, Math.min(max, items.length));
  const idx = rng.shuffle(items.map((_, i) => i)).slice(0, n).sort((a, b) => a - b);
  return idx.map((i) => items[i]);
}

/** GSMA-style band text for a capability. */
export function bandText(rng: Rng, cap: RadioCapability): BandText {
  const parts: string[] = [];
  if (cap.has2g) parts.push(...(rng.chance(0.6) ? GSM : subset(rng, GSM, 2, 4)));
  if (cap.has3g) parts.push(...subset(rng, WCDMA, 2, 5));
  if (cap.has4g) {
    parts.push(...subset(rng, LTE_FDD, cap.lpwan ? 3 : 4, 12).map((b) => `LTE FDD BAND ${b}`));
    if (!cap.lpwan && rng.chance(0.6)) parts.push(...subset(rng, LTE_TDD, 1, 4).map((b) => `LTE TDD BAND ${b}`));
  }
  const bands5g = cap.has5g ? subset(rng, NR, 2, 8).join(',') : '';
  return { bands: parts.join(','), bands5g };
}

/** GSMA `Radio Interface` text, e.g. `GSM,WCDMA,LTE,NR`. */
export function radioInterface(cap: RadioCapability): string {
  const t: string[] = [];
  if (cap.has2g) t.push('GSM');
  if (cap.has3g) t.push('WCDMA');
  if (cap.has4g) t.push(cap.lpwan ? 'LTE,LTE-M,NB-IoT' : 'LTE');
  if (cap.has5g) t.push('NR');
  return t.join(',');
}

/** Registration-list `radio_interface` text, e.g. `2G/3G/4G` (no comma: plain CSV field). */
export function generations(cap: RadioCapability): string {
  const g: string[] = [];
  if (cap.has2g) g.push('2G');
  if (cap.has3g) g.push('3G');
  if (cap.has4g) g.push('4G');
  if (cap.has5g) g.push('5G');
  return g.join('/');
}
