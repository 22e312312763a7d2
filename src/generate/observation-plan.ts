/**
 * The behaviour of a synthetic country's devices over an observation period, drawn from its
 * World: which (IMEI, IMSI, MSISDN) is used on which operator over which days, with what
 * daily activity, radio, location and software version, plus the injected anomalies and the
 * legitimate tricky cases, each with its truth label.
 *
 * The plan holds one `Usage` per (IMEI, SIM, serving operator) — memory proportional to the
 * number of subscribers and devices, never to the number of rows. Whether a usage is seen on a
 * day, and with which RAT list and cell, is a hash of (usage seed, day): the observation writer
 * (observations.ts) streams day by day without any per-row state, and a dual-SIM phone's two
 * IMEIs (same handset seed) are always in the same cell.
 *
 * Random draws come from forks of the world's root generator (`obs:*`), so the reference files
 * of a seed do not change, and the plan for a seed is identical whether files are written per
 * month or for the whole period.
 *
 * The truth agrees with the reference lists: every IMEI seen that the stolen list lists with a
 * stolen status is labelled `stolen` (a CEIR blocks it whenever it is seen, before or after its
 * reporting date), and no IMEI the reference data blocks (barred list, stolen list, barred TAC;
 * the golden list excepted) gets a legitimate label. Both are decided when the truth is written,
 * so they change no row of the observation files.
 */
import type { CountryProfile } from '../config/profile.ts';
import { luhnCheckDigit } from '../identity/luhn.ts';
import type { RadioCapability } from './bands.ts';
import { testTac, unallocatedTac, type CatalogueModel, type CatalogueTac } from './catalogue.ts';
import { yyyymmdd } from './format.ts';
import { buildGeography, cellIn, cityByPopulation, distantCity, type City, type Geography } from './geo.ts';
import { PERSONAL_TYPES } from './makers.ts';
import { mix32, WeightedTable, type Rng } from './prng.ts';
import { ratTable, type LpwanMode, type RatTable } from './rat.ts';
import {
  isRegisteredStatus, isStolenStatus, pairedSubscribers, referenceBlocking, registrationEntries, stolenEntries,
  type BlockedBy, type StolenEntry,
} from './reference-lists.ts';
import type { Device, Subscriber, World } from './world.ts';

/**
 * Labels of anomalies (what a CEIR should flag): injected ones, and `stolen`, every seen IMEI
 * the stolen list lists with a stolen status (not injected: a property of the reference data).
 */
export const ANOMALY_LABELS = [
  'counterfeit',
  'cloned',
  'stolen',
  'stolen_reappearing',
  'unregistered_import',
  'inconsistent_rat',
  'test_tac',
  'malformed',
  'transient_imei',
  'seen_before_allocation',
  'suspicious_shape',
  'unknown_software_version',
] as const;
/**
 * Labels of legitimate cases that naive rules mistake for anomalies (false-positive traps):
 * devices whose usage must not get them blocked. Never given to an IMEI the reference data
 * blocks (barred list, stolen list with a stolen status, barred TAC; golden IMEIs excepted).
 */
export const LEGIT_LABELS = ['dual_sim', 'family_shared', 'roamer_international', 'roamer_national', 'iot'] as const;
export const TRUTH_LABELS = [...ANOMALY_LABELS, ...LEGIT_LABELS] as const;
export type AnomalyLabel = (typeof ANOMALY_LABELS)[number];
export type LegitLabel = (typeof LEGIT_LABELS)[number];
export type TruthLabel = (typeof TRUTH_LABELS)[number];
/** Anomalies the plan injects (`stolen` comes from the stolen list, not from an injection). */
export type InjectedLabel = Exclude<AnomalyLabel, 'stolen'>;

/** Relative share of each injected anomaly in `anomalyRate × subscribers` anomalous IMEIs. */
export const ANOMALY_WEIGHTS: Readonly<Record<InjectedLabel, number>> = {
  counterfeit: 15,
  cloned: 12,
  stolen_reappearing: 8,
  unregistered_import: 14,
  inconsistent_rat: 8,
  test_tac: 6,
  malformed: 6,
  transient_imei: 4,
  seen_before_allocation: 7,
  suspicious_shape: 6,
  unknown_software_version: 8,
};

/** Shares of subscribers for the legitimate tricky cases that are injected (not from the world). */
export const LEGIT_RATES = { familyShared: 0.01, roamerInternational: 0.015, roamerNational: 0.005 } as const;

export const DEFAULT_ANOMALY_RATE = 0.02;
/** Minimum distance between a cloned IMEI's owner's city and its clones' cities. */
export const CLONE_MIN_KM = 300;

/** Foreign (MCC, calling code) pairs for international roamers. */
const FOREIGN: readonly (readonly [string, string])[] = [
  ['208', '33'], ['234', '44'], ['262', '49'], ['310', '1'], ['404', '91'], ['460', '86'], ['505', '61'],
  ['655', '27'], ['724', '55'], ['440', '81'], ['250', '7'], ['621', '234'], ['639', '254'], ['602', '20'],
];

const ALWAYS = 0x1_0000_0000;

/** Facts about one IMEI key (shared by every usage of that key), for the truth file. */
export interface ImeiFacts {
  key: string;
  /** Catalogue entry of its TAC; undefined when the TAC is not allocated or the key is malformed. */
  tac: CatalogueTac | undefined;
  /** Registration status (`''`/`whitelist` = registered), or undefined when not listed. */
  status: string | undefined;
  /** One of the world's devices (else injected by the observation plan). */
  world: boolean;
  /** Device type exempted from registration by the profile. */
  exempt: boolean;
  /** How operators write it, when not derived from the key (malformed values). */
  raw?: string;
}

