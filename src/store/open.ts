/** Choose the engine: the PostgreSQL server when DATABASE_URL is set, else embedded PGlite. */
import type { Db } from './db.ts';

export interface StoreOptions {
  /** postgres:// URL; when absent the embedded engine is used. */
  databaseUrl?: string;
  /** PGlite data folder; `undefined` keeps the database in memory (tests). */
  dataDir?: string;
  /** Keep every table in this schema (created if missing) instead of `public`. */
  schema?: string;
  /** PGlite in memory only: start from this data-folder image (PGlite's `dumpDataDir`). */
  image?: Blob;
}

export async function openStore(opts: StoreOptions): Promise<Db> {
  if (opts.databaseUrl) {
    const { openPostgres } = await import('./postgres-driver.ts');
    return openPostgres(opts.databaseUrl, opts.schema);
  }
  const { openPglite } = await import('./pglite-driver.ts');
  return openPglite(opts.dataDir, opts.schema, opts.image);
}
