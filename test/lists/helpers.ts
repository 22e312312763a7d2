/**
 * Shared helpers of the list tests: classification states as fixture rows (the lists read only
 * `v_cls_*`), operator observations and reference lists imported the way users import them,
 * and the lists read back from the module's tables.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import type { CountryProfile } from '../../src/config/profile.ts';
import { generateLists, type GenerateListsOptions, type ListsReport } from '../../src/lists/generate.ts';
import { ensureSigningKey, type SigningKey } from '../../src/lists/keys.ts';
import { importObservations } from '../../src/observations/importer.ts';
import { importList } from '../../src/reference/importer.ts';
import type { ListKind } from '../../src/reference/lists.ts';
import type { Db } from '../../src/store/db.ts';
import { lenient, TODAY, type Row } from '../observations/helpers.ts';
import { demoProfile } from '../helpers/store.ts';

export { ENGINE, freshDb } from '../helpers/store.ts';

/** A 14-digit IMEI key: TAC 35209900 and serial `i`. */
export const key = (i: number): string => `35209900${String(i).padStart(6, '0')}`;
/** An IMSI under `prefix` (alpha 99901, beta 99902/99903, gamma 99904; 21401 is a Spanish roamer). */
export const imsi = (prefix: string, i: number): string => prefix + String(i).padStart(15 - prefix.length, '0');
export const msisdn = (i: number): string => `99${String(i).padStart(9, '0')}`;

export const CONDITIONS = [
  { label: 'stolen', blocking: true, reason: 'IMEI reported stolen', grace_period_days: 0 },
  { label: 'dup', blocking: true, reason: 'Duplicate IMEI', grace_period_days: 30 },
  { label: 'watch', blocking: false, reason: 'Seen with a roamer', grace_period_days: 0 },
];

export interface StateSpec {
  imei: string;
  cond: string;
  block: string | null;
  start?: string;
  granted?: boolean;
  /** A closed state (not open any more). */
  end?: string;
}

/**
 * Record a classification run for `analysisDate` whose open states are exactly `states`
 * (fixture rows: the lists read the classification only through its public views).
 */
export async function classifyFixture(db: Db, analysisDate: string, states: StateSpec[], conditions = CONDITIONS): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO cls_run (analysis_date, config_hash, conditions, counts, started_at, finished_at, duration_ms)
     VALUES ($1, 'fixture', $2, '{}', now(), now(), 0) RETURNING id`,
    [analysisDate, JSON.stringify(conditions)],
  );
  const run = rows[0].id;
  await db.query('DELETE FROM cls_state');
  for (const s of states) {
    await db.query(
      `INSERT INTO cls_state (imei_norm, cond, start_date, end_date, block_date, amnesty_granted, evidence, first_run, last_run)
       VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, $7)`,
      [s.imei, s.cond, s.start ?? '2025-01-01', s.end ?? null, s.block, s.granted ?? false, run],
    );
  }
  return run;
}

let demo: CountryProfile | undefined;

/** List options as the schema defaults them (the demo profile may set its own). */
export const DEFAULT_LISTS: CountryProfile['lists'] = {
  lookback_days: 60, restrict_exceptions_to_blocked_imeis: false, include_barred_imeis_in_exceptions: false,
  generate_check_digit: false, output_invalid_imeis: true,
};

/** The demo country (operators alpha, beta, gamma) with the default list options, then `lists`. */
export function profileWith(lists: Partial<CountryProfile['lists']> = {}): CountryProfile {
  demo ??= demoProfile();
  return { ...demo, lists: { ...DEFAULT_LISTS, ...lists } };
}

/** A profile file for the command: the demo country and operators, default list options. */
export const TEST_PROFILE_YAML = `country: { name: Demoland, mcc: ["999"], calling_codes: ["99"], mnc_length: 2 }
operators:
  - { id: alpha, name: Alpha Mobile, mcc_mnc: ["99901"] }
  - { id: beta, name: Beta Telecom, mcc_mnc: ["99902", "99903"] }
  - { id: gamma, name: Gamma Wireless, mcc_mnc: ["99904"] }
`;

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'openceir-lists-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Import one operator file of observations for January-February 2025 (every gate lenient). */
export async function observe(db: Db, dir: string, operator: string, rows: Omit<Row, 'rat'>[]): Promise<void> {
  const text = ['date,imei,imsi,msisdn,rat', ...rows.map((r) => `${r.date},${r.imei},${r.imsi},${r.msisdn},006`)].join('\n') + '\n';
  const file = join(dir, `${operator}_20250101_20250228.csv`);
  await writeFile(file, text);
  const r = await importObservations(db, { file, operator, profile: lenient(), today: TODAY });
  if (r.status !== 'imported') throw new Error(`observations of ${operator} refused: ${JSON.stringify(r.problems)} ${JSON.stringify(r.gates.filter((g) => !g.passed))}`);
}

/** Import a reference list (full, shrinking allowed) from CSV lines. */
export async function reference(db: Db, dir: string, kind: ListKind, lines: string[]): Promise<void> {
  const file = join(dir, `${kind}-${Date.now()}-${Math.random().toString(36).slice(2)}.csv`);
  await writeFile(file, lines.join('\n') + '\n');
  const r = await importList(db, { kind, file, profile: profileWith(), forceShrink: true });
  if (r.status === 'refused') throw new Error(`${kind} refused: ${JSON.stringify(r.problems)}`);
}

export interface Lists {
  blocklist: string[];
  notifications: string[];
  exceptions: string[];
}

/** The current lists as sorted text rows: `imei,block_date,reasons` and `operator:imei,imsi,msisdn[,block_date,reasons]`. */
export async function currentLists(db: Db): Promise<Lists> {
  const b = await db.query<{ r: string }>(`SELECT imei_norm || ',' || block_date::text || ',' || reasons AS r FROM lst_block`);
  const n = await db.query<{ r: string }>(`SELECT operator || ':' || imei_norm || ',' || imsi || ',' || msisdn || ',' || block_date::text || ',' || reasons AS r FROM lst_notification`);
  const e = await db.query<{ r: string }>(`SELECT operator || ':' || imei_norm || ',' || imsi || ',' || msisdn AS r FROM lst_exception`);
  const sorted = (rows: { r: string }[]) => rows.map((x) => x.r).sort();
  return { blocklist: sorted(b.rows), notifications: sorted(n.rows), exceptions: sorted(e.rows) };
}

/** A version's stored delta rows as sorted text: `list/operator:imei,imsi,msisdn=change`. */
export async function storedDelta(db: Db, version: number): Promise<string[]> {
  const { rows } = await db.query<{ r: string }>(
    `SELECT list || '/' || operator || ':' || imei_norm || ',' || imsi || ',' || msisdn || '=' || change AS r FROM lst_delta WHERE version = $1`,
    [version],
  );
  return rows.map((x) => x.r).sort();
}

let signing: SigningKey | undefined;
let keyDir: string | undefined;
after(async () => {
  if (keyDir) await rm(keyDir, { recursive: true, force: true });
});

/** One signing key for the test process. */
export async function testKey(): Promise<SigningKey> {
  keyDir ??= await mkdtemp(join(tmpdir(), 'openceir-key-'));
  signing ??= ensureSigningKey(join(keyDir, 'lists-ed25519.pem'));
  return signing;
}

export function lists(db: Db, opts: Partial<GenerateListsOptions> = {}): Promise<ListsReport> {
  return generateLists(db, { profile: profileWith(), ...opts });
}