/** One (IMEI, IMSI, MSISDN) on one serving operator over a window of days. */
export interface Usage {
  /** Serving operator (index in profile.operators). */
  op: number;
  /** `,<imei>,<imsi>,<msisdn>,` as written (the IMEI in the operator's spelling). */
  ids: string;
  /** Index in `plan.imeis`. */
  imei: number;
  imsi: string;
  msisdn: string;
  /** First and last day (UTC day numbers, inclusive). */
  from: number;
  to: number;
  /** Activity: seen on a day when hash < p (p = probability × 2^32). */
  p: number;
  /** Seed of the daily activity and RAT hashes. */
  seed: number;
  /** A day on which the usage is always seen (-1: none). */
  force: number;
  /** -1, or only seen on days whose parity hash (paritySeed) equals this (shared phones). */
  parity: number;
  paritySeed: number;
  rats: RatTable;
  /** Physical handset: location and software version follow it. */
  handset: Handset;
  svn: string;
  /** Software version from `svnDay` on (an update). */
  svn2: string;
  svnDay: number;
  roamer: boolean;
}

export interface Handset {
  seed: number;
  city: number;
  homeCell: number;
}

/** A truth row, emitted when its usages were seen (`all` of them, or `any`). */
interface Candidate {
  imei: number;
  label: TruthLabel;
  detail: string;
  usages: number[];
  need: 'any' | 'all';
}

export interface TruthRow {
  imei: string;
  label: TruthLabel;
  detail: string;
}

export interface PlanOptions {
  /** First and last observation day (UTC day numbers). */
  start: number;
  end: number;
  anomalyRate?: number;
  withLocation?: boolean;
  withSoftwareVersion?: boolean;
}

export interface ObservationPlan {
  world: World;
  start: number;
  end: number;
  usages: Usage[];
  imeis: ImeiFacts[];
  geography: Geography | undefined;
  /** Mixed into every day's hash. */
  daySalt: number;
  /** Anomalies asked for and actually injected, per label (before the "was it seen" check);
   * always 0 for `stolen`, which comes from the stolen list. */
  injected: Record<AnomalyLabel, number>;
  /** The truth rows for the usages seen, sorted by IMEI then label. */
  truth(seen: Uint8Array): TruthRow[];
}

/** Hash of a day (with the plan's salt): the per-day input of every stateless draw. */
export function dayHash(day: number, salt: number): number {
  return mix32((Math.imul(day, 0x9e3779b1) ^ salt) >>> 0);
}

/** The parity hash of shared phones: a family's SIMs take turns by it. */
export function parityOf(seed: number, dh: number): number {
  return mix32((seed ^ dh ^ 0x3c6ef372) >>> 0) & 1;
}

const pad2 = (n: number): string => String(n).padStart(2, '0');
const isDigits14 = (k: string): boolean => /^[0-9]{14}$/.test(k);

/** Software versions a model's handsets run: a run of 1-4 consecutive SVNs within 01..33. */
export function modelSvns(model: CatalogueModel): string[] {
  const h = mix32((Math.imul(model.index + 1, 0x9e3779b1) ^ 0x5f356495) >>> 0);
  const count = 1 + (h % 4);
  const base = 1 + ((h >>> 8) % 30);
  return Array.from({ length: count }, (_, i) => pad2(base + i));
}

class Planner {
  readonly profile: CountryProfile;
  readonly start: number;
  readonly end: number;
  readonly days: number;
  readonly usages: Usage[] = [];
  readonly imeis: ImeiFacts[] = [];
  readonly candidates: Candidate[] = [];
  readonly geo: Geography | undefined;
  readonly daySalt: number;
  readonly keyIndex = new Map<string, number>();
  readonly keysInUse = new Set<number>();
  readonly imsis = new Set<string>();
  readonly msisdns = new Set<string>();
  readonly exempt: Set<string>;
  /** What the reference lists say about an IMEI key (stolen entry, why it is blocked). */
  readonly refs: { stolen(key: string): StolenEntry | undefined; blockedBy(key: string): BlockedBy | undefined };
  private readonly ids: Rng;
  private readonly handsets: Rng;
  /** Draws that only exist with location (cities), apart so the rows do not depend on the option. */
  readonly geoRng: Rng;
  private readonly svnCache = new Map<number, string[]>();
  private readonly usageRng: Rng;
  private readonly activityRng: Rng;
  private readonly opTable: WeightedTable;

  constructor(
    readonly world: World,
    opts: PlanOptions,
  ) {
    this.profile = world.profile;
    this.start = opts.start;
    this.end = opts.end;
    this.days = opts.end - opts.start + 1;
    const root = world.rng.fork('observations');
    this.ids = root.fork('ids');
    this.handsets = root.fork('handsets');
    this.geoRng = root.fork('geo-draws');
    this.usageRng = root.fork('usages');
    this.activityRng = root.fork('activity');
    this.daySalt = root.fork('days').next();
    this.geo = opts.withLocation ? buildGeography(root.fork('geography'), world.subscribers.length) : undefined;
    this.opTable = new WeightedTable(this.profile.operators.map((_, i) => 1 / Math.pow(i + 1, 0.8)));
    this.exempt = new Set(this.profile.exempted_device_types);
    this.refs = referenceBlocking(world);
    for (const d of world.devices) for (const imei of d.imeis) this.keysInUse.add(Number(imei.slice(0, 14)));
    for (const s of world.subscribers) {
      this.imsis.add(s.imsi);
      this.msisdns.add(s.msisdn);
    }
  }

  // ---- identifiers ----

  /** The IMEI as an operator writes it: operators differ (15 digits with Luhn, 14 digits, spare 0). */
  rawImei(key: string, op: number): string {
    if (!isDigits14(key)) return key;
    switch (op % 3) {
      case 0:
        return key + luhnCheckDigit(key);
      case 1:
        return key;
      default:
        return key + '0';
    }
  }

  /** Index of an IMEI key's facts, created on first use. */
  imeiOf(key: string, facts: Omit<ImeiFacts, 'key'>): number {
    let i = this.keyIndex.get(key);
    if (i === undefined) {
      i = this.imeis.length;
      this.imeis.push({ key, ...facts });
      this.keyIndex.set(key, i);
    }
    return i;
  }

