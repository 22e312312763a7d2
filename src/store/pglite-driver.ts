/** The embedded engine: PostgreSQL compiled to WebAssembly, a data folder on disk. */
import { mkdirSync } from 'node:fs';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { ident, type Db, type QueryResult } from './db.ts';

type Conn = PGlite | Transaction;

// Both engines return the same JS types: dates as ISO day strings, bigint as number.
const parsers = { 1082: (v: string) => v, 20: (v: string) => Number(v) };

/** COPY data is sent to PGlite as one Blob per batch of about this many bytes. */
const COPY_BATCH_BYTES = 32 << 20;

class PgliteDb implements Db {
  readonly engine = 'pglite' as const;
  constructor(
    private readonly conn: Conn,
    private readonly root?: PGlite,
  ) {}

  async query<T>(sql: string, params: unknown[] = []): Promise<QueryResult<T>> {
    const r = await this.conn.query<T>(sql, params, { parsers });
    return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
  }

  async exec(sql: string): Promise<void> {
    await this.conn.exec(sql);
  }

  async copyFrom(copySql: string, source: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>): Promise<number> {
    const sql = copySql.replace(/\bFROM\s+STDIN\b/i, "FROM '/dev/blob'");
    let parts: (string | Uint8Array)[] = [];
    let size = 0;
    let total = 0;
    const flush = async () => {
      if (size === 0) return;
      const r = await this.conn.query(sql, [], { blob: new Blob(parts) });
      total += r.affectedRows ?? 0;
      parts = [];
      size = 0;
    };
    // Each COPY must end on a row boundary: cut the batch after the last newline, carry the rest.
    for await (const chunk of source) {
      if (size + chunk.length < COPY_BATCH_BYTES) {
        parts.push(chunk);
        size += chunk.length;
        continue;
      }
      const nl = typeof chunk === 'string' ? chunk.lastIndexOf('\n') : chunk.lastIndexOf(10);
      if (nl < 0) {
        parts.push(chunk);
        size += chunk.length;
        continue;
      }
      parts.push(chunk.slice(0, nl + 1));
      size += nl + 1;
      await flush();
      if (nl + 1 < chunk.length) {
        parts.push(chunk.slice(nl + 1));
        size = chunk.length - nl - 1;
      }
    }
    await flush();
    return total;
  }

  async copyTo(copySql: string): Promise<Uint8Array[]> {
    const r = await this.conn.query(copySql.replace(/\bTO\s+STDOUT\b/i, "TO '/dev/blob'"));
    return r.blob ? [new Uint8Array(await r.blob.arrayBuffer())] : [];
  }

  async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    if (!this.root) return fn(this); // already inside one
    return this.root.transaction((tx) => fn(new PgliteDb(tx)));
  }

  async close(): Promise<void> {
    await this.root?.close();
  }
}

/** `image`: for a store in memory (no `dataDir`), a data folder as `dumpDataDir` wrote it, to start from. */
export async function openPglite(dataDir: string | undefined, schema?: string, image?: Blob): Promise<Db> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const pg = await PGlite.create(dataDir ? { dataDir } : image ? { loadDataDir: image } : {});
  if (schema) await pg.exec(`CREATE SCHEMA IF NOT EXISTS ${ident(schema)}; SET search_path TO ${ident(schema)}`);
  return new PgliteDb(pg, pg);
}
