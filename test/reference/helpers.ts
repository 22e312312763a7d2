/** Shared helpers of the reference-module tests: temp files, IMEIs, imports and list snapshots. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { CountryProfile } from '../../src/config/profile.ts';
import { luhnCheckDigit } from '../../src/identity/luhn.ts';
import { importList, type ImportOptions, type ImportReport } from '../../src/reference/importer.ts';
import { listSpec, type ListKind } from '../../src/reference/lists.ts';
import { listAsOf } from '../../src/reference/queries.ts';
import type { Db } from '../../src/store/db.ts';
import { demoProfile } from '../helpers/store.ts';
import { makeZip } from '../io/zip.ts';

export { ENGINE, freshDb, demoProfile } from '../helpers/store.ts';

/** Run `fn` with a fresh temp directory, removed afterwards. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'openceir-ref-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Write `content` (text joined by `\n` when an array; bytes as they are) and return the path. */
export async function put(dir: string, name: string, content: string | string[] | Uint8Array): Promise<string> {
  const path = join(dir, name);
  const data = Array.isArray(content) ? content.join('\n') + '\n' : content;
  await writeFile(path, data);
  return path;
}

/** The 15-digit IMEI (with its Luhn check digit) of a 14-digit key. */
export const imei15 = (key14: string): string => key14 + luhnCheckDigit(key14);

/** The 15-digit IMEI with a wrong check digit. */
export const badLuhn = (key14: string): string => key14 + ((luhnCheckDigit(key14) + 1) % 10);

/** 14-digit keys `TAC` + serial `start`, `start+1`, ... */
export const keys = (tac: string, n: number, start = 0): string[] =>
  Array.from({ length: n }, (_, i) => tac + String(start + i).padStart(6, '0'));

export type Opts = Partial<Omit<ImportOptions, 'kind' | 'file'>>;

let profile: CountryProfile | undefined;

/** The demo profile, with the `imports` settings overridden. */
export function profileWith(imports: Partial<CountryProfile['imports']> = {}): CountryProfile {
  profile ??= demoProfile();
  return { ...profile, imports: { ...profile.imports, ...imports } };
}

export function imp(db: Db, kind: ListKind, file: string, opts: Opts = {}): Promise<ImportReport> {
  return importList(db, { kind, file, profile: opts.profile ?? profileWith(), ...opts });
}

/** Import and fail loudly (with the problems) unless the status is the expected one. */
export async function impOk(db: Db, kind: ListKind, file: string, opts: Opts = {}, status: ImportReport['status'] = 'imported'): Promise<ImportReport> {
  const r = await imp(db, kind, file, opts);
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${JSON.stringify(r.problems)}`);
  return r;
}

/** A whole list as it stood at `at` (default now), every page concatenated. */
export async function snapshot(db: Db, kind: ListKind, at?: Date): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for await (const page of listAsOf(db, kind, at)) out.push(...page);
  return out;
}

/** Every stored row of a list's table, history included, in a stable order. */
export async function historyRows(db: Db, kind: ListKind): Promise<Record<string, unknown>[]> {
  const spec = listSpec(kind);
  const key = spec.key.map((c) => c.name).join(', ');
  const { rows } = await db.query(`SELECT * FROM ${spec.table} ORDER BY ${key}, valid_from`);
  return rows;
}

export async function importRows(db: Db, kind?: ListKind): Promise<Record<string, unknown>[]> {
  const { rows } = kind
    ? await db.query('SELECT * FROM ref_import WHERE kind = $1 ORDER BY id', [kind])
    : await db.query('SELECT * FROM ref_import ORDER BY id');
  return rows;
}

/** The keys (first key column) of a list's current content. */
export async function currentKeys(db: Db, kind: ListKind): Promise<string[]> {
  const k = listSpec(kind).key[0].name;
  return (await snapshot(db, kind)).map((r) => String(r[k]));
}

export const gz = (content: string | Buffer): Buffer => gzipSync(typeof content === 'string' ? Buffer.from(content) : content);

/** A zip archive holding the given files (deflated). */
export function zip(files: Record<string, string>): Buffer {
  return makeZip(Object.entries(files).map(([name, data]) => ({ name, data, method: 'deflate' })));
}