  /** A fresh 14-digit key under `tac`, unused by the world and the plan. */
  newKey(tac: string): string {
    for (;;) {
      const key = tac + this.ids.digits(6);
      const n = Number(key);
      if (!this.keysInUse.has(n)) {
        this.keysInUse.add(n);
        return key;
      }
    }
  }

  /** Facts of a key injected by the plan (not one of the world's devices). */
  injectedImei(key: string): number {
    const tac = isDigits14(key) ? this.world.catalogue.byTac.get(key.slice(0, 8)) : undefined;
    return this.imeiOf(key, { tac, status: undefined, world: false, exempt: tac ? this.exempt.has(tac.model.deviceType) : false });
  }

  unique(set: Set<string>, draw: () => string): string {
    for (;;) {
      const v = draw();
      if (!set.has(v)) {
        set.add(v);
        return v;
      }
    }
  }

  /** A new SIM of a participating operator: IMSI under its MCC+MNC, national MSISDN. */
  nationalSim(op: number): { imsi: string; msisdn: string } {
    const operator = this.profile.operators[op];
    const imsi = this.unique(this.imsis, () => {
      const prefix = this.ids.pick(operator.mcc_mnc);
      return prefix + this.ids.digits(15 - prefix.length);
    });
    return { imsi, msisdn: this.nationalMsisdn(String((op % 9) + 1)) };
  }

  nationalMsisdn(lead: string): string {
    const cc = this.profile.country.calling_codes[0];
    const len = Math.min(9, 15 - cc.length);
    return this.unique(this.msisdns, () => cc + lead + this.ids.digits(len - 1));
  }

  pickOperator(): number {
    return this.opTable.sample(this.ids);
  }

  // ---- behaviour ----

  /** Daily activity probability of a person's SIM: most are seen on most days. */
  personalActivity(): number {
    const r = this.activityRng.float();
    if (r < 0.7) return 0.85 + 0.15 * this.activityRng.float();
    if (r < 0.92) return 0.5 + 0.35 * this.activityRng.float();
    return 0.1 + 0.4 * this.activityRng.float();
  }

  m2mActivity(): number {
    return this.activityRng.chance(0.85) ? 0.95 + 0.05 * this.activityRng.float() : 0.5 + 0.3 * this.activityRng.float();
  }

  /** A physical handset living in `city` (by population when not given). */
  newHandset(city?: number): Handset {
    const seed = this.handsets.next();
    if (!this.geo) return { seed, city: 0, homeCell: 0 };
    const c = city ?? cityByPopulation(this.geo, this.geoRng.float());
    return { seed, city: c, homeCell: cellIn(this.geo.cities[c], this.geoRng.next()) };
  }

  cityOf(h: Handset): City {
    return this.geo!.cities[h.city];
  }

  /** The software version(s) of a handset of this model (undefined: no catalogue model). */
  svnOf(model: CatalogueModel | undefined, handset: Handset): { svn: string; svn2: string; svnDay: number } {
    const h = mix32((handset.seed ^ 0x6c8e9cf5) >>> 0);
    if (!model) {
      const svn = pad2(1 + (h % 40));
      return { svn, svn2: svn, svnDay: Infinity };
    }
    let versions = this.svnCache.get(model.index);
    if (!versions) this.svnCache.set(model.index, (versions = modelSvns(model)));
    const i = h % versions.length;
    if (i < versions.length - 1 && (h >>> 8) % 10 < 3) {
      return { svn: versions[i], svn2: versions[i + 1], svnDay: this.start + ((h >>> 16) % this.days) };
    }
    return { svn: versions[i], svn2: versions[i], svnDay: Infinity };
  }

  addUsage(u: {
    op: number;
    imei: number;
    imsi: string;
    msisdn: string;
    from: number;
    to: number;
    p: number;
    force?: number;
    rats: RatTable;
    handset: Handset;
    model: CatalogueModel | undefined;
    roamer?: boolean;
    parity?: number;
    paritySeed?: number;
  }): number {
    const key = this.imeis[u.imei].key;
    const i = this.usages.length;
    this.usages.push({
      op: u.op,
      ids: `,${this.imeis[u.imei].raw ?? this.rawImei(key, u.op)},${u.imsi},${u.msisdn},`,
      imei: u.imei,
      imsi: u.imsi,
      msisdn: u.msisdn,
      from: u.from,
      to: u.to,
      p: u.p >= 1 ? ALWAYS : Math.floor(u.p * ALWAYS),
      seed: this.usageRng.next(),
      force: u.force ?? -1,
      parity: u.parity ?? -1,
      paritySeed: u.paritySeed ?? 0,
      rats: u.rats,
      handset: u.handset,
      ...this.svnOf(u.model, u.handset),
      roamer: u.roamer ?? false,
    });
    return i;
  }

  /** The first day in [from, to] on which a shared phone's SIM with this parity takes its turn. */
  firstParityDay(from: number, to: number, seed: number, parity: number): number {
    for (let d = from; d <= to; d++) if (parityOf(seed, dayHash(d, this.daySalt)) === parity) return d;
    return -1;
  }

  label(imei: number, label: TruthLabel, detail: string, usages: number[], need: 'any' | 'all' = 'any'): void {
    this.candidates.push({ imei, label, detail, usages, need });
  }

  // ---- helpers on the catalogue ----

  private readonly tacPools = new Map<string, { models: CatalogueModel[]; table: WeightedTable; tacs: CatalogueTac[][] } | null>();

  /**
   * A catalogue TAC allocated by `day`, of a model drawn by popularity among those passing
   * `filter` (the pool is built once per `pool` name).
   */
  tacOf(rng: Rng, pool: string, filter: (m: CatalogueModel) => boolean, day: number): CatalogueTac | undefined {
    let p = this.tacPools.get(pool);
    if (p === undefined) {
      const models = this.world.catalogue.models.filter((m) => filter(m) && m.tacs.some((t) => t.allocationDay <= day));
      p = models.length === 0 ? null : { models, table: new WeightedTable(models.map((m) => m.popularity)), tacs: models.map((m) => m.tacs.filter((t) => t.allocationDay <= day)) };
      this.tacPools.set(pool, p);
    }
    if (p === null) return undefined;
    return rng.pick(p.tacs[p.table.sample(rng)]);
  }
}

