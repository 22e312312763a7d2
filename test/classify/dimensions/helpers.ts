/**
 * Helpers of the dimension tests: reference lists and operator files built in code and imported
 * through the real importers, and a runner that evaluates one dimension on an analysis date.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CountryProfile } from '../../../src/config/profile.ts';
import type { Dimension, DimensionContext } from '../../../src/classify/dimension.ts';
import { monthOf } from '../../../src/classify/dimensions/common.ts';
import { DIMENSIONS } from '../../../src/classify/dimensions/index.ts';
import { evaluateOnRows, ROW_COLUMNS } from '../../../src/classify/triplet-rows.ts';
import { importObservations } from '../../../src/observations/importer.ts';
import { importList } from '../../../src/reference/importer.ts';
import type { ListKind } from '../../../src/reference/lists.ts';
import type { Db } from '../../../src/store/db.ts';
import { demoProfile } from '../../helpers/store.ts';

export { ENGINE, freshDb } from '../../helpers/store.ts';

/** "Today" for the observation importer: every file here is dated in 2025. */
export const TODAY = new Date('2025-12-31T12:00:00Z');

let demo: CountryProfile | undefined;
/**
 * Demoland (MCC 999; alpha 99901, beta 99902 and 99903, gamma 99904; `Module` exempted), with
 * every observation quality gate open: these tests feed odd data on purpose.
 */
export function profile(): CountryProfile {
  demo ??= demoProfile();
  const gates = Object.fromEntries(Object.keys(demo.observations.gates).map((g) => [g, g === 'daily_volume' ? 0 : 1])) as CountryProfile['observations']['gates'];
  return { ...demo, observations: { ...demo.observations, gates } };
}

/** A 14-digit key: `tac` + serial `i`. */
export const key = (i: number, tac = '35209900'): string => tac + String(i).padStart(6, '0');
/** A 15-digit IMSI under `prefix` (alpha's by default). */
export const imsi = (i: number, prefix = '99901'): string => prefix + String(i).padStart(15 - prefix.length, '0');
/** A national MSISDN (calling code 99), `base` + `i`. */
export const msisdn = (i: number, base = 990000000): string => String(base + i);

