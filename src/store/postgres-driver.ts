/** The PostgreSQL server engine: a connection pool; COPY through pg-copy-streams. */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFromStream, to as copyToStream } from 'pg-copy-streams';
import { ident, type Db, type QueryResult } from './db.ts';

pg.types.setTypeParser(1082, (v: string) => v);
pg.types.setTypeParser(20, (v: string) => Number(v));

type Client = pg.PoolClient;

class PostgresDb implements Db {
  readonly engine = 'postgres' as const;
  constructor(
    private readonly pool: pg.Pool,
    private readonly client?: Client,
  ) {}

  async query<T>(sql: string, params: unknown[] = []): Promise<QueryResult<T>> {
    const r = await (this.client ?? this.pool).query(sql, params);
    return { rows: r.rows as T[], rowCount: r.rowCount ?? r.rows.length };
  }

  async exec(sql: string): Promise<void> {
    await (this.client ?? this.pool).query(sql);
  }

  async copyFrom(copySql: string, source: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>): Promise<number> {
    return this.onClient(async (c) => {
      const sink = c.query(copyFromStream(copySql));
      await pipeline(Readable.from(source, { objectMode: false }), sink);
      return Number(sink.rowCount ?? 0);
    });
  }

  async copyTo(copySql: string): Promise<Uint8Array[]> {
    return this.onClient(async (c) => {
      const chunks: Uint8Array[] = [];
      for await (const chunk of c.query(copyToStream(copySql)) as AsyncIterable<Buffer>) chunks.push(chunk);
      return chunks;
    });
  }

  /** COPY needs one session: the transaction's, or one taken from the pool for it. */
  private async onClient<T>(run: (c: Client) => Promise<T>): Promise<T> {
    if (this.client) return run(this.client);
    const c = await this.pool.connect();
    try {
      return await run(c);
    } finally {
      c.release();
    }
  }

  async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    if (this.client) return fn(this);
    return this.inNewSession(['BEGIN'], fn);
  }

  get alongside(): (<T>(fn: (peer: Db) => Promise<T>) => Promise<T>) | undefined {
    const client = this.client;
    if (!client) return undefined;
    return async <T>(fn: (peer: Db) => Promise<T>): Promise<T> => {
      const { rows } = await client.query<{ id: string }>('SELECT pg_export_snapshot() AS id');
      const id = rows[0].id.replace(/[^0-9A-Fa-f-]/g, '');
      return this.inNewSession(['BEGIN ISOLATION LEVEL REPEATABLE READ', `SET TRANSACTION SNAPSHOT '${id}'`], fn);
    };
  }

  /** A transaction on a session of its own, opened by `begin`: committed when `fn` resolves, rolled back when it throws. */
  private async inNewSession<T>(begin: string[], fn: (tx: Db) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      for (const q of begin) await c.query(q);
      const out = await fn(new PostgresDb(this.pool, c));
      await c.query('COMMIT');
      return out;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
  }

  async close(): Promise<void> {
    if (!this.client) await this.pool.end();
  }
}

export async function openPostgres(url: string, schema?: string): Promise<Db> {
  if (schema) {
    const setup = new pg.Client({ connectionString: url });
    await setup.connect();
    try {
      await setup.query(`CREATE SCHEMA IF NOT EXISTS ${ident(schema)}`);
    } finally {
      await setup.end();
    }
  }
  // JIT off for every session: its compilation costs more than it saves on our statements (at
  // 1 M subscribers it took 0.38 s of a 0.42 s list delta, and 1.4 s of large dimension queries).
  const options = ['-c jit=off', ...(schema ? [`-c search_path=${ident(schema)}`] : [])].join(' ');
  const pool = new pg.Pool({ connectionString: url, max: 8, options });
  pool.on('error', () => undefined); // an idle client's error must not kill the process
  const db = new PostgresDb(pool);
  await db.query('SELECT 1');
  return db;
}