const isPersonalModel = (m: CatalogueModel): boolean => PERSONAL_TYPES.includes(m.deviceType);
const lacks4g = (c: RadioCapability): boolean => !c.has4g && !c.has5g;

/** Build the observation plan of a world over [start, end]. */
export function planObservations(world: World, opts: PlanOptions): ObservationPlan {
  if (!(opts.end >= opts.start)) throw new RangeError('the observation period is empty');
  if (opts.end >= world.asOfDay) throw new RangeError("the last observation day must be before the world's asOf day");
  const rate = opts.anomalyRate ?? DEFAULT_ANOMALY_RATE;
  if (!(rate >= 0 && rate <= 0.5)) throw new RangeError(`anomalyRate must be in [0, 0.5], got ${rate}`);
  const P = new Planner(world, opts);
  const { start, end, days } = P;
  const { devices, subscribers, catalogue } = world;
  const scen = world.rng.fork('observations').fork('scenarios');

  // ---- facts from the reference lists (same draws as the written files) ----
  const status = new Map<number, string>();
  for (const e of registrationEntries(world)) status.set(e.device.index, e.status);
  const stolenOf = new Map<number, StolenEntry>();
  for (const e of stolenEntries(world)) stolenOf.set(e.device.index, e);
  const paired = new Set(pairedSubscribers(world));
  const users: number[][] = devices.map(() => []);
  for (const s of subscribers) for (const d of s.devices) users[d].push(s.index);
  const registered = (d: Device): boolean => {
    const st = status.get(d.index);
    return st !== undefined && isRegisteredStatus(st);
  };
  const allocOf = (d: Device): number => catalogue.byTac.get(d.tac)!.allocationDay;
  const worldImei = (d: Device, imei: string): number =>
    P.imeiOf(imei.slice(0, 14), { tac: catalogue.byTac.get(d.tac), status: status.get(d.index), world: true, exempt: P.exempt.has(d.model.deviceType) });

  // ---- how many of each ----
  const n = subscribers.length;
  const total = Math.round(rate * n);
  const want = (label: InjectedLabel): number => {
    if (rate === 0) return 0;
    const sum = Object.values(ANOMALY_WEIGHTS).reduce((a, b) => a + b, 0);
    return Math.max(1, Math.round((total * ANOMALY_WEIGHTS[label]) / sum));
  };
  const injected = Object.fromEntries(ANOMALY_LABELS.map((l) => [l, 0])) as Record<AnomalyLabel, number>;

  // ---- pools of world subscribers for the scenarios that alter a world device's use ----
  const single = (s: Subscriber): Device | undefined => {
    if (s.devices.length !== 1) return undefined;
    const d = devices[s.devices[0]];
    return d.personal && users[d.index].length === 1 && !stolenOf.has(d.index) ? d : undefined;
  };
  const simplePool = scen.shuffle(subscribers.filter((s) => { const d = single(s); return d !== undefined && allocOf(d) <= start; }).map((s) => s.index));
  const latePool = scen.shuffle(subscribers.filter((s) => { const d = single(s); return d !== undefined && allocOf(d) > start; }).map((s) => s.index));
  const taken = new Set<number>();
  const takeFrom = (pool: number[], count: number, pred: (s: Subscriber, d: Device) => boolean): number[] => {
    const out: number[] = [];
    for (let i = 0; i < pool.length && out.length < count; i++) {
      const s = subscribers[pool[i]];
      if (!taken.has(s.index) && pred(s, devices[s.devices[0]])) {
        taken.add(s.index);
        out.push(s.index);
      }
    }
    return out;
  };

  const cloneCount = want('cloned');
  const cloneOwners = [
    ...takeFrom(simplePool, Math.ceil(cloneCount / 2), (s, d) => registered(d) && d.model.deviceType === 'Smartphone' && paired.has(s.index)),
  ];
  cloneOwners.push(...takeFrom(simplePool, cloneCount - cloneOwners.length, (_, d) => registered(d) && d.model.deviceType === 'Smartphone'));
  const inconsistentOwners = takeFrom(simplePool, want('inconsistent_rat'), (_, d) => registered(d) && lacks4g(d.model.capability));
  // taken even without the svn column, so that the other columns do not depend on that option
  const svnOwners = takeFrom(simplePool, want('unknown_software_version'), (_, d) => registered(d));
  const lateOwners = takeFrom(latePool, want('seen_before_allocation'), () => true);
  const familyTarget = Math.max(1, Math.round(LEGIT_RATES.familyShared * n));
  const alternating = days >= 2 ? takeFrom(simplePool, Math.ceil(familyTarget / 2), () => true) : [];
  // Subscribers with a spare (older) phone: some change phones during the period, some of
  // those hand the old phone to a family member's SIM.
  const sparePool = scen.shuffle(
    subscribers
      .filter((s) => s.devices.length === 2 && s.devices.every((d) => devices[d].personal && users[d].length === 1 && !stolenOf.has(d) && allocOf(devices[d]) <= start))
      .map((s) => s.index),
  );
  const handover = new Set(days >= 2 ? sparePool.slice(0, familyTarget - alternating.length) : []);
  const changers = new Set(days >= 2 ? sparePool.filter((i) => !handover.has(i) && scen.chance(0.5)) : []);
  const special = new Map<number, 'clone' | 'inconsistent' | 'svn' | 'late' | 'alternating'>();
  for (const i of cloneOwners) special.set(i, 'clone');
  for (const i of inconsistentOwners) special.set(i, 'inconsistent');
  for (const i of svnOwners) special.set(i, 'svn');
  for (const i of lateOwners) special.set(i, 'late');
  for (const i of alternating) special.set(i, 'alternating');

  // ---- the world's subscribers ----
  const handsetOf = new Map<number, Handset>();
  const worldHandset = (d: number): Handset => {
    let h = handsetOf.get(d);
    if (!h) handsetOf.set(d, (h = P.newHandset()));
    return h;
  };
  /** Days a world device can be seen: not before its TAC's allocation, not after it was stolen. */
  const deviceWindow = (d: Device): [number, number] => {
    const stolen = stolenOf.get(d.index);
    return [Math.max(start, allocOf(d)), stolen ? Math.min(end, stolen.day - 1) : end];
  };
  const lpwanMode = (d: Device): LpwanMode | undefined =>
    d.model.capability.lpwan ? ((mix32(d.index ^ 0x2545f491) & 1) === 0 ? 'lte-m' : 'nb-iot') : undefined;
  const usagesOfSub: number[][] = subscribers.map(() => []);
  const usageOfSlot = new Map<string, number>(); // `${device}:${slot}` → usage of that IMEI

  const useWorldDevice = (s: Subscriber, d: Device, win: [number, number], p: number, extra: Partial<{ force: number; rats: RatTable; parity: number; paritySeed: number }> = {}): number | undefined => {
    const [dw0, dw1] = special.get(s.index) === 'late' ? [start, end] : deviceWindow(d);
    const from = Math.max(win[0], dw0);
    const to = Math.min(win[1], dw1);
    if (from > to) return undefined;
    const slot = users[d.index].indexOf(s.index);
    if (slot >= d.imeis.length) return undefined; // a third SIM for a dual-SIM phone: stays in a drawer
    const u = P.addUsage({
      op: world.profile.operators.indexOf(s.operator),
      imei: worldImei(d, d.imeis[slot]),
      imsi: s.imsi,
      msisdn: s.msisdn,
      from,
      to,
      p,
      rats: ratTable(d.model.capability, { lpwan: lpwanMode(d) }),
      handset: worldHandset(d.index),
      model: d.model,
      ...extra,
    });
    usagesOfSub[s.index].push(u);
    usageOfSlot.set(`${d.index}:${slot}`, u);
    return u;
  };

  /** Family members' SIMs to add: from a handover day, or taking turns by a parity seed. */
  const familyLater: { device: Device; usage: number; from: number; paritySeed?: number }[] = [];
  for (const s of subscribers) {
    const main = devices[s.devices[0]];
    let p = main.personal ? P.personalActivity() : P.m2mActivity();
    const kind = special.get(s.index);
    if (kind === 'clone') p = Math.max(p, 0.9);
    if (handover.has(s.index) || changers.has(s.index)) {
      const old = devices[s.devices[1]];
      const x = start + scen.int(1, days - 1);
      const oldUse = useWorldDevice(s, old, [start, x - 1], p);
      useWorldDevice(s, main, [x, end], p);
      if (handover.has(s.index) && oldUse !== undefined) familyLater.push({ device: old, usage: oldUse, from: Math.min(end, x + scen.int(0, 2)) });
      continue;
    }
    if (kind === 'alternating') {
      const seed = scen.next();
      const force = P.firstParityDay(start, end, seed, 0);
      const u = useWorldDevice(s, main, [start, end], p, { parity: 0, paritySeed: seed, force });
      if (u !== undefined) familyLater.push({ device: main, usage: u, from: start, paritySeed: seed });
      continue;
    }
    const extra: Partial<{ force: number; rats: RatTable }> = {};
    if (kind === 'inconsistent') extra.rats = ratTable(main.model.capability, { inconsistent: true });
    if (kind === 'late' || kind === 'inconsistent' || kind === 'svn' || kind === 'clone') extra.force = start;
    const u = useWorldDevice(s, main, [start, end], p, extra);
    if (u === undefined) continue;
    const imei = P.usages[u].imei;
    if (kind === 'inconsistent') {
      P.label(imei, 'inconsistent_rat', `model=${main.model.manufacturer} ${main.model.modelName};capability=${capText(main.model.capability)};rat=006`, [u]);
      injected.inconsistent_rat++;
    } else if (kind === 'svn' && opts.withSoftwareVersion) {
      const svn = pad2(50 + (mix32(P.usages[u].handset.seed) % 49));
      Object.assign(P.usages[u], { svn, svn2: svn, svnDay: Infinity });
      P.label(imei, 'unknown_software_version', `svn=${svn};model_svns=${modelSvns(main.model).join('|')}`, [u]);
      injected.unknown_software_version++;
    } else if (kind === 'late') {
      P.label(imei, 'seen_before_allocation', `tac=${main.tac};allocated=${yyyymmdd(allocOf(main))};first_seen=${yyyymmdd(start)}`, [u]);
      injected.seen_before_allocation++;
    }
  }

  // ---- legitimate: dual-SIM phones with both IMEIs in use, IoT modules ----
  for (const d of devices) {
    if (d.imeis.length === 2) {
      const a = usageOfSlot.get(`${d.index}:0`);
      const b = usageOfSlot.get(`${d.index}:1`);
      if (a !== undefined && b !== undefined) {
        const ops = [...new Set([P.usages[a].op, P.usages[b].op])].map((o) => world.profile.operators[o].id).join('+');
        for (const u of [a, b]) P.label(P.usages[u].imei, 'dual_sim', `device_id=${d.deviceId};operators=${ops}`, [a, b], 'all');
      }
    }
    if (d.model.deviceType === 'Module' || d.model.deviceType === 'IoT Device') {
      for (let slot = 0; slot < d.imeis.length; slot++) {
        const u = usageOfSlot.get(`${d.index}:${slot}`);
        if (u !== undefined) P.label(P.usages[u].imei, 'iot', `type=${d.model.deviceType};rats=${P.usages[u].rats.all.join(' ')}`, [u]);
      }
    }
  }

  // ---- legitimate: family phones (one IMEI, two SIMs, never the same day) ----
  for (const f of familyLater) {
    const owner = P.usages[f.usage];
    const op = scen.chance(0.7) ? owner.op : P.pickOperator();
    const sim = P.nationalSim(op);
    const model = f.device.model;
    const alternatingSeed = f.paritySeed;
    const from = f.from;
    const force = alternatingSeed !== undefined ? P.firstParityDay(start, end, alternatingSeed, 1) : from;
    const u = P.addUsage({
      op,
      imei: owner.imei,
      ...sim,
      from,
      to: end,
      p: 0.5 + 0.4 * scen.float(),
      force,
      rats: owner.rats,
      handset: owner.handset,
      model,
      parity: alternatingSeed !== undefined ? 1 : -1,
      paritySeed: alternatingSeed ?? 0,
    });
    const how = alternatingSeed !== undefined ? 'alternating days' : `handed over on ${yyyymmdd(from)}`;
    P.label(owner.imei, 'family_shared', `${how};imsis=${owner.imsi}+${sim.imsi}`, [f.usage, u], 'all');
  }

  // ---- cloned: the owner keeps using it; 5-19 other SIMs in copies, elsewhere ----
  for (const i of cloneOwners) {
    const ownerUse = usagesOfSub[i][0];
    if (ownerUse === undefined) continue;
    const owner = P.usages[ownerUse];
    const model = devices[subscribers[i].devices[0]].model;
    const k = scen.int(5, 19);
    const multi = world.profile.operators.length > 1 && scen.chance(0.5);
    const us = [ownerUse];
    for (let j = 0; j < k; j++) {
      const op = multi ? P.pickOperator() : owner.op;
      const city = P.geo ? distantCity(P.geo, P.geoRng, P.cityOf(owner.handset), CLONE_MIN_KM).index : undefined;
      const handset = P.newHandset(city);
      const always = j < 2;
      const from = always ? start : start + scen.int(0, days - 1);
      const to = always ? end : Math.min(end, from + scen.int(2, Math.max(2, days)));
      us.push(P.addUsage({ op, imei: owner.imei, ...P.nationalSim(op), from, to, p: always ? 1 : 0.3 + 0.6 * scen.float(), force: from, rats: owner.rats, handset, model }));
    }
    const ops = [...new Set(us.map((u) => world.profile.operators[P.usages[u].op].id))].join('+');
    P.label(owner.imei, 'cloned', `imsis=${k + 1};operators=${ops};owner_imsi=${owner.imsi};paired=${paired.has(i) ? 'yes' : 'no'}`, us);
    injected.cloned++;
  }

  // ---- stolen phones that reappear with a new SIM ----
  const stolenCandidates = scen.shuffle(
    [...stolenOf.values()].filter((e) => isStolenStatus(e.status) && e.device.personal && e.day <= end - 1 && allocOf(e.device) <= end),
  );
  for (const e of stolenCandidates.slice(0, want('stolen_reappearing'))) {
    const d = e.device;
    // back on the network some day of the period after the theft (never before its report)
    const r = Math.min(end, Math.max(start + scen.int(0, Math.floor(days / 2)), e.day + scen.int(1, 20), allocOf(d)));
    const op = P.pickOperator();
    const imei = worldImei(d, d.imeis[0]);
    const u = P.addUsage({ op, imei, ...P.nationalSim(op), from: r, to: end, p: 0.6 + 0.35 * scen.float(), force: r, rats: ratTable(d.model.capability), handset: P.newHandset(), model: d.model });
    P.label(imei, 'stolen_reappearing', `reported=${yyyymmdd(e.day)};reappeared=${yyyymmdd(r)}`, [u]);
    injected.stolen_reappearing++;
  }

  // ---- injected handsets with their own (new) SIM ----
  const personalSim = (imei: number, rats: RatTable, model: CatalogueModel | undefined, from = start, to = end): number => {
    const op = P.pickOperator();
    return P.addUsage({ op, imei, ...P.nationalSim(op), from, to, p: P.personalActivity(), force: from, rats, handset: P.newHandset(), model });
  };
  const CHEAP: readonly RadioCapability[] = [
    { has2g: true, has3g: false, has4g: false, has5g: false, lpwan: false },
    { has2g: true, has3g: true, has4g: false, has5g: false, lpwan: false },
    { has2g: true, has3g: true, has4g: true, has5g: false, lpwan: false },
  ];

  // counterfeit: TACs never allocated, often several handsets from one factory per TAC
  for (let made = 0, goal = want('counterfeit'); made < goal; ) {
    const tac = unallocatedTac(scen, catalogue);
    const cap = scen.weighted(CHEAP.map((c, i) => [c, [3, 2, 5][i]] as const));
    for (let g = Math.min(goal - made, scen.int(1, 4)); g > 0; g--, made++) {
      const imei = P.injectedImei(P.newKey(tac));
      const u = personalSim(imei, ratTable(cap), undefined);
      P.label(imei, 'counterfeit', `tac=${tac}`, [u]);
      injected.counterfeit++;
    }
  }

  // unregistered imports: real models, never registered (the generic rule labels them)
  for (let j = 0, goal = want('unregistered_import'); j < goal; j++) {
    const t = P.tacOf(scen, 'import', (m) => isPersonalModel(m) && !world.profile.exempted_device_types.includes(m.deviceType), start);
    if (!t) break;
    const imei = P.injectedImei(P.newKey(t.tac));
    personalSim(imei, ratTable(t.model.capability), t.model);
    injected.unregistered_import++;
  }

  // inconsistent RAT, when the world had too few registered 2G/3G-only phones: an injected one
  for (let j = injected.inconsistent_rat, goal = want('inconsistent_rat'); j < goal; j++) {
    const t = P.tacOf(scen, '2g3g', (m) => lacks4g(m.capability), start);
    if (!t) break;
    const imei = P.injectedImei(P.newKey(t.tac));
    const u = personalSim(imei, ratTable(t.model.capability, { inconsistent: true }), t.model);
    P.label(imei, 'inconsistent_rat', `model=${t.model.manufacturer} ${t.model.modelName};capability=${capText(t.model.capability)};rat=006`, [u]);
    injected.inconsistent_rat++;
  }

  // seen before allocation, when the world had too few recent TACs: an injected handset
  for (let j = injected.seen_before_allocation, goal = want('seen_before_allocation'); j < goal; j++) {
    const late = catalogue.tacs.filter((t) => t.allocationDay > start);
    if (late.length === 0) break;
    const t = scen.pick(late);
    const imei = P.injectedImei(P.newKey(t.tac));
    const u = personalSim(imei, ratTable(t.model.capability), t.model);
    P.label(imei, 'seen_before_allocation', `tac=${t.tac};allocated=${yyyymmdd(t.allocationDay)};first_seen=${yyyymmdd(start)}`, [u]);
    injected.seen_before_allocation++;
  }

  // test TACs
  for (let j = 0, goal = want('test_tac'); j < goal; j++) {
    const tac = testTac(scen);
    const imei = P.injectedImei(P.newKey(tac));
    const u = personalSim(imei, ratTable(CHEAP[2]), undefined);
    P.label(imei, 'test_tac', `tac=${tac}`, [u]);
    injected.test_tac++;
  }

  // malformed: hex, MEID-like, too short
  for (let j = 0, goal = want('malformed'); j < goal; j++) {
    const raw = malformedImei(scen);
    const key = raw.trim().toUpperCase();
    if (P.keyIndex.has(key)) continue;
    const imei = P.injectedImei(key);
    P.imeis[imei].raw = raw;
    const u = personalSim(imei, ratTable(CHEAP[scen.int(0, 2)]), undefined);
    P.label(imei, 'malformed', `raw=${raw}`, [u]);
    injected.malformed++;
  }

  // suspicious shapes: all zeros, one repeated digit, ascending / descending runs
  const shapes = scen.shuffle(shapeKeys());
  shapes.sort((a, b) => (a[1] === 'all_zeros' ? -1 : b[1] === 'all_zeros' ? 1 : 0)); // all zeros first
  for (const [key, shape] of shapes.slice(0, want('suspicious_shape'))) {
    if (P.keysInUse.has(Number(key))) continue;
    P.keysInUse.add(Number(key));
    const imei = P.injectedImei(key);
    const u = personalSim(imei, ratTable(CHEAP[scen.int(0, 2)]), undefined);
    P.label(imei, 'suspicious_shape', shape, [u]);
    injected.suspicious_shape++;
  }

  // transient IMEI (SIM box): one IMEI, new SIMs every day, MSISDNs in arithmetic progression
  for (let j = 0, goal = want('transient_imei'); j < goal; j++) {
    const t = P.tacOf(scen, 'simbox', (m) => !isPersonalModel(m) && m.capability.has2g, start) ?? P.tacOf(scen, 'any', () => true, start);
    const imei = P.injectedImei(P.newKey(t ? t.tac : unallocatedTac(scen, catalogue)));
    const op = P.pickOperator();
    const perDay = scen.int(2, 4);
    const step = scen.pick([1, 1, 1, 2, 3, 7, 10]);
    const sims = simBoxSims(P, scen, op, days * perDay, step);
    const handset = P.newHandset();
    const rats = ratTable(t ? t.model.capability : CHEAP[0]);
    const us: number[] = [];
    for (let d = 0; d < days; d++) {
      for (let k = 0; k < perDay; k++) {
        const sim = sims[d * perDay + k];
        us.push(P.addUsage({ op, imei, ...sim, from: start + d, to: start + d, p: 1, force: start + d, rats, handset, model: t?.model }));
      }
    }
    P.label(imei, 'transient_imei', `operator=${world.profile.operators[op].id};msisdns_per_day=${perDay};step=${step};first=${sims[0].msisdn}`, us);
    injected.transient_imei++;
  }

  // ---- legitimate: roamers ----
  const foreign = FOREIGN.filter(([mcc, cc]) => !world.profile.country.mcc.includes(mcc) && !world.profile.country.calling_codes.some((c) => c.startsWith(cc) || cc.startsWith(c)));
  const visitorTac = (): CatalogueTac | undefined => P.tacOf(scen, 'personal', isPersonalModel, start);
  for (let j = 0, goal = foreign.length ? Math.max(1, Math.round(LEGIT_RATES.roamerInternational * n)) : 0; j < goal; j++) {
    const [mcc, cc] = scen.pick(foreign);
    const imsi = P.unique(P.imsis, () => mcc + pad2(scen.int(1, 30)) + scen.digits(10));
    const msisdn = P.unique(P.msisdns, () => cc + String(scen.int(1, 9)) + scen.digits(9));
    const t = visitorTac();
    if (!t) break;
    const imei = P.injectedImei(P.newKey(t.tac));
    const len = scen.int(Math.min(2, days), Math.min(days, 21));
    const from = start + scen.int(0, days - len);
    const u = P.addUsage({ op: P.pickOperator(), imei, imsi, msisdn, from, to: from + len - 1, p: 0.9, force: from, rats: ratTable(t.model.capability), handset: P.newHandset(), model: t.model, roamer: true });
    P.label(imei, 'roamer_international', `mcc=${mcc};calling_code=${cc}`, [u]);
  }
  const npPrefixes = nonParticipatingPrefixes(world.profile);
  for (let j = 0, goal = npPrefixes.length ? Math.max(1, Math.round(LEGIT_RATES.roamerNational * n)) : 0; j < goal; j++) {
    const prefix = scen.pick(npPrefixes);
    const imsi = P.unique(P.imsis, () => prefix + scen.digits(15 - prefix.length));
    const t = visitorTac();
    if (!t) break;
    const imei = P.injectedImei(P.newKey(t.tac));
    const u = P.addUsage({ op: P.pickOperator(), imei, imsi, msisdn: P.nationalMsisdn('0'), from: start, to: end, p: P.personalActivity(), force: start, rats: ratTable(t.model.capability), handset: P.newHandset(), model: t.model, roamer: true });
    P.label(imei, 'roamer_national', `mcc_mnc=${prefix}`, [u]);
  }

  return {
    world,
    start,
    end,
    usages: P.usages,
    imeis: P.imeis,
    geography: P.geo,
    daySalt: P.daySalt,
    injected,
    truth: (seen) => truthRows(P, seen),
  };
}

