/**
 * Where an EIR node gets its list versions: a lists folder written by `ceir lists`, or a CEIR's
 * `GET /v1/lists…` endpoint (downloaded into a local cache folder). Either way a version is
 * verified (Ed25519 manifest signature, every file's SHA-256 and rows) before anything of it is
 * used; a version that fails is refused and the node keeps the one it has.
 */
import type { KeyObject } from 'node:crypto';
import { createWriteStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { CeirError } from '../errors.ts';
import type { VersionInfo } from '../api/lists-routes.ts';
import { BLOCKLIST_FOLDER, EIR_FOLDER, type Manifest } from '../lists/files.ts';
import { verifyListDir } from '../lists/verify.ts';

export interface ListSource {
  /** Names the source in logs. */
  readonly description: string;
  /** The newest complete version, or null when there is none yet. */
  latest(): Promise<number | null>;
  /** A local folder holding the version (the folders this node needs, at least). */
  fetch(version: number): Promise<string>;
}

/** The folders of a version this node loads: the block list, the EIR sets, and its operators'. */
export function wantedFolder(name: string, operators: string[] | undefined): boolean {
  return name === BLOCKLIST_FOLDER || name === EIR_FOLDER || !operators || operators.includes(name);
}

export class DirSource implements ListSource {
  readonly description: string;
  constructor(private readonly dir: string) {
    this.description = `folder ${dir}`;
  }
  async latest(): Promise<number | null> {
    if (!existsSync(this.dir)) return null;
    const versions = readdirSync(this.dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && /^[1-9]\d*$/.test(e.name) && existsSync(join(this.dir, e.name, BLOCKLIST_FOLDER, 'manifest.jws')))
      .map((e) => Number(e.name));
    return versions.length ? Math.max(...versions) : null;
  }
  async fetch(version: number): Promise<string> {
    const p = join(this.dir, String(version));
    if (!existsSync(p)) throw new CeirError('CEIR_ERR_LISTS_REFUSED', `list version ${version} is not in ${this.dir}`);
    return p;
  }
}

export class HttpSource implements ListSource {
  readonly description: string;
  private readonly base: string;
  constructor(
    url: string,
    private readonly cacheDir: string,
    private readonly opts: { token?: string; operators?: string[] } = {},
  ) {
    this.base = url.replace(/\/+$/, '');
    this.description = this.base;
  }

  private async get(path: string): Promise<Response> {
    const res = await fetch(`${this.base}${path}`, { headers: this.opts.token ? { authorization: `Bearer ${this.opts.token}` } : {} });
    if (!res.ok) throw new CeirError('CEIR_ERR_LISTS_REFUSED', `GET ${this.base}${path}: HTTP ${res.status}`);
    return res;
  }

  async latest(): Promise<number | null> {
    const body = (await (await this.get('')).json()) as { latest?: unknown };
    if (body.latest !== null && !Number.isInteger(body.latest)) throw new CeirError('CEIR_ERR_LISTS_REFUSED', `${this.base}: not a list endpoint (no "latest" version)`);
    return body.latest as number | null;
  }

  async fetch(version: number): Promise<string> {
    const dest = join(this.cacheDir, String(version));
    if (existsSync(dest)) return dest;
    const info = (await (await this.get(`/${version}`)).json()) as VersionInfo & { files: Record<string, string[]> };
    const partial = join(this.cacheDir, `.${version}.partial`);
    await rm(partial, { recursive: true, force: true });
    try {
      for (const folder of info.folders.filter((f) => wantedFolder(f, this.opts.operators))) {
        await mkdir(join(partial, folder), { recursive: true });
        // The signed manifest says which files matter; the zips repeat the CSVs and are not fetched.
        const download = async (file: string) => {
          const res = await this.get(`/${version}/${encodeURIComponent(folder)}/${encodeURIComponent(file)}`);
          await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), createWriteStream(join(partial, folder, file)));
        };
        await download('manifest.jws');
        await download('manifest.json');
        const m = JSON.parse(readFileSync(join(partial, folder, 'manifest.json'), 'utf8')) as Manifest;
        for (const f of m.files) await download(f.name);
      }
      await rename(partial, dest);
    } catch (e) {
      await rm(partial, { recursive: true, force: true });
      throw e;
    }
    return dest;
  }
}

/**
 * Verify a fetched version: every folder's signature and files. Throws CEIR_ERR_LISTS_REFUSED
 * naming each problem.
 */
export async function verifyVersion(dir: string, publicKey: KeyObject): Promise<void> {
  const report = await verifyListDir(dir, publicKey);
  if (!existsSync(join(dir, BLOCKLIST_FOLDER))) throw new CeirError('CEIR_ERR_LISTS_REFUSED', `${dir}: no ${BLOCKLIST_FOLDER} folder: not a list version`);
  if (!report.ok) {
    const problems = report.folders.flatMap((f) => f.problems.map((p) => p.message));
    throw new CeirError('CEIR_ERR_LISTS_REFUSED', `${dir} fails verification: ${problems.join('; ')}`, problems);
  }
}

/** The version's manifest facts (version, base version, list date), from its block list folder. */
export function versionManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, BLOCKLIST_FOLDER, 'manifest.json'), 'utf8')) as Manifest;
}