/** `YYYY-MM-DD` plus `n` days. */
export function addDays(iso: string, n: number): string {
  return new Date(Date.parse(`${iso}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/** `count` consecutive ISO days from `start`. */
export const days = (start: string, count: number): string[] => Array.from({ length: count }, (_, i) => addDays(start, i));

export interface Obs {
  /** ISO day. */
  date: string;
  /** The IMEI as the network sends it (a 14-digit key gets a spare `0`). */
  imei: string;
  imsi?: string;
  msisdn?: string;
  rat?: string;
  cell_id?: string;
  svn?: string;
}

async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'openceir-dim-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const ymd = (iso: string) => iso.replaceAll('-', '');

/** Import observations of one operator (alpha by default) as one file covering their dates. */
export async function observe(db: Db, rows: Obs[], operator = 'alpha'): Promise<void> {
  assert.ok(rows.length, 'no rows to import');
  const dates = rows.map((r) => r.date).sort();
  const withCell = rows.some((r) => r.cell_id !== undefined);
  const withSvn = rows.some((r) => r.svn !== undefined);
  const header = ['date', 'imei', 'imsi', 'msisdn', 'rat', ...(withCell ? ['cell_id'] : []), ...(withSvn ? ['svn'] : [])];
  const lines = rows.map((r) => {
    const imei = /^\d{14}$/.test(r.imei) ? r.imei + '0' : r.imei;
    const f = [ymd(r.date), imei, r.imsi ?? imsi(1), r.msisdn ?? msisdn(1), r.rat ?? '006'];
    if (withCell) f.push(r.cell_id ?? '');
    if (withSvn) f.push(r.svn ?? '');
    return f.join(',');
  });
  await withTempDir(async (dir) => {
    const file = join(dir, `${operator}_${ymd(dates[0])}_${ymd(dates[dates.length - 1])}.csv`);
    await writeFile(file, [header.join(','), ...lines].join('\n') + '\n');
    const r = await importObservations(db, { file, operator, profile: profile(), today: TODAY });
    if (r.status !== 'imported') throw new Error(`observations refused: ${JSON.stringify(r.problems)} ${JSON.stringify(r.gates.filter((g) => !g.passed))}`);
  });
}

/** Import a reference list (full) from its lines, header first; `at` is when it takes effect. */
export async function list(db: Db, kind: ListKind, lines: string[], at?: Date): Promise<void> {
  await withTempDir(async (dir) => {
    const file = join(dir, `${kind}.csv`);
    await writeFile(file, lines.join('\n') + '\n');
    const r = await importList(db, { kind, file, profile: profile(), at });
    if (r.status === 'refused') throw new Error(`${kind} refused: ${JSON.stringify(r.problems)}`);
  });
}

export interface Tac {
  tac: string;
  manufacturer?: string;
  model?: string;
  bands?: string;
  /** `DD-Mon-YYYY`. */
  allocated?: string;
  type?: string;
}

/** Import a GSMA TAC database. */
export function gsma(db: Db, tacs: Tac[]): Promise<void> {
  return list(db, 'gsma_tac', [
    'TAC|Manufacturer|Model Name|Bands|Allocation Date|Device Type',
    ...tacs.map((t) => [t.tac, t.manufacturer ?? 'Acme', t.model ?? `Model ${t.tac}`, t.bands ?? 'GSM 900,LTE', t.allocated ?? '01-Jan-2020', t.type ?? 'Smartphone'].join('|')),
  ]);
}

export type Evidence = Record<string, unknown>;

/**
 * Evaluate a dimension on analysis date `date` with `params` (validated and defaulted by its
 * schema): the matching IMEIs with their evidence, by IMEI.
 */
export async function run(db: Db, module: string, params: Record<string, unknown>, date: string, prof: CountryProfile = profile()): Promise<Map<string, Evidence>> {
  const dim = DIMENSIONS[module];
  assert.ok(dim, `dimension ${module} is registered`);
  const ctx = { analysisDate: date, profile: prof };
  const parsed = dim.params.parse(params);
  const q = dim.sql(parsed, ctx);
  const { rows } = await db.query<{ imei_norm: string; evidence: Evidence | null }>(q.text, q.values);
  const out = new Map<string, Evidence>();
  for (const r of rows) {
    assert.ok(!out.has(r.imei_norm), `${module}: one row per IMEI (${r.imei_norm} twice)`);
    out.set(r.imei_norm, r.evidence ?? {});
  }
  if (dim.onRows) {
    // Its rule in memory, over every IMEI's rows, gives exactly the same (as jsonb text: numbers of the same scale).
    const texts = await db.query<{ imei_norm: string; evidence: string }>(`SELECT imei_norm, evidence::text AS evidence FROM (${q.text}) d`, q.values);
    const expected = new Map(texts.rows.map((r) => [r.imei_norm, r.evidence]));
    assert.deepEqual(await inMemory(db, dim, parsed, ctx), expected, `${module}: the rule in memory gives what its query gives`);
  }
  return out;
}

/** What a dimension's rule in memory (`onRows`) finds over every IMEI's triplets, evidence as jsonb text. */
async function inMemory<P>(db: Db, dim: Dimension<P>, params: P, ctx: DimensionContext): Promise<Map<string, string>> {
  const w = dim.tripletWindow!(params, ctx);
  return db.transaction(async (tx) => {
    const rule = { rule: dim.onRows!(params, ctx), evidence: true };
    const select = `SELECT ${ROW_COLUMNS} FROM v_triplet t WHERE t.month >= '${monthOf(w.from)}' AND t.month <= '${monthOf(w.to)}'`;
    const data = (await evaluateOnRows(tx, [select], new Map([['dimension', rule]]))).get('dimension')!;
    await tx.exec('CREATE TEMP TABLE in_memory (imei_norm text, evidence jsonb) ON COMMIT DROP');
    await tx.copyFrom('COPY in_memory FROM STDIN', data);
    const { rows } = await tx.query<{ imei_norm: string; evidence: string }>('SELECT imei_norm, evidence::text AS evidence FROM in_memory');
    return new Map(rows.map((r) => [r.imei_norm, r.evidence]));
  });
}

/** The matching IMEIs, sorted. */
export async function matches(db: Db, module: string, params: Record<string, unknown>, date: string, prof?: CountryProfile): Promise<string[]> {
  return [...(await run(db, module, params, date, prof)).keys()].sort();
}
