/** Shared helpers of the reference-module tests: temp files, IMEIs, imports and list snapshots. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync, gzipSync } from 'node:zlib';
import type { CountryProfile } from '../../src/config/profile.ts';
import { luhnCheckDigit } from '../../src/identity/luhn.ts';
import { importList, type ImportOptions, type ImportReport } from '../../src/reference/importer.ts';
import { listSpec, type ListKind } from '../../src/reference/lists.ts';
import { listAsOf } from '../../src/reference/queries.ts';
import type { Db } from '../../src/store/db.ts';
import { demoProfile } from '../helpers/store.ts';

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

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A zip archive holding the given files (deflated), written without any external tool. */
export function zip(files: Record<string, string>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(files)) {
    const raw = Buffer.from(text);
    const data = deflateRawSync(raw);
    const fname = Buffer.from(name);
    const crc = crc32(raw);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0, 6);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(0, 10);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(fname.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(0, 12);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(raw.length, 24);
    central.writeUInt16LE(fname.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, fname, data);
    centrals.push(central, fname);
    offset += local.length + fname.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}
