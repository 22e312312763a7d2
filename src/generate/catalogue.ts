/**
 * A synthetic GSMA TAC catalogue: N device models from realistic manufacturers, each allocated
 * 1-6 TACs (the same manufacturer + model name across several TACs, as in the real database),
 * and its writer in the GSMA pipe-delimited format (modern or legacy header generation).
 */
import { MAKERS, type DeviceType, type Maker, type ProductLine } from './makers.ts';
import { bandText, chooseCapability, radioInterface, type RadioCapability } from './bands.ts';
import { hashString, mix32, type Rng } from './prng.ts';
import { dayOf, dayOfYearStart, gsmaDate } from './format.ts';
import { writeLines } from './sink.ts';

export const NOT_KNOWN = 'Not Known';
export const DEFAULT_MODELS = 3000;
/** Default newest allocation date: catalogues cover ~2005 to early 2026. */
export const DEFAULT_LAST_DAY = dayOf('2026-03-31');

export interface CatalogueModel {
  index: number;
  manufacturer: string;
  brand: string;
  modelName: string;
  marketingName: string;
  deviceType: DeviceType;
  os: string;
  /** Launch year (year of the first TAC allocation). */
  year: number;
  capability: RadioCapability;
  bands: string;
  bands5g: string;
  radioInterface: string;
  /** Y / N / Not Known columns. */
  bluetooth: string;
  nfc: string;
  wlan: string;
  removableUicc: string;
  removableEuicc: string;
  nonRemovableUicc: string;
  nonRemovableEuicc: string;
  simSlots: number;
  /** IMEIs per device: 2 for dual-SIM models (two IMEIs sharing one device_id). */
  imeiQuantity: 1 | 2;
  oem: string;
  lpwan: string;
  organisationId: string;
  /** Relative number of devices of this model in use (for populating a world). */
  popularity: number;
  tacs: CatalogueTac[];
}

export interface CatalogueTac {
  tac: string;
  /** Allocation date as a UTC day number. */
  allocationDay: number;
  model: CatalogueModel;
}

export interface Catalogue {
  models: CatalogueModel[];
  /** All TACs, sorted ascending (the order of the written file). */
  tacs: CatalogueTac[];
  byTac: Map<string, CatalogueTac>;
}

export interface CatalogueOptions {
  /** Number of models (default 3000). */
  models?: number;
  /** Newest allocation date (day number, default 2026-03-31). */
  lastDay?: number;
}

/** Reporting bodies of TACs that are not in the catalogue (counterfeit cases). */
const ANY_BODY: readonly (readonly [string, number])[] = [['35', 50], ['86', 30], ['01', 10], ['99', 7], ['49', 3]];
const TACS_PER_MODEL: readonly (readonly [number, number])[] = [[1, 35], [2, 25], [3, 15], [4, 12], [5, 8], [6, 5]];
const OEMS = ['Wingtech', 'Huaqin', 'Longcheer', 'Foxconn'];

/** Expand a name pattern: `#` digit, `$` non-zero digit, `@` upper-case letter. */
function expand(rng: Rng, pattern: string): string {
  let s = '';
  for (const ch of pattern) {
    if (ch === '#') s += String(rng.int(0, 9));
    else if (ch === '$') s += String(rng.int(1, 9));
    else if (ch === '@') s += String.fromCharCode(65 + rng.int(0, 25));
    else s += ch;
  }
  return s;
}

const yn = (rng: Rng, pYes: number): string => (rng.chance(0.06) ? NOT_KNOWN : rng.chance(pYes) ? 'Y' : 'N');

/** Launch year in [from, to], skewed towards recent years (more models are recent). */
function launchYear(rng: Rng, from: number, to: number): number {
  return from + Math.floor((to - from + 1) * Math.pow(rng.float(), 0.6));
}

function dualSimShare(maker: Maker, type: DeviceType, year: number): number {
  if (type === 'Mobile Phone/Feature phone') return 0.6;
  if (type !== 'Smartphone') return 0;
  if (maker.brand === 'Apple') return year >= 2018 ? 0.8 : 0; // SIM + eSIM
  if (['TECNO', 'Infinix', 'itel'].includes(maker.brand)) return 0.95;
  return year >= 2012 ? 0.65 : 0.2;
}

