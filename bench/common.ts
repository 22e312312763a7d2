/** Shared helpers of the bench scripts. */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadProfile, type CountryProfile } from '../src/config/profile.ts';
import { DEMO_PROFILE, PROJECT_ROOT } from '../src/cli/context.ts';

export type Engine = 'postgres' | 'pglite';

export function pgUrl(): string {
  return process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
}

/** Generated inputs are kept here between runs (git-ignored). */
export function benchDir(): string {
  return process.env.CEIR_BENCH_DIR ?? join(PROJECT_ROOT, '.bench-data');
}

let generator: string | undefined;

/**
 * Where a generated input `name` is kept: in a folder named after the generator's source, so
 * that a change to the generator makes the benches generate their inputs again instead of
 * measuring data the generator no longer writes (file names stay as the importers expect).
 */
export function generatedInput(name: string): string {
  if (!generator) {
    const src = join(PROJECT_ROOT, 'src', 'generate');
    const h = createHash('sha256');
    for (const f of readdirSync(src).sort()) h.update(f).update(readFileSync(join(src, f)));
    generator = h.digest('hex').slice(0, 10);
  }
  const dir = join(benchDir(), `generated-${generator}`);
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}

export function demoProfileForBench(): CountryProfile {
  return loadProfile(DEMO_PROFILE);
}

export function fmtRate(perSecond: number): string {
  return perSecond >= 1e6 ? `${(perSecond / 1e6).toFixed(2)} M` : perSecond >= 1e3 ? `${(perSecond / 1e3).toFixed(1)} k` : perSecond.toFixed(0);
}

export function printTable(head: string[], rows: string[][]): void {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(w[i])).join(' | ')} |`;
  console.log([line(head), `|${w.map((n) => '-'.repeat(n + 2)).join('|')}|`, ...rows.map(line)].join('\n'));
}

/**
 * Run one measurement of a bench script in its own process (so that its peak memory is its
 * own): the script is called with `--worker …` and prints `RESULT {json}`.
 */
export function runWorker<T>(script: string, args: string[]): T {
  const out = execFileSync(process.execPath, ['--import', 'tsx', script, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = out.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`${script} ${args.join(' ')} printed no result`);
  return JSON.parse(line.slice(7)) as T;
}

export function report(result: unknown): void {
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** Lines of a CSV file without its header, in chunks that end on a line boundary. */
export async function* dataLines(file: string): AsyncGenerator<Buffer> {
  let carry: Buffer | null = null;
  let header = true;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    let buf: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
    if (header) {
      buf = buf.subarray(buf.indexOf(10) + 1);
      header = false;
    }
    const nl = buf.lastIndexOf(10);
    carry = buf.subarray(nl + 1);
    yield buf.subarray(0, nl + 1);
  }
  if (carry && carry.length) yield carry;
}

/** A database for one measurement, in a schema of its own (dropped by `done`). */
export async function benchDb(engine: Engine, name: string) {
  const schema = name.toLowerCase().replace(/\W+/g, '_');
  const { openStore } = await import('../src/store/open.ts');
  const db = await openStore(engine === 'postgres' ? { databaseUrl: pgUrl(), schema } : { dataDir: join(benchDir(), `pglite-${schema}`) });
  await db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
  if (engine === 'pglite') await db.exec(`SET search_path TO ${schema}`);
  return {
    db,
    done: async () => {
      await db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
      await db.close();
    },
  };
}