function capText(c: RadioCapability): string {
  return [c.has2g && '2G', c.has3g && '3G', c.has4g && '4G', c.has5g && '5G'].filter(Boolean).join('/');
}

/** A raw IMEI that does not normalise to 14 digits: hex, MEID-like, or too short. */
export function malformedImei(rng: Rng): string {
  const hex = '0123456789abcdef';
  switch (rng.int(0, 2)) {
    case 0: {
      // 15 hex characters starting like a real TAC, with a letter among the first 14 (put back if
      // the random hex digits overwrote it with a digit: 14 digits first would normalise to a
      // well-formed key; the same draws either way, so the rest of the world does not change)
      const chars = ('35' + rng.digits(13)).split('');
      const at = rng.int(2, 13);
      const letter = 'abcdef'[rng.int(0, 5)];
      chars[at] = letter;
      for (let i = 2; i < 15; i++) if (rng.chance(0.2)) chars[i] = hex[rng.int(0, 15)];
      if (/^[0-9]{14}/.test(chars.join(''))) chars[at] = letter;
      const s = chars.join('');
      return rng.chance(0.5) ? s.toUpperCase() : s;
    }
    case 1: {
      // MEID-like: 14 hex digits starting with A0-AF
      let s = 'A' + hex[rng.int(0, 15)];
      for (let i = 0; i < 12; i++) s += hex[rng.int(0, 15)];
      return s.toUpperCase();
    }
    default:
      return rng.pick(['35', '86', '01']) + rng.digits(rng.int(6, 11)); // 8-13 digits
  }
}

