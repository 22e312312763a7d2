/**
 * The files of a list version (DOMAIN §6), one folder per audience:
 *
 *   <version>/blocklist/   blacklist.csv, blacklist_delta.csv, blocklist.zip, manifest.json, manifest.jws
 *   <version>/<operator>/  notifications.csv, notifications_delta.csv, exceptions.csv,
 *                          exceptions_delta.csv, <operator>.zip, manifest.json, manifest.jws
 *   <version>/eir/         monitored_imeis.csv, known_imeis.csv, known_tacs.csv, eir.zip,
 *                          manifest.json, manifest.jws
 *
 * The `eir` folder is what an equipment identity register needs beyond the lists (DOMAIN §7):
 * the monitored IMEIs (answered GREYLISTED) and, for a restrictive policy, the IMEIs and TACs it
 * knows (registered IMEIs; TACs of the device types the profile exempts from registration).
 * Full CSVs have DIRBS's headers; deltas add a trailing `change_type`. The zip holds the folder's
 * CSVs; the manifest lists each CSV's SHA-256 and data rows and the zip's SHA-256, and is signed
 * as a compact JWS (EdDSA). The block list is one folder shared by every operator rather than a
 * copy per operator: it is the largest list.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Db } from '../store/db.ts';
import { CsvFile, outputImei, ymd, type WrittenFile } from './csv-file.ts';
import { zeroChanges, type ListName } from './delta.ts';
import { signCompact } from './jws.ts';
import type { SigningKey } from './keys.ts';
import { pages } from './pages.ts';
import { zipFiles } from './zip.ts';

export const BLOCKLIST_FOLDER = 'blocklist';
export const EIR_FOLDER = 'eir';

export interface Manifest {
  version: number;
  base_version: number | null;
  list_date: string;
  created_at: string;
  country: string;
  /** The operator the folder is for; null for the block list folder. */
  operator: string | null;
  files: WrittenFile[];
  archive: { name: string; sha256: string; bytes: number };
  /** Rows of each full list; rows of each delta per change type. */
  counts: Record<string, number | Record<string, number>>;
}

/** Where the delta rows of this version's files are read: the stored chain delta, or a base delta table. */
export interface DeltaSource {
  from: string;
  /** Conditions on `from` using $1..$n of `params`. */
  where: string;
  params: unknown[];
}

export interface FileContext {
  /** The version folder to fill. */
  dir: string;
  version: number;
  baseVersion: number | null;
  listDate: string;
  createdAt: Date;
  country: string;
  operators: string[];
  checkDigit: boolean;
  /** Device types exempted from registration (their TACs are known to a restrictive EIR). */
  exemptedDeviceTypes: string[];
  delta: DeltaSource;
  key: SigningKey;
}

interface ListFile {
  name: string;
  header: string[];
  list: ListName;
  delta: boolean;
}

const FULL_HEADERS: Record<ListName, string[]> = {
  blocklist: ['imei', 'block_date', 'reasons'],
  notifications: ['imei', 'imsi', 'msisdn', 'block_date', 'reasons'],
  exceptions: ['imei', 'imsi', 'msisdn'],
};
const FILE_NAMES: Record<ListName, string> = { blocklist: 'blacklist', notifications: 'notifications', exceptions: 'exceptions' };
const TABLES: Record<ListName, string> = { blocklist: 'lst_block', notifications: 'lst_notification', exceptions: 'lst_exception' };

const filesOf = (lists: ListName[]): ListFile[] =>
  lists.flatMap((list) => [
    { name: `${FILE_NAMES[list]}.csv`, header: FULL_HEADERS[list], list, delta: false },
    { name: `${FILE_NAMES[list]}_delta.csv`, header: [...FULL_HEADERS[list], 'change_type'], list, delta: true },
  ]);

type Row = Record<string, string | null>;

function cells(list: ListName, r: Row, checkDigit: boolean, change: boolean): string[] {
  const imei = outputImei(r.imei_norm ?? '', checkDigit);
  const out =
    list === 'blocklist' ? [imei, ymd(r.block_date), r.reasons ?? '']
    : list === 'notifications' ? [imei, r.imsi ?? '', r.msisdn ?? '', ymd(r.block_date), r.reasons ?? '']
    : [imei, r.imsi ?? '', r.msisdn ?? ''];
  if (change) out.push(r.change ?? '');
  return out;
}

interface Written {
  file: WrittenFile;
  changes?: Record<string, number>;
}

/**
 * Write one list file for every folder in one pass over the list in key order (IMEI first, as
 * the tables are keyed): each row goes to its operator's file. Returns the files by folder.
 */
