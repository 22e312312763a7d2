/**
 * The store for tests: the engine the run asks for (PGlite by default, the PostgreSQL server
 * when DATABASE_URL is set), one per test process in a schema of its own, emptied per test.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/**
 * A new PGlite cluster, as initialised once and saved (per PGlite version) for every test
 * process: loading it took 0.8 s, initialising one 2.7 s (measured once, on a loaded machine),
 * in each test file that opens the store (32 of them). Written under another name, then renamed:
 * a process never reads half an image.
 */
async function pgliteImage(): Promise<Blob> {
  const { version } = JSON.parse(await readFile(new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url), 'utf8')) as { version: string };
  const file = join(tmpdir(), `openceir-test-pglite-${version}.tar`);
  const saved = await readFile(file).catch(() => null);
  if (saved) return new Blob([saved]);
  const { PGlite } = await import('@electric-sql/pglite');
  const pg = await PGlite.create();
  const image = await pg.dumpDataDir('none');
  await pg.close();
  await writeFile(`${file}.${process.pid}`, Buffer.from(await image.arrayBuffer()));
  await rename(`${file}.${process.pid}`, file);
  return image;
}

function store(): Promise<Db> {
  shared ??= process.env.DATABASE_URL
    ? openStore({ databaseUrl: process.env.DATABASE_URL, schema: SCHEMA })
    : pgliteImage().then((image) => openStore({ schema: SCHEMA, image }));
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