function makeModel(rng: Rng, index: number, maker: Maker, line: ProductLine, lastYear: number, names: Set<string>): CatalogueModel {
  const year = launchYear(rng, Math.max(maker.from, line.from ?? maker.from), Math.min(maker.to, line.to ?? maker.to, lastYear));
  let modelName = expand(rng, line.model);
  for (let i = 0; names.has(`${maker.manufacturer}|${modelName}`); i++) modelName = i < 20 ? expand(rng, line.model) : `${modelName}${i}`;
  names.add(`${maker.manufacturer}|${modelName}`);
  const cap = chooseCapability(rng, line.type, year);
  const { bands, bands5g } = bandText(rng, cap);
  const phone = line.type === 'Smartphone' || line.type === 'Tablet';
  const dual = rng.chance(dualSimShare(maker, line.type, year));
  const esim = maker.brand === 'Apple' ? year >= 2018 : line.type === 'Wearable' && cap.has4g;
  const age = lastYear - year;
  const decay = line.type === 'Mobile Phone/Feature phone' ? 5 : 3;
  return {
    index,
    manufacturer: maker.manufacturer,
    brand: rng.chance(0.02) ? NOT_KNOWN : maker.brand,
    modelName,
    marketingName: rng.chance(0.04) ? NOT_KNOWN : expand(rng, rng.pick(line.marketing)),
    deviceType: line.type,
    os: rng.chance(0.05) ? NOT_KNOWN : rng.pick(line.os),
    year,
    capability: cap,
    bands,
    bands5g: bands5g || (rng.chance(0.08) ? NOT_KNOWN : ''),
    radioInterface: radioInterface(cap),
    bluetooth: yn(rng, line.type === 'Module' || line.type === 'IoT Device' ? 0.2 : 0.95),
    nfc: yn(rng, phone ? Math.min(0.8, Math.max(0, (year - 2011) / 12)) : 0.05),
    wlan: yn(rng, phone || line.type === 'WLAN Router' ? 0.97 : 0.1),
    removableUicc: yn(rng, line.type === 'Module' || esim ? 0.3 : 0.97),
    removableEuicc: yn(rng, 0.02),
    nonRemovableUicc: yn(rng, line.type === 'Module' ? 0.2 : 0.02),
    nonRemovableEuicc: yn(rng, esim ? 0.95 : 0.05),
    simSlots: dual ? 2 : 1,
    imeiQuantity: dual ? 2 : 1,
    oem: line.os.includes('Android') && maker.brand !== 'Samsung' && rng.chance(0.15) ? rng.pick(OEMS) : NOT_KNOWN,
    lpwan: cap.lpwan ? 'LTE-M,NB-IoT' : rng.chance(0.5) ? NOT_KNOWN : '',
    organisationId: String(100000 + (hashString(maker.manufacturer) % 900000)),
    popularity: maker.popularity * Math.exp(-Math.max(0, age - 1) / decay) * (0.02 + Math.pow(rng.float(), 3)),
    tacs: [],
  };
}

/** Build a catalogue of `models` models (default 3000) and their TACs from the generator. */
export function buildCatalogue(rng: Rng, opts: CatalogueOptions = {}): Catalogue {
  const n = opts.models ?? DEFAULT_MODELS;
  if (!Number.isInteger(n) || n < 1 || n > 200_000) throw new RangeError(`models must be an integer in 1..200000, got ${n}`);
  const lastDay = opts.lastDay ?? DEFAULT_LAST_DAY;
  const lastYear = new Date(lastDay * 86_400_000).getUTCFullYear();
  const lines = MAKERS.flatMap((maker) => {
    const total = maker.lines.reduce((s, l) => s + l.weight, 0);
    return maker.lines
      .filter((l) => (l.from ?? maker.from) <= Math.min(lastYear, l.to ?? maker.to))
      .map((line) => [{ maker, line }, (maker.weight * line.weight) / total] as const);
  });
  const names = new Set<string>();
  const byTac = new Map<string, CatalogueTac>();
  const models: CatalogueModel[] = [];
  for (let i = 0; i < n; i++) {
    const { maker, line } = rng.weighted(lines);
    const model = makeModel(rng, i, maker, line, lastYear, names);
    const bodies = Object.entries(maker.bodies);
    let day = Math.min(lastDay, dayOfYearStart(model.year) + rng.int(0, 364));
    for (let k = rng.weighted(TACS_PER_MODEL); k > 0; k--) {
      let tac: string;
      do tac = rng.weighted(bodies) + rng.digits(6);
      while (byTac.has(tac) || inReservedRange(tac));
      const entry: CatalogueTac = { tac, allocationDay: settleAllocation(tac, day, lastDay), model };
      model.tacs.push(entry);
      byTac.set(tac, entry);
      day = Math.min(lastDay, day + rng.int(0, 540));
    }
    models.push(model);
  }
  const tacs = [...byTac.values()].sort((a, b) => (a.tac < b.tac ? -1 : 1));
  return { models, tacs, byTac };
}

