/**
 * The reference lists of DOMAIN §3, drawn from a World: CSV with the DIRBS column names.
 * Every IMEI is one of the world's devices, 15 digits with a correct Luhn check digit (these
 * lists are uploaded by people). Each list draws from its own forked random stream, so lists
 * can be written in any order, or skipped, without changing the others.
 */
import { generations } from './bands.ts';
import { NOT_KNOWN } from './catalogue.ts';
import { csvLine, yyyymmdd } from './format.ts';
import type { Rng } from './prng.ts';
import type { Device, World } from './world.ts';

export const LIST_HEADERS = {
  registration_list: 'approved_imei,make,model,status,model_number,brand_name,device_type,radio_interface,device_id',
  stolen_list: 'imei,reporting_date,status',
  pairing_list: 'imei,imsi,msisdn',
  golden_list: 'golden_imei',
  barred_list: 'imei',
  barred_tac_list: 'tac',
  monitoring_list: 'imei',
  subscribers_registration_list: 'uid,imsi',
  device_association_list: 'uid,imei',
} as const;
export type ListName = keyof typeof LIST_HEADERS;
export const LIST_NAMES = Object.keys(LIST_HEADERS) as ListName[];

/** Shares of the world's devices / subscribers on each list. */
export const LIST_RATES = {
  registeredPersonal: 0.9,
  registeredM2m: 0.5,
  stolen: 0.015,
  golden: 0.003,
  barred: 0.005,
  monitoring: 0.005,
  paired: 0.04,
  barredTacsPerModel: 1 / 500,
} as const;

/** Registration `status`: empty or `whitelist` = registered, anything else = provisional. */
const REG_STATUS: readonly (readonly [string, number])[] = [['', 60], ['whitelist', 35], ['provisional', 5]];
/** Stolen `status`: empty or `blacklist` = stolen, anything else = pending verification. */
const STOLEN_STATUS: readonly (readonly [string, number])[] = [['', 45], ['blacklist', 45], ['pending', 10]];

/** `count` distinct indexes in [0, n), ascending. */
function sample(rng: Rng, n: number, count: number): number[] {
  return rng
    .shuffle(Array.from({ length: n }, (_, i) => i))
    .slice(0, Math.min(n, count))
    .sort((a, b) => a - b);
}

/** At least one, so that even a tiny world has every list populated. */
const atLeastOne = (n: number, rate: number): number => Math.max(1, Math.round(n * rate));

/**
 * Disjoint sets of devices for the stolen, golden, barred and monitoring lists (a device is on
 * at most one of them, so no list contradicts another).
 */
function flaggedDevices(world: World): { stolen: Device[]; golden: Device[]; barred: Device[]; monitoring: Device[] } {
  const n = world.devices.length;
  const order = world.rng.fork('list:flagged').shuffle(Array.from({ length: n }, (_, i) => i));
  let at = 0;
  const take = (rate: number): Device[] => {
    const count = Math.min(atLeastOne(n, rate), n - at);
    const picked = order.slice(at, at + count).sort((a, b) => a - b);
    at += count;
    return picked.map((i) => world.devices[i]);
  };
  return { stolen: take(LIST_RATES.stolen), golden: take(LIST_RATES.golden), barred: take(LIST_RATES.barred), monitoring: take(LIST_RATES.monitoring) };
}

/** A device on the registration list and its status (empty / `whitelist` = registered). */
export interface RegistrationEntry {
  device: Device;
  status: string;
}

/** True for a registration status that counts as registered (DOMAIN §3: empty or `whitelist`). */
export const isRegisteredStatus = (status: string): boolean => status === '' || status === 'whitelist';

/** The devices on the registration list, in device order, with their status. */
export function registrationEntries(world: World): RegistrationEntry[] {
  const rng = world.rng.fork('list:registration');
  const out: RegistrationEntry[] = [];
  for (const d of world.devices) {
    if (!rng.chance(d.personal ? LIST_RATES.registeredPersonal : LIST_RATES.registeredM2m)) continue;
    out.push({ device: d, status: rng.weighted(REG_STATUS) });
  }
  return out;
}

function* registration(world: World): Generator<string> {
  for (const { device: d, status } of registrationEntries(world)) {
    const m = d.model;
    const make = m.brand === NOT_KNOWN ? m.manufacturer : m.brand;
    const model = m.marketingName === NOT_KNOWN ? m.modelName : m.marketingName;
    for (const imei of d.imeis) {
      yield csvLine([imei, make, model, status, m.modelName, m.brand, m.deviceType, generations(m.capability), d.deviceId]);
    }
  }
}

/** A stolen-list entry: the device, its reporting day, its status and the IMEIs listed. */
export interface StolenEntry {
  device: Device;
  /** Reporting date (UTC day number). */
  day: number;
  /** Empty or `blacklist` = stolen; anything else = pending verification. */
  status: string;
  imeis: string[];
}

/** True for a stolen-list status that counts as stolen (empty or `blacklist`). */
export const isStolenStatus = (status: string): boolean => status === '' || status === 'blacklist';