/** 14-digit keys of suspicious shapes (DOMAIN §2) with their shape name. */
function shapeKeys(): [string, string][] {
  const out: [string, string][] = [['00000000000000', 'all_zeros']];
  for (let d = 1; d <= 9; d++) out.push([String(d).repeat(14), 'repeated_digit']);
  for (let d = 0; d <= 9; d++) {
    let up = '';
    let down = '';
    for (let i = 0; i < 14; i++) {
      up += String((d + i) % 10);
      down += String((d - i + 100) % 10);
    }
    out.push([up, 'ascending_run'], [down, 'descending_run']);
  }
  return out;
}

/** `count` SIMs of one operator whose MSISDNs (and IMSIs) are arithmetic progressions. */
function simBoxSims(P: Planner, rng: Rng, op: number, count: number, step: number): { imsi: string; msisdn: string }[] {
  const operator = P.profile.operators[op];
  const cc = P.profile.country.calling_codes[0];
  const len = Math.min(9, 15 - cc.length) - 1; // digits after the operator digit
  const lead = String((op % 9) + 1);
  const prefix = operator.mcc_mnc[0];
  const msinLen = 15 - prefix.length;
  const span = step * count;
  for (;;) {
    const base = rng.int(10 ** (len - 1), 10 ** len - 1 - span);
    const msin = rng.int(0, Math.min(2 ** 31, 10 ** msinLen - 1 - count));
    const sims = Array.from({ length: count }, (_, k) => ({
      imsi: prefix + String(msin + k).padStart(msinLen, '0'),
      msisdn: cc + lead + String(base + k * step),
    }));
    if (sims.every((s) => !P.imsis.has(s.imsi) && !P.msisdns.has(s.msisdn))) {
      for (const s of sims) {
        P.imsis.add(s.imsi);
        P.msisdns.add(s.msisdn);
      }
      return sims;
    }
  }
}

