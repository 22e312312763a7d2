/**
 * Forward-only, versioned migrations. Each module declares its own steps (it owns its tables);
 * `src/migrations.ts` orders them. A database that is newer than the code is refused.
 */
import { CeirError } from '../errors.ts';
import { advisoryLock, type Db } from './db.ts';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export interface SchemaStatus {
  current: number;
  latest: number;
  applied: { version: number; name: string; applied_at: string }[];
  pending: { version: number; name: string }[];
}


function checkOrder(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration ${m.name} has version ${m.version}, expected ${i + 1}`);
  });
}

async function ensureTable(db: Db): Promise<void> {
  await db.exec(`CREATE TABLE IF NOT EXISTS ceir_schema (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`);
}

export async function schemaStatus(db: Db, migrations: readonly Migration[]): Promise<SchemaStatus> {
  checkOrder(migrations);
  await ensureTable(db);
  const { rows } = await db.query<{ version: number; name: string; applied_at: Date }>(
    'SELECT version, name, applied_at FROM ceir_schema ORDER BY version',
  );
  const current = rows.length ? rows[rows.length - 1].version : 0;
  return {
    current,
    latest: migrations.length,
    applied: rows.map((r) => ({ version: r.version, name: r.name, applied_at: new Date(r.applied_at).toISOString() })),
    pending: migrations.filter((m) => m.version > current).map((m) => ({ version: m.version, name: m.name })),
  };
}

/** Apply every pending migration, each in its own transaction, under an advisory lock. */
export async function migrate(db: Db, migrations: readonly Migration[]): Promise<SchemaStatus> {
  checkOrder(migrations);
  await ensureTable(db);
  await db.transaction(async (tx) => {
    await advisoryLock(tx, 'ceir:migrate');
    const { rows } = await tx.query<{ v: number | null }>('SELECT max(version) AS v FROM ceir_schema');
    const current = rows[0]?.v ?? 0;
    if (current > migrations.length) {
      throw new CeirError(
        'CEIR_ERR_DB_TOO_NEW',
        `the database is at schema version ${current} but this OpenCEIR knows only up to ${migrations.length}: upgrade OpenCEIR, do not point an older version at it`,
      );
    }
    for (const m of migrations.slice(current)) {
      await tx.exec(m.sql);
      await tx.query('INSERT INTO ceir_schema (version, name) VALUES ($1, $2)', [m.version, m.name]);
    }
  });
  return schemaStatus(db, migrations);
}

/** Refuse to work on a database that is newer than this code or not migrated yet. */
export async function assertSchemaCurrent(db: Db, migrations: readonly Migration[]): Promise<void> {
  const s = await schemaStatus(db, migrations);
  if (s.current > s.latest) {
    throw new CeirError('CEIR_ERR_DB_TOO_NEW', `the database is at schema version ${s.current} but this OpenCEIR knows only up to ${s.latest}`);
  }
}