async function writeList(db: Db, ctx: FileContext, f: ListFile, folders: Map<string, string>): Promise<Map<string, Written>> {
  const csvs = new Map([...folders].map(([op, folder]) => [op, new CsvFile(join(folder, f.name), f.header)]));
  const changes = new Map([...folders.keys()].map((op) => [op, {} as Record<string, number>]));
  const values = f.list === 'exceptions' ? '' : ', block_date, reasons';
  const source = f.delta
    ? {
        select: `imei_norm, operator, imsi, msisdn${values}, change`, from: ctx.delta.from,
        where: `${ctx.delta.where} AND list = $${ctx.delta.params.length + 1}`, params: [...ctx.delta.params, f.list],
      }
    : { select: `imei_norm${f.list === 'blocklist' ? ", '' AS operator, '' AS imsi, '' AS msisdn" : ', operator, imsi, msisdn'}${values}`, from: TABLES[f.list], where: 'true', params: [] };
  for await (const page of pages<Row>(db, { ...source, keys: f.list === 'blocklist' && !f.delta ? ['imei_norm'] : ['imei_norm', 'operator', 'imsi', 'msisdn'] })) {
    const byOp = new Map<string, string[][]>();
    for (const r of page) {
      const op = r.operator ?? '';
      if (!csvs.has(op)) continue; // an operator no longer in the profile: counted, not written
      if (f.delta) {
        const c = changes.get(op)!;
        c[r.change ?? ''] = (c[r.change ?? ''] ?? 0) + 1;
      }
      let rows = byOp.get(op);
      if (!rows) byOp.set(op, (rows = []));
      rows.push(cells(f.list, r, ctx.checkDigit, f.delta));
    }
    for (const [op, rows] of byOp) await csvs.get(op)!.write(rows);
  }
  const out = new Map<string, Written>();
  for (const [op, csv] of csvs) out.set(op, { file: await csv.close(), changes: f.delta ? { ...zeroChanges(f.list), ...changes.get(op) } : undefined });
  return out;
}

async function finishFolder(ctx: FileContext, name: string, folder: string, operator: string | null, written: { name: string; w: Written }[]): Promise<Manifest> {
  const files = written.map((x) => x.w.file);
  const counts: Manifest['counts'] = Object.fromEntries(written.map((x) => [x.name.replace(/\.csv$/, ''), x.w.changes ?? x.w.file.rows]));
  const zipName = `${name}.zip`;
  const archive = await zipFiles(join(folder, zipName), files.map((f) => ({ path: join(folder, f.name), name: f.name })), ctx.createdAt);
  const manifest: Manifest = {
    version: ctx.version,
    base_version: ctx.baseVersion,
    list_date: ctx.listDate,
    created_at: ctx.createdAt.toISOString(),
    country: ctx.country,
    operator,
    files,
    archive: { name: zipName, ...archive },
    counts,
  };
  const json = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
  await writeFile(join(folder, 'manifest.json'), json);
  await writeFile(join(folder, 'manifest.jws'), `${signCompact(json, ctx.key.privateKey, ctx.key.thumbprint)}\n`);
  return manifest;
}

const EIR_FILES = [
  { name: 'monitored_imeis.csv', header: ['imei'], select: 'imei_norm', from: 'v_monitoring', where: 'true', key: 'imei_norm' },
  { name: 'known_imeis.csv', header: ['imei'], select: 'imei_norm', from: 'v_registration', where: 'registered', key: 'imei_norm' },
  { name: 'known_tacs.csv', header: ['tac'], select: 'tac', from: 'v_gsma_tac', where: 'device_type = ANY($1::text[])', key: 'tac' },
];

/** The EIR's reference sets, full at every version (they are not lists with deltas). */
async function writeEirFolder(db: Db, ctx: FileContext, folder: string): Promise<{ name: string; w: Written }[]> {
  const out: { name: string; w: Written }[] = [];
  for (const f of EIR_FILES) {
    const csv = new CsvFile(join(folder, f.name), f.header);
    const params = f.where.includes('$1') ? [ctx.exemptedDeviceTypes] : [];
    for await (const page of pages<Record<string, string>>(db, { select: f.select, from: f.from, where: f.where, params, keys: [f.key] })) {
      await csv.write(page.map((r) => [f.key === 'tac' ? r.tac : outputImei(r.imei_norm, ctx.checkDigit)]));
    }
    out.push({ name: f.name, w: { file: await csv.close() } });
  }
  return out;
}

/** Write every folder of the version; returns the manifests by folder name. */
export async function writeVersionFiles(db: Db, ctx: FileContext): Promise<Record<string, Manifest>> {
  const blockFolder = join(ctx.dir, BLOCKLIST_FOLDER);
  const opFolders = new Map(ctx.operators.map((op) => [op, join(ctx.dir, op)]));
  for (const f of [blockFolder, ...opFolders.values()]) await mkdir(f, { recursive: true });

  const written = new Map<string, { name: string; w: Written }[]>([[BLOCKLIST_FOLDER, []], ...ctx.operators.map((op) => [op, []] as [string, { name: string; w: Written }[]])]);
  for (const f of filesOf(['blocklist'])) {
    const w = (await writeList(db, ctx, f, new Map([['', blockFolder]]))).get('')!;
    written.get(BLOCKLIST_FOLDER)!.push({ name: f.name, w });
  }
  for (const f of filesOf(['notifications', 'exceptions'])) {
    for (const [op, w] of await writeList(db, ctx, f, opFolders)) written.get(op)!.push({ name: f.name, w });
  }
  const out: Record<string, Manifest> = {};
  out[BLOCKLIST_FOLDER] = await finishFolder(ctx, BLOCKLIST_FOLDER, blockFolder, null, written.get(BLOCKLIST_FOLDER)!);
  const eirFolder = join(ctx.dir, EIR_FOLDER);
  await mkdir(eirFolder, { recursive: true });
  out[EIR_FOLDER] = await finishFolder(ctx, EIR_FOLDER, eirFolder, null, await writeEirFolder(db, ctx, eirFolder));
  for (const [op, folder] of opFolders) out[op] = await finishFolder(ctx, op, folder, op, written.get(op)!);
  return out;
}
