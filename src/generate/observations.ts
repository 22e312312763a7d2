/**
 * Operator observation files (DOMAIN §4) of a synthetic country, its truth file and its cell
 * table, and `generateCountry`, which writes them with the reference data of the same world.
 *
 * Streaming: rows are produced day by day from the plan (observation-plan.ts), each day's rows
 * go to the open file of their serving operator through a bounded byte writer, assembled from
 * pieces encoded once (no string per row). Memory is proportional to the number of usages
 * (≈ subscribers), never to the number of rows.
 *
 * Files: `<operatorId>_<YYYYMMDD>_<YYYYMMDD>.csv`, header `date,imei,imsi,msisdn,rat` plus
 * `cell_id` and `svn` when asked; rows in date order; one row per day per (IMEI, IMSI, MSISDN)
 * seen that day on that operator. `truth.csv`: `imei,label,detail`, sorted by IMEI then label;
 * an IMEI may have several labels (e.g. `stolen` and `stolen_reappearing`), and consistent
 * with the reference lists (see observation-plan.ts).
 * `cells.csv`: `cell_id,lat,lon`.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CountryProfile } from '../config/profile.ts';
import { DEFAULT_LAST_DAY, type HeaderGeneration } from './catalogue.ts';
import { csvLine, dayOf, isoOf, yyyymmdd } from './format.ts';
import { cellLines, dailyCell } from './geo.ts';
import { generateReference, type GeneratedReference } from './reference.ts';
import {
  dayHash, parityOf, planObservations, TRUTH_LABELS,
  type AnomalyLabel, type ObservationPlan, type TruthLabel,
} from './observation-plan.ts';
import { mix32 } from './prng.ts';
import { ByteWriter, TextArena, writeLines } from './sink.ts';
import type { World } from './world.ts';

export const OBSERVATION_HEADER = 'date,imei,imsi,msisdn,rat';
export const TRUTH_HEADER = 'imei,label,detail';
export const CELLS_HEADER = 'cell_id,lat,lon';
export const DEFAULT_DAYS = 30;

/** `YYYYMMDD` → UTC day number (throws on anything else). */
export function dayOfCompact(s: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(s);
  if (!m) throw new RangeError(`expected YYYYMMDD, got "${s}"`);
  return dayOf(`${m[1]}-${m[2]}-${m[3]}`);
}

/** Header of an observation file with the optional columns. */
export function observationHeader(opts: { withLocation?: boolean; withSoftwareVersion?: boolean } = {}): string {
  return OBSERVATION_HEADER + (opts.withLocation ? ',cell_id' : '') + (opts.withSoftwareVersion ? ',svn' : '');
}

/** `<operatorId>_<YYYYMMDD>_<YYYYMMDD>.csv` */
export function observationFileName(operatorId: string, from: number, to: number): string {
  return `${operatorId}_${yyyymmdd(from)}_${yyyymmdd(to)}.csv`;
}

export interface ObservationFile {
  operator: string;
  /** Period of the file, `YYYYMMDD`. */
  from: string;
  to: string;
  path: string;
  /** Data rows (header excluded). */
  rows: number;
}

export interface ObservationOptions {
  outDir: string;
  /** First observation day `YYYYMMDD` and number of days. */
  start: string;
  days: number;
  /** One file per operator and calendar month (default: one per operator for the whole range). */
  perMonthFiles?: boolean;
  withLocation?: boolean;
  withSoftwareVersion?: boolean;
  /** Share of subscribers for which an anomalous IMEI is injected (default 0.02). */
  anomalyRate?: number;
}

export interface GeneratedObservations {
  files: ObservationFile[];
  rows: number;
  truth: { path: string; rows: number; labels: Record<TruthLabel, number> };
  cells?: { path: string; rows: number };
  /** Anomalous IMEIs injected per label (the truth file holds those that were seen, plus
   * the IMEIs that have a label's property by the world's nature, e.g. unregistered devices,
   * or stolen-listed devices: `stolen` is never injected, always 0 here). */
  injected: Record<AnomalyLabel, number>;
  /** Distinct usages (IMEI, IMSI, MSISDN, operator) planned. */
  usages: number;
}

