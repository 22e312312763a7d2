/**
 * What every command needs: the validated configuration (country profile) and the store,
 * chosen by options and environment, plus output in human or JSON form.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadProfile, type CountryProfile } from '../config/profile.ts';
import { CeirError } from '../errors.ts';
import { MIGRATIONS } from '../migrations.ts';
import type { Db } from '../store/db.ts';
import { migrate } from '../store/migrate.ts';
import { openStore } from '../store/open.ts';

export interface GlobalOptions {
  config?: string;
  data?: string;
  json?: boolean;
}

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DEMO_PROFILE = join(PROJECT_ROOT, 'profiles', 'demo.yaml');

export function configPath(opts: GlobalOptions): string {
  return opts.config ?? process.env.CEIR_CONFIG ?? DEMO_PROFILE;
}

export function loadConfig(opts: GlobalOptions): CountryProfile {
  return loadProfile(configPath(opts));
}

export function dataDir(opts: GlobalOptions): string {
  return resolve(opts.data ?? process.env.CEIR_DATA ?? 'data');
}

/** Open the store; migrations are applied unless `migrateNow` is false. */
export async function openDb(opts: GlobalOptions, migrateNow = true): Promise<Db> {
  const url = process.env.DATABASE_URL || undefined;
  const dir = dataDir(opts);
  const db = await openStore({ databaseUrl: url, dataDir: url ? undefined : dir, schema: process.env.CEIR_DB_SCHEMA || undefined });
  if (migrateNow) await migrate(db, MIGRATIONS);
  return db;
}

export function describeStore(opts: GlobalOptions): string {
  const url = process.env.DATABASE_URL;
  return url ? `PostgreSQL ${url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')}` : `embedded PGlite in ${dataDir(opts)}`;
}

export function printJson(v: unknown): void {
  process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
}

/** A port number option (0 picks a free port). */
export function portOption(value: string, option: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new CeirError('CEIR_ERR_USAGE', `${option} "${value}" is not a port number`);
  return port;
}