function stolenEntriesOf(world: World, devices: Device[]): StolenEntry[] {
  const rng = world.rng.fork('list:stolen');
  return devices.map((d) => {
    const day = world.asOfDay - rng.int(0, 730);
    const status = rng.weighted(STOLEN_STATUS);
    const imeis = d.imeis.length === 2 && rng.chance(0.3) ? d.imeis.slice(0, 1) : d.imeis;
    return { device: d, day, status, imeis };
  });
}

/** The stolen list's entries, in device order. */
export function stolenEntries(world: World): StolenEntry[] {
  return stolenEntriesOf(world, flaggedDevices(world).stolen);
}

function* stolen(world: World, devices: Device[]): Generator<string> {
  for (const e of stolenEntriesOf(world, devices)) {
    const date = yyyymmdd(e.day);
    for (const imei of e.imeis) yield csvLine([imei, date, e.status]);
  }
}

/** Indexes of the subscribers on the pairing list (each paired with its main device's first IMEI). */
export function pairedSubscribers(world: World): number[] {
  const subs = world.subscribers;
  return sample(world.rng.fork('list:pairing'), subs.length, atLeastOne(subs.length, LIST_RATES.paired));
}

function* pairing(world: World): Generator<string> {
  for (const i of pairedSubscribers(world)) {
    const s = world.subscribers[i];
    yield csvLine([world.devices[s.devices[0]].imeis[0], s.imsi, s.msisdn]);
  }
}

function* imeiList(devices: Device[]): Generator<string> {
  for (const d of devices) for (const imei of d.imeis) yield imei + '\n';
}

/** The TACs on the barred TAC list, in list order. */
export function barredTacList(world: World): string[] {
  const rng = world.rng.fork('list:barred_tac');
  const tacs = world.catalogue.tacs;
  const count = Math.max(2, Math.round(world.catalogue.models.length * LIST_RATES.barredTacsPerModel));
  return sample(rng, tacs.length, count).map((i) => tacs[i].tac);
}

function* barredTacs(world: World): Generator<string> {
  for (const tac of barredTacList(world)) yield tac + '\n';
}

/** Why the reference data blocks an IMEI: its list, or its TAC's. */
export type BlockedBy = 'barred_list' | 'stolen_list' | 'barred_tac';

/**
 * What the reference lists of a world say about a 14-digit IMEI key (TAC + serial): the
 * stolen-list entry that lists it with a stolen status, and why a CEIR blocks it whenever it
 * is seen (barred list, stolen list, barred TAC), unless it is on the golden list, which is
 * never blocked. Same draws as the written files.
 */
export function referenceBlocking(world: World): { stolen(key: string): StolenEntry | undefined; blockedBy(key: string): BlockedBy | undefined } {
  const f = flaggedDevices(world);
  const keys = (devices: Device[]): Set<string> => new Set(devices.flatMap((d) => d.imeis.map((imei) => imei.slice(0, 14))));
  const golden = keys(f.golden);
  const barred = keys(f.barred);
  const stolenKeys = new Map<string, StolenEntry>();
  for (const e of stolenEntriesOf(world, f.stolen)) {
    if (isStolenStatus(e.status)) for (const imei of e.imeis) stolenKeys.set(imei.slice(0, 14), e);
  }
  const tacs = new Set(barredTacList(world));
  return {
    stolen: (key) => stolenKeys.get(key),
    blockedBy: (key) => {
      if (golden.has(key)) return undefined;
      if (barred.has(key)) return 'barred_list';
      if (stolenKeys.has(key)) return 'stolen_list';
      return tacs.has(key.slice(0, 8)) ? 'barred_tac' : undefined;
    },
  };
}

function* subscriberRegistration(world: World): Generator<string> {
  for (const s of world.subscribers) if (s.uid) yield csvLine([s.uid, s.imsi]);
}

/** Each device once, with the national ID of its first registered user. */
function* deviceAssociation(world: World): Generator<string> {
  const owner = new Map<number, string>();
  for (const s of world.subscribers) {
    if (!s.uid) continue;
    for (const d of s.devices) if (!owner.has(d)) owner.set(d, s.uid);
  }
  for (const d of world.devices) {
    const uid = owner.get(d.index);
    if (uid) for (const imei of d.imeis) yield csvLine([uid, imei]);
  }
}

/** The data lines (each ending in a newline) of every reference list of a world. */
export function referenceLists(world: World): Record<ListName, Iterable<string>> {
  const f = flaggedDevices(world);
  return {
    registration_list: registration(world),
    stolen_list: stolen(world, f.stolen),
    pairing_list: pairing(world),
    golden_list: imeiList(f.golden),
    barred_list: imeiList(f.barred),
    barred_tac_list: barredTacs(world),
    monitoring_list: imeiList(f.monitoring),
    subscribers_registration_list: subscriberRegistration(world),
    device_association_list: deviceAssociation(world),
  };
}
