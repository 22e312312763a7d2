/**
 * Check a downloaded list folder (`ceir lists verify DIR`): the manifest's Ed25519 signature,
 * that `manifest.json` is the manifest that was signed, and every file's SHA-256 and data rows
 * against the signed manifest. A CSV missing beside the manifest is checked inside the zip.
 * Nothing is trusted that the signature does not cover.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { CeirError } from '../errors.ts';
import { CsvRowCounter } from './csv-file.ts';
import type { Manifest } from './files.ts';
import { jwkThumbprint, verifyCompact } from './jws.ts';

export interface VerifyProblem {
  /** The file at fault, relative to the checked directory. */
  file: string;
  rule: 'missing' | 'signature' | 'manifest_mismatch' | 'sha256' | 'rows' | 'bad_manifest';
  message: string;
}

export interface FolderCheck {
  folder: string;
  version: number | null;
  operator: string | null;
  files_checked: number;
  ok: boolean;
  problems: VerifyProblem[];
}

export interface VerifyReport {
  ok: boolean;
  key_thumbprint: string;
  folders: FolderCheck[];
}

async function digest(stream: Readable): Promise<{ sha256: string; rows: number }> {
  const hash = createHash('sha256');
  const counter = new CsvRowCounter();
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    counter.update(chunk as Buffer);
  }
  return { sha256: hash.digest('hex'), rows: counter.rows };
}

/** Digest of each named entry of a zip archive (entries not asked for are skipped). */
function digestZipEntries(path: string, names: Set<string>): Promise<Map<string, { sha256: string; rows: number }>> {
  return new Promise((resolve, reject) => {
    const out = new Map<string, { sha256: string; rows: number }>();
    yauzl.open(path, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error('cannot open the zip'));
      zip.on('error', reject);
      zip.on('end', () => resolve(out));
      zip.on('entry', (e: yauzl.Entry) => {
        if (!names.has(e.fileName)) return zip.readEntry();
        zip.openReadStream(e, (e2, stream) => {
          if (e2 || !stream) return reject(e2 ?? new Error(`cannot read ${e.fileName}`));
          digest(stream).then((d) => {
            out.set(e.fileName, d);
            zip.readEntry();
          }, reject);
        });
      });
      zip.readEntry();
    });
  });
}

const SAFE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

async function checkFolder(dir: string, rel: string, publicKey: KeyObject): Promise<FolderCheck> {
  const at = (f: string) => (rel ? `${rel}/${f}` : f);
  const check: FolderCheck = { folder: rel || '.', version: null, operator: null, files_checked: 0, ok: false, problems: [] };
  const problem = (file: string, rule: VerifyProblem['rule'], message: string) => check.problems.push({ file: at(file), rule, message: `${at(file)}: ${message}` });

  const jwsPath = join(dir, 'manifest.jws');
  if (!existsSync(jwsPath)) {
    problem('manifest.jws', 'missing', 'missing: the manifest signature is needed to trust anything in this folder');
    return check;
  }
  const sig = verifyCompact(readFileSync(jwsPath, 'utf8'), publicKey);
  if (!sig.valid) {
    problem('manifest.jws', 'signature', `${sig.reason}: the manifest was not signed by this key or was altered`);
    return check;
  }
  const jsonPath = join(dir, 'manifest.json');
  if (existsSync(jsonPath) && !readFileSync(jsonPath).equals(sig.payload)) {
    problem('manifest.json', 'manifest_mismatch', 'signature mismatch: it differs from the manifest signed in manifest.jws (changed after signing); the signed one is used');
  }
  let m: Manifest;
  try {
    m = JSON.parse(sig.payload.toString('utf8')) as Manifest;
    if (!Array.isArray(m.files)) throw new Error('no files');
  } catch (e) {
    problem('manifest.jws', 'bad_manifest', `the signed manifest is not a list manifest (${(e as Error).message})`);
    return check;
  }
  check.version = m.version;
  check.operator = m.operator;

  const fromZip = new Set<string>();
  for (const f of m.files) {
    if (!SAFE_NAME.test(f.name)) {
      problem(String(f.name), 'bad_manifest', 'not a plain file name');
      continue;
    }
    const p = join(dir, f.name);
    if (!existsSync(p)) {
      fromZip.add(f.name);
      continue;
    }
    compare(f, await digest(createReadStream(p)));
  }
  function compare(f: Manifest['files'][number], d: { sha256: string; rows: number }, inZip = '') {
    check.files_checked++;
    if (d.sha256 !== f.sha256) problem(inZip + f.name, 'sha256', `SHA-256 mismatch: ${d.sha256}, the signed manifest says ${f.sha256}`);
    else if (d.rows !== f.rows) problem(inZip + f.name, 'rows', `row count mismatch: ${d.rows} rows, the signed manifest says ${f.rows}`);
  }

  const zipName = m.archive?.name;
  const zipPath = zipName && SAFE_NAME.test(zipName) ? join(dir, zipName) : null;
  if (zipPath && existsSync(zipPath)) {
    const d = await digest(createReadStream(zipPath));
    check.files_checked++;
    if (d.sha256 !== m.archive.sha256) problem(zipName, 'sha256', `SHA-256 mismatch: ${d.sha256}, the signed manifest says ${m.archive.sha256}`);
    else if (fromZip.size) {
      const found = await digestZipEntries(zipPath, fromZip);
      for (const f of m.files.filter((x) => fromZip.has(x.name))) {
        const e = found.get(f.name);
        if (e) compare(f, e, `${zipName}:`);
        else problem(f.name, 'missing', `missing, and not in ${zipName}`);
      }
      fromZip.clear();
    }
  }
  for (const name of fromZip) problem(name, 'missing', `missing${zipName ? `, and ${zipName} is not here to read it from` : ''}`);
  check.ok = check.problems.length === 0;
  return check;
}

/**
 * Verify a list folder (holding `manifest.jws`), or every such folder of a version directory.
 */
export async function verifyListDir(dir: string, publicKey: KeyObject): Promise<VerifyReport> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new CeirError('CEIR_ERR_USAGE', `${dir}: not a directory`);
  let folders: { path: string; rel: string }[];
  if (existsSync(join(dir, 'manifest.jws')) || existsSync(join(dir, 'manifest.json'))) folders = [{ path: dir, rel: '' }];
  else {
    folders = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && (existsSync(join(dir, e.name, 'manifest.jws')) || existsSync(join(dir, e.name, 'manifest.json'))))
      .map((e) => ({ path: join(dir, e.name), rel: e.name }))
      .sort((a, b) => (a.rel < b.rel ? -1 : 1));
  }
  if (!folders.length) throw new CeirError('CEIR_ERR_USAGE', `${dir}: no manifest.jws here nor in its folders: not a list download`);
  const checks: FolderCheck[] = [];
  for (const f of folders) checks.push(await checkFolder(f.path, f.rel, publicKey));
  return { ok: checks.every((c) => c.ok), key_thumbprint: jwkThumbprint(publicKey), folders: checks };
}