/** TACs allocated in the last FRESH_DAYS before the catalogue's last day are rare (FRESH_PERCENT). */
export const FRESH_DAYS = 45;
export const FRESH_PERCENT = 3;

/**
 * The allocation day of a TAC. Drawn dates that fall in the last FRESH_DAYS days (many are
 * clipped to the last day itself) are moved, for all but ~FRESH_PERCENT% of TACs (chosen by a
 * hash of the TAC, so no random draw is added), into the 6 months before that window: devices
 * in use on a day almost always carry TACs allocated well before it, as in the field, while a
 * few freshly allocated TACs remain (new launches, and the "seen before allocation" cases).
 */
function settleAllocation(tac: string, day: number, lastDay: number): number {
  const freshFrom = lastDay - FRESH_DAYS;
  if (day <= freshFrom) return day;
  const h = mix32(hashString(tac));
  return h % 100 < FRESH_PERCENT ? day : freshFrom - ((h >>> 8) % 180);
}

/** True for a TAC in reporting body `00`, which holds the test ranges: never put in the catalogue. */
export function inReservedRange(tac: string): boolean {
  return tac.startsWith('00');
}

/** A test TAC in the shapes of DOMAIN §2: `0010` + 01..17 + 2 digits, or `00` + 44/86/91 + 4 digits. */
export function testTac(rng: Rng): string {
  if (rng.chance(0.5)) return `0010${String(rng.int(1, 17)).padStart(2, '0')}${rng.digits(2)}`;
  return `00${rng.pick(['44', '86', '91'])}${rng.digits(4)}`;
}

/** A plausible TAC (real reporting body, not a test TAC) that is NOT in the catalogue. */
export function unallocatedTac(rng: Rng, catalogue: Catalogue): string {
  for (;;) {
    const tac = rng.weighted(ANY_BODY) + rng.digits(6);
    if (!catalogue.byTac.has(tac)) return tac;
  }
}

export type HeaderGeneration = 'modern' | 'legacy';

export const GSMA_HEADER_MODERN =
  'TAC|Manufacturer (or) Applicant|Model Name|Marketing Name|Brand Name|Allocation Date|Organisation Id|Device Type|' +
  'Bluetooth|NFC|WLAN|Removable UICC|Removable EUICC|NonRemovable UICC|NonRemovable EUICC|Simslot|Imeiquantitysupport|' +
  'Operating System|OEM|LPWAN|Radio Interface|Bands|5G Bands';

/** Older export generation: no 5G column, so 5G bands are folded into `Bands` as `NR BAND nX`. */
export const GSMA_HEADER_LEGACY =
  'TAC|Manufacturer|Model Name|Bands|Allocation Date|Device Type|Marketing Name|Brand Name|Radio Interface|Operating System|NFC|Bluetooth|WLAN';

function legacyBands(m: CatalogueModel): string {
  if (!m.capability.has5g) return m.bands;
  return [m.bands, ...m.bands5g.split(',').map((b) => `NR BAND ${b}`)].join(',');
}

/** The data lines (with newline) of the catalogue file, in TAC order. */
export function* catalogueLines(catalogue: Catalogue, generation: HeaderGeneration = 'modern'): Generator<string> {
  for (const { tac, allocationDay, model: m } of catalogue.tacs) {
    const date = gsmaDate(allocationDay);
    const fields =
      generation === 'modern'
        ? [tac, m.manufacturer, m.modelName, m.marketingName, m.brand, date, m.organisationId, m.deviceType,
           m.bluetooth, m.nfc, m.wlan, m.removableUicc, m.removableEuicc, m.nonRemovableUicc, m.nonRemovableEuicc,
           String(m.simSlots), String(m.imeiQuantity), m.os, m.oem, m.lpwan, m.radioInterface, m.bands, m.bands5g]
        : [tac, m.manufacturer, m.modelName, legacyBands(m), date, m.deviceType, m.marketingName, m.brand,
           m.radioInterface, m.os, m.nfc, m.bluetooth, m.wlan];
    yield fields.join('|') + '\n';
  }
}

/** Write the catalogue as a GSMA pipe-delimited file; returns the number of TAC rows. */
export function writeCatalogue(path: string, catalogue: Catalogue, generation: HeaderGeneration = 'modern'): Promise<number> {
  return writeLines(path, generation === 'modern' ? GSMA_HEADER_MODERN : GSMA_HEADER_LEGACY, catalogueLines(catalogue, generation));
}
