/**
 * The store for tests: the engine the run asks for (PGlite by default, the PostgreSQL server
 * when DATABASE_URL is set), one per test process in a schema of its own, emptied per test.
 */
import { after } from 'node:test';
import { loadProfile, type CountryProfile } from '../../src/config/profile.ts';
import { MIGRATIONS } from '../../src/migrations.ts';
import type { Db } from '../../src/store/db.ts';
import { migrate } from '../../src/store/migrate.ts';
import { openStore } from '../../src/store/open.ts';
import { DEMO_PROFILE } from '../../src/cli/context.ts';

export const ENGINE = process.env.DATABASE_URL ? 'postgres' : 'pglite';
const SCHEMA = `ceir_test_${process.pid}`;

let shared: Promise<Db> | undefined;

// Registered at module load, so on the root test: registered from inside the first test that
// opens the store, it would close the store as soon as that test ends.
after(async () => {
  if (!shared) return;
  const db = await shared;
  if (db.engine === 'postgres') await db.exec(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await db.close();
});

function store(): Promise<Db> {
  shared ??= openStore({ databaseUrl: process.env.DATABASE_URL, schema: SCHEMA });
  return shared;
}

/** An empty, migrated database for one test. */
export async function freshDb(opts: { migrate?: boolean } = {}): Promise<Db> {
  const db = await store();
  await db.exec(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE; CREATE SCHEMA ${SCHEMA}`);
  if (db.engine === 'pglite') await db.exec(`SET search_path TO ${SCHEMA}`);
  if (opts.migrate !== false) await migrate(db, MIGRATIONS);
  return db;
}

export function demoProfile(): CountryProfile {
  return loadProfile(DEMO_PROFILE);
}