/** Periods [from, to] of the files: the whole range, or its calendar months. */
function periods(start: number, end: number, perMonth: boolean): [number, number][] {
  if (!perMonth) return [[start, end]];
  const out: [number, number][] = [];
  let from = start;
  while (from <= end) {
    const d = new Date(from * 86_400_000);
    const monthEnd = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / 86_400_000 - 1;
    const to = Math.min(end, monthEnd);
    out.push([from, to]);
    from = to + 1;
  }
  return out;
}

/** Stream the plan's rows into per-operator (and per-month) files; returns the files and the usages seen. */
async function writeRows(plan: ObservationPlan, opts: ObservationOptions): Promise<{ files: ObservationFile[]; seen: Uint8Array }> {
  const { usages, geography: geo, daySalt } = plan;
  const operators = plan.world.profile.operators;
  const header = observationHeader(opts) + '\n';
  const loc = opts.withLocation === true && geo !== undefined;
  const svn = opts.withSoftwareVersion === true;
  const seen = new Uint8Array(usages.length);
  const files: ObservationFile[] = [];

  // Everything a row is made of, encoded once: per usage its `,imei,imsi,msisdn,`, every RAT
  // list, every `,cell_id`, and the software versions as two digits.
  const ids = new TextArena(usages.map((u) => u.ids));
  const tables = [...new Set(usages.map((u) => u.rats))];
  const lists = [...new Set(tables.flatMap((t) => t.all))];
  const ratArena = new TextArena(lists);
  const listOf = tables.map((t) => Uint16Array.from(t.all, (l) => lists.indexOf(l)));
  const tableIndex = new Map(tables.map((t, i) => [t, i]));
  const tableOf = Uint16Array.from(usages, (u) => tableIndex.get(u.rats)!);
  const cells = loc ? new TextArena(geo.cellIds.map((c) => ',' + c)) : undefined;
  const svn1 = Uint8Array.from(usages, (u) => Number(u.svn));
  const svn2 = Uint8Array.from(usages, (u) => Number(u.svn2));
  const date = Buffer.alloc(8);

  for (const [from, to] of periods(plan.start, plan.end, opts.perMonthFiles === true)) {
    const writers = operators.map((op) => new ByteWriter(join(opts.outDir, observationFileName(op.id, from, to))));
    const counts = operators.map(() => 0);
    try {
      for (const w of writers) w.ascii(header);
      for (let day = from; day <= to; day++) {
        date.write(yyyymmdd(day), 0, 'latin1');
        const dh = dayHash(day, daySalt);
        for (let i = 0; i < usages.length; i++) {
          const u = usages[i];
          if (day < u.from || day > u.to) continue;
          if (u.parity >= 0 && parityOf(u.paritySeed, dh) !== u.parity) continue;
          const h = mix32((u.seed ^ dh) >>> 0);
          if (day !== u.force && h >= u.p) continue;
          seen[i] = 1;
          counts[u.op]++;
          const w = writers[u.op];
          w.copy(date, 0, 8);
          ids.put(w, i);
          const t = tableOf[i];
          ratArena.put(w, listOf[t][tables[t].pickIndex(mix32((h ^ 0x5bd1e995) >>> 0))]);
          if (cells) cells.put(w, dailyCell(geo!, u.handset.homeCell, u.handset.seed, dh));
          if (svn) {
            const v = day >= u.svnDay ? svn2[i] : svn1[i];
            w.byte(44); // ,
            w.byte(48 + Math.floor(v / 10));
            w.byte(48 + (v % 10));
          }
          w.byte(10);
          if (w.pos >= w.limit) await w.flush();
        }
      }
    } finally {
      for (const w of writers) await w.close();
    }
    operators.forEach((op, i) => files.push({ operator: op.id, from: yyyymmdd(from), to: yyyymmdd(to), path: writers[i].path, rows: counts[i] }));
  }
  return { files, seen };
}

/**
 * Write the observation files, `truth.csv` and (with location) `cells.csv` of an existing
 * world into `outDir`. The last observation day must be before the world's asOf day.
 */