/** MCC+MNC prefixes under the country's MCC that belong to no participating operator. */
export function nonParticipatingPrefixes(profile: CountryProfile): string[] {
  const ops = profile.operators.flatMap((o) => o.mcc_mnc);
  const len = profile.country.mnc_length;
  const out: string[] = [];
  for (const mcc of profile.country.mcc) {
    for (let mnc = 1; mnc < 10 ** len && out.length < 2; mnc += 7) {
      const p = mcc + String(mnc).padStart(len, '0');
      if (!ops.some((o) => o.startsWith(p) || p.startsWith(o))) out.push(p);
    }
  }
  return out;
}

const isLegitLabel = (label: TruthLabel): label is LegitLabel => (LEGIT_LABELS as readonly string[]).includes(label);

function truthRows(P: Planner, seen: Uint8Array): TruthRow[] {
  const rows = new Map<string, TruthRow>();
  const add = (imei: number, label: TruthLabel, detail: string): void => {
    const key = P.imeis[imei].key;
    const id = `${key}\u0000${label}`;
    if (!rows.has(id)) rows.set(id, { imei: key, label, detail });
  };
  for (const c of P.candidates) {
    const ok = c.need === 'all' ? c.usages.every((u) => seen[u]) : c.usages.some((u) => seen[u]);
    // A device the reference data blocks is not a legitimate device, whatever its usage.
    if (ok && !(isLegitLabel(c.label) && P.refs.blockedBy(P.imeis[c.imei].key) !== undefined)) add(c.imei, c.label, c.detail);
  }
  // Properties that hold for every IMEI seen, whatever the scenario that put it there.
  for (let u = 0; u < P.usages.length; u++) {
    if (!seen[u]) continue;
    const usage = P.usages[u];
    const f = P.imeis[usage.imei];
    if (!isDigits14(f.key)) continue;
    const stolen = P.refs.stolen(f.key);
    if (stolen) add(usage.imei, 'stolen', `reported=${yyyymmdd(stolen.day)};status=${stolen.status || 'empty'}`);
    if (!f.tac) {
      add(usage.imei, 'counterfeit', 'TAC not in the catalogue');
    } else if (!usage.roamer && !f.exempt && (f.status === undefined || !isRegisteredStatus(f.status))) {
      const why = f.status === undefined ? 'not on the registration list' : `registration status ${f.status}`;
      add(usage.imei, 'unregistered_import', `${f.world ? 'world device' : 'injected'};${why}`);
    }
  }
  return [...rows.values()].sort((a, b) => (a.imei < b.imei ? -1 : a.imei > b.imei ? 1 : a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
}
