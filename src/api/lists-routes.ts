/**
 * `GET /v1/lists…`: the signed list versions written by `ceir lists`, for operators' systems and
 * EIR nodes to download (DOMAIN §6–§7). Versions are immutable once their folder exists, so files
 * are served with long cache lifetimes; `GET /v1/lists` tells which versions there are.
 *
 *   GET /v1/lists                             {"latest": N, "versions": [{version, base_version, list_date, created_at, folders}]}
 *   GET /v1/lists/:version                    one version: its folders and each folder's files
 *   GET /v1/lists/:version/:folder/:file      one file (CSV, manifest.json, manifest.jws, zip)
 *
 * The lists hold subscribers' identifiers: with a token configured, every route wants
 * `Authorization: Bearer <token>`.
 */
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CeirError } from '../errors.ts';
import type { Manifest } from '../lists/files.ts';

export interface ListsRoutesOptions {
  /** The folder `ceir lists --out` writes into (one sub-folder per version). */
  dir: string;
  /** When set, the bearer token every request must carry. */
  token?: string;
}

export interface VersionInfo {
  version: number;
  base_version: number | null;
  list_date: string;
  created_at: string;
  folders: string[];
}

const NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;
const TYPES: Record<string, string> = { csv: 'text/csv; charset=utf-8', json: 'application/json', jws: 'application/jose', zip: 'application/zip' };

/** The complete versions in `dir` (folders named by a number; `.N.partial` folders are not). */
export function listVersionInfos(dir: string): VersionInfo[] {
  if (!existsSync(dir)) return [];
  const out: VersionInfo[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory() || !/^[1-9]\d*$/.test(e.name)) continue;
    const folders = readdirSync(join(dir, e.name), { withFileTypes: true })
      .filter((f) => f.isDirectory() && existsSync(join(dir, e.name, f.name, 'manifest.json')))
      .map((f) => f.name)
      .sort();
    if (!folders.length) continue;
    const m = JSON.parse(readFileSync(join(dir, e.name, folders[0], 'manifest.json'), 'utf8')) as Manifest;
    out.push({ version: Number(e.name), base_version: m.base_version, list_date: m.list_date, created_at: m.created_at, folders });
  }
  return out.sort((a, b) => a.version - b.version);
}

function versionDir(dir: string, version: string): string {
  if (!/^[1-9]\d*$/.test(version)) throw new CeirError('CEIR_ERR_USAGE', `list version "${version}" is not a version number`);
  const p = join(dir, version);
  if (!existsSync(p)) throw new CeirError('CEIR_ERR_NOT_FOUND', `no list version ${version}`);
  return p;
}

export function registerListsRoutes(app: FastifyInstance, opts: ListsRoutesOptions): void {
  const expected = opts.token ? Buffer.from(`Bearer ${opts.token}`) : null;
  const authorise = async (req: FastifyRequest) => {
    if (!expected) return;
    const got = Buffer.from(req.headers.authorization ?? '');
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
      throw new CeirError('CEIR_ERR_UNAUTHORIZED', 'the list downloads want Authorization: Bearer <token>');
    }
  };

  app.get('/v1/lists', { onRequest: authorise }, async () => {
    const versions = listVersionInfos(opts.dir);
    return { latest: versions.at(-1)?.version ?? null, versions };
  });

  app.get<{ Params: { version: string } }>('/v1/lists/:version', { onRequest: authorise }, async (req) => {
    const dir = versionDir(opts.dir, req.params.version);
    const info = listVersionInfos(opts.dir).find((v) => v.version === Number(req.params.version));
    if (!info) throw new CeirError('CEIR_ERR_NOT_FOUND', `list version ${req.params.version} is not complete`);
    return {
      ...info,
      files: Object.fromEntries(info.folders.map((f) => [f, readdirSync(join(dir, f)).filter((n) => NAME.test(n)).sort()])),
    };
  });

  app.get<{ Params: { version: string; folder: string; file: string } }>('/v1/lists/:version/:folder/:file', { onRequest: authorise }, async (req, reply) => {
    const { folder, file } = req.params;
    if (!NAME.test(folder) || !NAME.test(file)) throw new CeirError('CEIR_ERR_USAGE', 'a list folder or file name is a plain name');
    const path = join(versionDir(opts.dir, req.params.version), folder, file);
    if (!existsSync(path) || !statSync(path).isFile()) throw new CeirError('CEIR_ERR_NOT_FOUND', `no file ${folder}/${file} in list version ${req.params.version}`);
    return reply
      .header('content-type', TYPES[file.split('.').pop() ?? ''] ?? 'application/octet-stream')
      .header('content-length', statSync(path).size)
      .header('cache-control', 'public, max-age=31536000, immutable')
      .send(createReadStream(path));
  });
}