export async function generateObservations(world: World, opts: ObservationOptions): Promise<GeneratedObservations> {
  if (!Number.isInteger(opts.days) || opts.days < 1) throw new RangeError(`days must be a positive integer, got ${opts.days}`);
  const start = dayOfCompact(opts.start);
  const end = start + opts.days - 1;
  await mkdir(opts.outDir, { recursive: true });
  const plan = planObservations(world, { start, end, anomalyRate: opts.anomalyRate, withLocation: opts.withLocation, withSoftwareVersion: opts.withSoftwareVersion });
  let cells: GeneratedObservations['cells'];
  if (opts.withLocation && plan.geography) {
    const path = join(opts.outDir, 'cells.csv');
    cells = { path, rows: await writeLines(path, CELLS_HEADER, cellLines(plan.geography)) };
  }
  const { files, seen } = await writeRows(plan, opts);
  const truth = plan.truth(seen);
  const labels = Object.fromEntries(TRUTH_LABELS.map((l) => [l, 0])) as Record<TruthLabel, number>;
  for (const t of truth) labels[t.label]++;
  const truthPath = join(opts.outDir, 'truth.csv');
  await writeLines(truthPath, TRUTH_HEADER, (function* () {
    for (const t of truth) yield csvLine([t.imei, t.label, t.detail]);
  })());
  return {
    files,
    rows: files.reduce((s, f) => s + f.rows, 0),
    truth: { path: truthPath, rows: truth.length, labels },
    cells,
    injected: plan.injected,
    usages: plan.usages.length,
  };
}

export interface GenerateCountryOptions {
  outDir: string;
  profile: CountryProfile;
  seed?: number;
  /** Subscribers of the world (default 2000). */
  subscribers?: number;
  /** Observation days (default 30). */
  days?: number;
  /** First observation day `YYYYMMDD` (default: `days` days ending the day before asOf). */
  start?: string;
  /** The country's "today" `YYYY-MM-DD` (default 2026-03-31, or the day after the last
   * observation day when `start` is given). Must be after the last observation day. */
  asOf?: string;
  /** Catalogue models (default 3000). */
  models?: number;
  perMonthFiles?: boolean;
  withLocation?: boolean;
  withSoftwareVersion?: boolean;
  /** Share of subscribers for which an anomalous IMEI is injected (default 0.02). */
  anomalyRate?: number;
  headerGeneration?: HeaderGeneration;
}

export interface GeneratedCountry extends GeneratedObservations {
  outDir: string;
  /** Observation period `YYYYMMDD` and the world's asOf `YYYY-MM-DD`. */
  start: string;
  end: string;
  asOf: string;
  /** Reference files (as `generateReference` writes them for the same options). */
  reference: GeneratedReference['files'];
  world: World;
}

/** The observation period and asOf day implied by the options. */
export function countryPeriod(opts: { days?: number; start?: string; asOf?: string }): { start: number; end: number; asOf: number } {
  const days = opts.days ?? DEFAULT_DAYS;
  if (!Number.isInteger(days) || days < 1) throw new RangeError(`days must be a positive integer, got ${days}`);
  if (opts.start !== undefined) {
    const start = dayOfCompact(opts.start);
    const end = start + days - 1;
    const asOf = opts.asOf !== undefined ? dayOf(opts.asOf) : end + 1;
    if (asOf <= end) throw new RangeError(`asOf ${isoOf(asOf)} must be after the last observation day ${isoOf(end)}`);
    return { start, end, asOf };
  }
  const asOf = opts.asOf !== undefined ? dayOf(opts.asOf) : DEFAULT_LAST_DAY;
  return { start: asOf - days, end: asOf - 1, asOf };
}

/**
 * A whole synthetic country: reference files (GSMA catalogue and lists, exactly as
 * `generateReference` writes them for the same seed, subscribers, models and asOf), one
 * observation file per operator and period, `truth.csv`, and `cells.csv` with location.
 */
export async function generateCountry(opts: GenerateCountryOptions): Promise<GeneratedCountry> {
  const period = countryPeriod(opts);
  const ref = await generateReference({
    outDir: opts.outDir,
    profile: opts.profile,
    seed: opts.seed,
    subscribers: opts.subscribers,
    models: opts.models,
    headerGeneration: opts.headerGeneration,
    asOf: isoOf(period.asOf),
  });
  const obs = await generateObservations(ref.world, {
    outDir: opts.outDir,
    start: yyyymmdd(period.start),
    days: period.end - period.start + 1,
    perMonthFiles: opts.perMonthFiles,
    withLocation: opts.withLocation,
    withSoftwareVersion: opts.withSoftwareVersion,
    anomalyRate: opts.anomalyRate,
  });
  return {
    ...obs,
    outDir: opts.outDir,
    start: yyyymmdd(period.start),
    end: yyyymmdd(period.end),
    asOf: isoOf(period.asOf),
    reference: ref.files,
    world: ref.world,
  };
}
