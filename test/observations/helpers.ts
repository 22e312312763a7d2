/** Shared helpers of the observation tests: operator files built in code, imports, table snapshots. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CountryProfile } from '../../src/config/profile.ts';
import { importObservations, type ObservationImportOptions, type ObservationImportReport } from '../../src/observations/importer.ts';
import type { Db } from '../../src/store/db.ts';
import { demoProfile } from '../helpers/store.ts';

export { ENGINE, freshDb, demoProfile } from '../helpers/store.ts';
export { gz, zip } from '../reference/helpers.ts';

/** "Today" of every import in these tests: the files are dated in 2025. */
export const TODAY = new Date('2025-12-31T12:00:00Z');

export interface Row {
  date: string;
  imei: string;
  imsi: string;
  msisdn: string;
  rat: string;
  cell_id?: string;
  svn?: string;
}

export const COLUMNS = ['date', 'imei', 'imsi', 'msisdn', 'rat'] as const;

/** A 14-digit IMEI key: a fixed TAC and serial `i`. */
export const imeiKey = (i: number, tac = '35209900'): string => tac + String(i).padStart(6, '0');
/** A 15-digit IMSI of the operator prefix (alpha by default). */
export const imsiOf = (i: number, prefix = '99901'): string => prefix + String(i).padStart(15 - prefix.length, '0');
/** A national MSISDN (calling code 99). */
export const msisdnOf = (i: number, cc = '99'): string => cc + String(i).padStart(9, '0');

/** `count` consecutive days from `start` (YYYYMMDD), as YYYYMMDD. */
export function dayList(start: string, count: number): string[] {
  const t0 = Date.UTC(+start.slice(0, 4), +start.slice(4, 6) - 1, +start.slice(6, 8));
  return Array.from({ length: count }, (_, i) => new Date(t0 + i * 86_400_000).toISOString().slice(0, 10).replaceAll('-', ''));
}

/** `YYYYMMDD` → `YYYY-MM-DD`. */
export const iso = (d: string): string => `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`;

/** Subscriber `i` (0-based) of an operator seen on every day: IMEI i, IMSI i, MSISDN i. */
export function dailyRows(days: string[], subscribers: number, opts: { prefix?: string; from?: number; rat?: string } = {}): Row[] {
  const out: Row[] = [];
  const from = opts.from ?? 0;
  for (const date of days) {
    for (let i = from; i < from + subscribers; i++) {
      out.push({ date, imei: imeiKey(i) + '0', imsi: imsiOf(i, opts.prefix), msisdn: msisdnOf(i), rat: opts.rat ?? '006' });
    }
  }
  return out;
}

/** Operator-file text: a header of `columns` (default the five, plus cell_id / svn when a row has them), `\n` endings. */
export function csv(rows: Row[], opts: { columns?: string[]; eol?: string } = {}): string {
  const columns = opts.columns ?? [
    ...COLUMNS,
    ...(rows.some((r) => r.cell_id !== undefined) ? ['cell_id'] : []),
    ...(rows.some((r) => r.svn !== undefined) ? ['svn'] : []),
  ];
  const eol = opts.eol ?? '\n';
  const lines = [columns.join(','), ...rows.map((r) => columns.map((c) => (r as unknown as Record<string, string | undefined>)[c] ?? '').join(','))];
  return lines.join(eol) + eol;
}

