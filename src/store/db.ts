/**
 * The database seen by every module: one PostgreSQL dialect on two engines (PGlite embedded,
 * or a PostgreSQL server). Modules own their tables and SQL; this interface is all they get.
 */
import { CeirError } from '../errors.ts';

export type Engine = 'pglite' | 'postgres';

export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

export interface Db {
  readonly engine: Engine;
  /** One statement with $1.. parameters. Dates come back as `YYYY-MM-DD` strings, bigints as numbers. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>>;
  /** Several statements, no parameters (migrations, DDL). */
  exec(sql: string): Promise<void>;
  /**
   * Bulk load with COPY: `copySql` is `COPY table (cols) FROM STDIN [WITH (...)]`, the source
   * yields data in that COPY format. Returns the number of rows copied.
   */
  copyFrom(copySql: string, source: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>): Promise<number>;
  /**
   * The output of `copySql` (`COPY table|(query) TO STDOUT [WITH (...)]`), as it comes, in
   * memory: for what `copyFrom` loads again elsewhere (say, in another session), never parsed.
   */
  copyTo(copySql: string): Promise<Uint8Array[]>;
  /** Run `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  /**
   * Within a transaction, on engines with several sessions (the PostgreSQL server): run `fn` in
   * another session's transaction that sees the data this one saw when `alongside` was called (an
   * exported snapshot, as parallel dumps use), not what it wrote; both run at once. It is for
   * reading (its temporary tables are its own); what it writes elsewhere commits on its own.
   * Absent where there is one session (PGlite): callers then do the work themselves.
   */
  alongside?<T>(fn: (peer: Db) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Escape one value for COPY's text format (`null` and `undefined` are `\N`). */
export function copyText(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '\\N';
  const s = typeof v === 'number' ? String(v) : v;
  // Fast path: most values have nothing to escape.
  if (!/[\\\t\n\r]/.test(s)) return s;
  return s.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

/** Quote an SQL identifier that comes from our own code (never from user input). */
export function ident(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad SQL identifier ${name}`);
  return name;
}

/**
 * Take a transaction-scoped advisory lock named `name`, scoped to the current schema: several
 * installations (or test runs) sharing one server in different schemas never block each other.
 * With `wait` false, returns whether the lock was free instead of waiting for it.
 */
export async function advisoryLock(tx: Db, name: string, wait = true): Promise<boolean> {
  const key = "hashtext(current_schema() || ':' || $1)";
  if (wait) {
    await tx.query(`SELECT pg_advisory_xact_lock(${key})`, [name]);
    return true;
  }
  const { rows } = await tx.query<{ ok: boolean }>(`SELECT pg_try_advisory_xact_lock(${key}) AS ok`, [name]);
  return rows[0].ok;
}

/**
 * Run `fn` as the only job named `name` (its advisory lock, refused rather than waited for), in a
 * transaction that reads one snapshot of the data throughout (REPEATABLE READ, taken by its first
 * statement, and shared with a session `alongside` it): what other transactions commit meanwhile
 * is left whole to the next job. Refused with `CEIR_ERR_BUSY` (`what` names the job) while another
 * holds the lock, and when one that held it committed, between this one's snapshot and its lock,
 * rows this one then writes (SQLSTATE 40001): nothing is written over unseen.
 */
export async function runAlone<T>(db: Db, name: string, what: string, fn: (tx: Db) => Promise<T>): Promise<T> {
  try {
    return await db.transaction(async (tx) => {
      await tx.exec('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      if (!(await advisoryLock(tx, name, false))) throw new CeirError('CEIR_ERR_BUSY', `another ${what} is in progress`);
      return fn(tx);
    });
  } catch (e) {
    if ((e as { code?: unknown } | null)?.code === '40001') throw new CeirError('CEIR_ERR_BUSY', `another ${what} finished as this one started: nothing changed, run it again`);
    throw e;
  }
}
