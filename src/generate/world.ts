/**
 * The model of a synthetic country: its TAC catalogue, the devices in use (each of a catalogue
 * model, one or two IMEIs) and the subscribers (IMSI routed to an operator by the profile's
 * MCC+MNC prefixes, MSISDN under a country calling code, national ID) with the devices they use.
 *
 * Reference lists are drawn from it now; observation generators can reuse it later: take
 * `world.rng.fork('<purpose>')` for a new, independent random stream so that the reference
 * files of a seed never change when new generators are added.
 */
import type { CountryProfile, Operator } from '../config/profile.ts';
import { luhnCheckDigit } from '../identity/luhn.ts';
import { buildCatalogue, DEFAULT_LAST_DAY, type Catalogue, type CatalogueModel } from './catalogue.ts';
import { PERSONAL_TYPES } from './makers.ts';
import { Rng, WeightedTable } from './prng.ts';
import { dayOf, deviceIdOf } from './format.ts';

export const DEFAULT_SUBSCRIBERS = 2000;

export interface Device {
  index: number;
  /** `DEV000123`: groups the IMEIs of one multi-SIM device in the registration list. */
  deviceId: string;
  model: CatalogueModel;
  tac: string;
  /** 15-digit IMEIs with a correct Luhn check digit; two for a dual-SIM device. */
  imeis: string[];
  /** Carried by a person (phone, tablet, watch) rather than machine-to-machine. */
  personal: boolean;
}

export interface Subscriber {
  index: number;
  imsi: string;
  msisdn: string;
  operator: Operator;
  /** National ID of the holder; undefined when the SIM is not registered to one. */
  uid: string | undefined;
  /** Indexes into `world.devices`; the first is the main device. */
  devices: number[];
}

export interface World {
  seed: number;
  profile: CountryProfile;
  /** The "today" of the synthetic country (UTC day number). */
  asOfDay: number;
  catalogue: Catalogue;
  devices: Device[];
  subscribers: Subscriber[];
  /** Root generator: fork it per purpose; never draw from it directly. */
  rng: Rng;
}

export interface WorldOptions {
  profile: CountryProfile;
  seed?: number;
  /** Number of subscribers (default 2000). */
  subscribers?: number;
  /** Number of catalogue models (default 3000). */
  models?: number;
  /** The country's "today", `YYYY-MM-DD` (default 2026-03-31). */
  asOf?: string;
}

/** Allocates unique identifiers drawn from a generator. */
class UniqueDraw {
  private readonly seen = new Set<string>();
  constructor(private readonly draw: () => string) {}
  next(): string {
    let v: string;
    do v = this.draw();
    while (this.seen.has(v));
    this.seen.add(v);
    return v;
  }
}

/** Sampler of catalogue models by popularity, restricted to personal or M2M types. */
function modelTable(models: CatalogueModel[], personal: boolean): { models: CatalogueModel[]; table: WeightedTable } {
  let pool = models.filter((m) => PERSONAL_TYPES.includes(m.deviceType) === personal);
  if (pool.length === 0) pool = models; // tiny catalogues
  return { models: pool, table: new WeightedTable(pool.map((m) => m.popularity)) };
}

export function buildWorld(opts: WorldOptions): World {
  const seed = opts.seed ?? 1;
  const root = Rng.fromSeed(seed);
  const asOfDay = opts.asOf ? dayOf(opts.asOf) : DEFAULT_LAST_DAY;
  const catalogue = buildCatalogue(root.fork('catalogue'), { models: opts.models, lastDay: asOfDay });
  const n = opts.subscribers ?? DEFAULT_SUBSCRIBERS;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`subscribers must be a positive integer, got ${n}`);

  const rng = root.fork('population');
  const { profile } = opts;
  const devices: Device[] = [];
  const keys = new Set<number>(); // 14-digit TAC+SNR keys in use
  const personalModels = modelTable(catalogue.models, true);
  const m2mModels = modelTable(catalogue.models, false);

  const imeiOf = (tac: string, snr: number): string => {
    const d14 = tac + String(snr).padStart(6, '0');
    return d14 + luhnCheckDigit(d14);
  };
  const freshSnr = (tac: string): number => {
    let snr: number;
    do snr = rng.int(0, 999_999);
    while (keys.has(Number(tac) * 1e6 + snr));
    return snr;
  };
  const newDevice = (personal: boolean): number => {
    const pool = personal ? personalModels : m2mModels;
    const model = pool.models[pool.table.sample(rng)];
    const tac = rng.pick(model.tacs).tac;
    const snr = freshSnr(tac);
    keys.add(Number(tac) * 1e6 + snr);
    const imeis = [imeiOf(tac, snr)];
    if (model.imeiQuantity === 2) {
      // Second IMEI: usually the next serial of the same TAC, as manufacturers allocate them.
      const snr2 = snr < 999_999 && !keys.has(Number(tac) * 1e6 + snr + 1) ? snr + 1 : freshSnr(tac);
      keys.add(Number(tac) * 1e6 + snr2);
      imeis.push(imeiOf(tac, snr2));
    }
    const index = devices.length;
    devices.push({ index, deviceId: deviceIdOf(index + 1), model, tac, imeis, personal });
    return index;
  };

  // Operators: the first listed is the largest (market share ∝ 1/(i+1)^0.8).
  const operators = profile.operators.map((op, i) => [op, 1 / Math.pow(i + 1, 0.8)] as const);
  const current = { operator: profile.operators[0] }; // the operator of the subscriber being drawn
  const imsis = new UniqueDraw(() => {
    const prefix = rng.pick(current.operator.mcc_mnc);
    return prefix + rng.digits(15 - prefix.length);
  });
  const msisdns = new UniqueDraw(() => {
    const cc = rng.chance(0.9) ? profile.country.calling_codes[0] : rng.pick(profile.country.calling_codes);
    const len = Math.min(9, 15 - cc.length);
    return cc + String((profile.operators.indexOf(current.operator) % 9) + 1) + rng.digits(len - 1);
  });
  const uids = new UniqueDraw(() => String(rng.int(1, 9)) + rng.digits(9));
  const companies = Array.from({ length: Math.max(1, Math.round(n / 200)) }, () => uids.next());

  const subscribers: Subscriber[] = [];
  for (let i = 0; i < n; i++) {
    current.operator = rng.weighted(operators);
    const imsi = imsis.next();
    const msisdn = msisdns.next();
    const prev = subscribers[i - 1];
    const sub: Subscriber = { index: i, imsi, msisdn, operator: current.operator, uid: undefined, devices: [] };
    if (rng.chance(0.08)) {
      // Machine-to-machine SIM: a module, router, tracker...; half belong to a registered company.
      sub.uid = rng.chance(0.5) ? rng.pick(companies) : undefined;
      sub.devices.push(newDevice(false));
    } else if (prev && prev.uid && devices[prev.devices[0]].personal && rng.chance(0.12)) {
      // The previous person's second SIM, often in the same dual-SIM phone.
      sub.uid = prev.uid;
      const main = devices[prev.devices[0]];
      sub.devices.push(main.imeis.length === 2 && rng.chance(0.6) ? main.index : newDevice(true));
    } else {
      sub.uid = rng.chance(0.92) ? uids.next() : undefined;
      sub.devices.push(newDevice(true));
      if (rng.chance(0.1)) sub.devices.push(newDevice(true)); // an older or spare phone
    }
    subscribers.push(sub);
  }
  return { seed, profile, asOfDay, catalogue, devices, subscribers, rng: root };
}