/** Run `fn` with a fresh temp directory, removed afterwards. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'openceir-obs-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Write a file (text or bytes) and return its path. */
export async function put(dir: string, name: string, content: string | Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

export type ImpOpts = Partial<Omit<ObservationImportOptions, 'file'>>;

let demo: CountryProfile | undefined;
export const profile = (): CountryProfile => (demo ??= demoProfile());

type Gates = CountryProfile['observations']['gates'];

/** The demo profile with some gate limits replaced. */
export function withGates(gates: Partial<Gates>, base: CountryProfile = profile()): CountryProfile {
  return { ...base, observations: { ...base.observations, gates: { ...base.observations.gates, ...gates } } };
}

/** Every ratio gate at 1 and the volume gate at 0 (nothing refuses), then `gates`. */
export function lenient(gates: Partial<Gates> = {}): CountryProfile {
  const all = Object.fromEntries(Object.keys(profile().observations.gates).map((g) => [g, g === 'daily_volume' ? 0 : 1])) as Gates;
  return withGates({ ...all, ...gates });
}

export function imp(db: Db, file: string, opts: ImpOpts = {}): Promise<ObservationImportReport> {
  return importObservations(db, { file, operator: 'alpha', profile: profile(), today: TODAY, ...opts });
}

/** Import and fail loudly (with problems and failed gates) unless the status is the expected one. */
export async function impOk(db: Db, file: string, opts: ImpOpts = {}, status: ObservationImportReport['status'] = 'imported'): Promise<ObservationImportReport> {
  const r = await imp(db, file, opts);
  if (r.status !== status) {
    const failed = r.gates.filter((g) => !g.passed).map((g) => `${g.gate}=${g.value} (${g.detail ?? ''})`);
    throw new Error(`expected ${status}, got ${r.status}: ${JSON.stringify(r.problems)} ${failed.join('; ')}`);
  }
  return r;
}

/** Write rows as an operator file for `period` and import it. */
export async function importRowsOf(db: Db, dir: string, name: string, rows: Row[], opts: ImpOpts = {}): Promise<ObservationImportReport> {
  return impOk(db, await put(dir, name, csv(rows)), opts);
}

const DATA_TABLES = ['obs_operator', 'obs_triplet', 'obs_location', 'obs_imei', 'obs_imei_svn', 'obs_daily'] as const;

function sortRows(rows: Record<string, unknown>[]): Record<string, unknown>[] {
  const key = (r: Record<string, unknown>) => JSON.stringify(r, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v));
  return rows.map((r) => ({ r, k: key(r) })).sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0)).map((x) => x.r);
}

/** Bytes as a Buffer (PGlite gives Uint8Array, pg gives Buffer): comparable across snapshots. */
function normalise(rows: Record<string, unknown>[]): Record<string, unknown>[] {
  return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v])));
}

/** Every stored fact (all tables but obs_import and obs_prune), in a stable order. */
export async function snapshot(db: Db, withImports = false): Promise<Record<string, Record<string, unknown>[]>> {
  const out: Record<string, Record<string, unknown>[]> = {};
  for (const t of DATA_TABLES) out[t] = sortRows(normalise((await db.query(`SELECT * FROM ${t}`)).rows));
  out.partitions = await partitions(db);
  if (withImports) out.obs_import = (await db.query('SELECT * FROM obs_import ORDER BY id')).rows;
  return out;
}

/** Names of the monthly partitions of obs_triplet and obs_location. */
export async function partitions(db: Db): Promise<Record<string, unknown>[]> {
  const { rows } = await db.query<{ parent: string; name: string }>(
    `SELECT p.relname AS parent, c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
     WHERE i.inhparent IN ('obs_triplet'::regclass, 'obs_location'::regclass) ORDER BY 1, 2`,
  );
  return rows;
}

export interface TripletRow {
  month: string;
  imei_norm: string;
  imsi: string | null;
  msisdn: string | null;
  operator_id: number;
  first_seen: string;
  last_seen: string;
  date_bitmask: number;
}

export async function triplets(db: Db): Promise<TripletRow[]> {
  return (await db.query<TripletRow>('SELECT * FROM obs_triplet ORDER BY imei_norm COLLATE "C", month, operator_id, imsi COLLATE "C", msisdn COLLATE "C"')).rows;
}

export interface ImeiRow {
  imei_norm: string;
  first_seen: string;
  last_seen: string;
  rat_bitmask: number;
  operator_bitmask: number;
}

export async function imeiRows(db: Db): Promise<ImeiRow[]> {
  return (await db.query<ImeiRow>('SELECT * FROM obs_imei ORDER BY imei_norm COLLATE "C"')).rows;
}

export async function importLog(db: Db): Promise<{ id: number; file_name: string; disabled_gates: string[]; rows_read: number; rows_kept: number; packing: string; gates: unknown }[]> {
  return (await db.query<{ id: number; file_name: string; disabled_gates: string[]; rows_read: number; rows_kept: number; packing: string; gates: unknown }>('SELECT * FROM obs_import ORDER BY id')).rows;
}

/** The day-of-month bitmask of days `from`..`to` (1-based, inclusive). */
export const bitsOfDays = (from: number, to: number): number => {
  let m = 0;
  for (let d = from; d <= to; d++) m |= 1 << (d - 1);
  return m;
};
