/**
 * bench/classify: a generated country (default 1 million subscribers, 30 days, then one more
 * day): import, classify with the demo conditions, lists (full, then delta), on each engine.
 *
 *   npm run bench -- classify [--subscribers 1000000] [--pglite-subscribers 200000] [--engines postgres,pglite]
 *
 * The baseline is DIRBS Core's published figure on this kind of machine, 100 k subscribers x 30
 * days: classification 0.85 s, lists 1.32 s; rates are compared per subscriber.
 */
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { classify } from '../src/classify/engine.ts';
import { generateCountry } from '../src/generate/index.ts';
import { generateLists } from '../src/lists/generate.ts';
import { MIGRATIONS } from '../src/migrations.ts';
import { importObservations } from '../src/observations/importer.ts';
import { importList } from '../src/reference/importer.ts';
import { LIST_KINDS } from '../src/reference/lists.ts';
import { migrate } from '../src/store/migrate.ts';
import { benchDb, demoProfileForBench, generatedInput, peakRssMb, printTable, report, runWorker, type Engine } from './common.ts';

const DIRBS = { subscribers: 100_000, classify: 0.85, lists: 1.32 };

interface Result {
  engine: string;
  subscribers: number;
  rows: number;
  imeis: number;
  steps: Record<string, number>;
  maxRssMb: number;
  /** Tables and indexes of the observations module after the 31 days, in MB. */
  observationsMb: number;
}

/** Split each operator file of 31 days into the first 30 days and the last day. */
async function splitLastDay(dir: string): Promise<{ month: string[]; lastDay: string[] }> {
  const month: string[] = [];
  const lastDay: string[] = [];
  for (const f of readdirSync(dir).filter((n) => /^[a-z0-9_-]+_\d{8}_\d{8}\.csv$/.test(n))) {
    const [, op, from, to] = /^(.+)_(\d{8})_(\d{8})\.csv$/.exec(f)!;
    const before = new Date(Date.UTC(+to.slice(0, 4), +to.slice(4, 6) - 1, +to.slice(6, 8) - 1)).toISOString().slice(0, 10).replaceAll('-', '');
    const a = join(dir, 'split', `${op}_${from}_${before}.csv`);
    const b = join(dir, 'split', `${op}_${to}_${to}.csv`);
    mkdirSync(join(dir, 'split'), { recursive: true });
    const wa = createWriteStream(a);
    const wb = createWriteStream(b);
    let header = true;
    for await (const line of createInterface({ input: createReadStream(join(dir, f)) })) {
      if (header) {
        wa.write(`${line}\n`);
        wb.write(`${line}\n`);
        header = false;
      } else if (!(line.startsWith(to) ? wb : wa).write(`${line}\n`)) {
        await new Promise<void>((r) => (line.startsWith(to) ? wb : wa).once('drain', () => r()));
      }
    }
    await Promise.all([new Promise<void>((r) => wa.end(() => r())), new Promise<void>((r) => wb.end(() => r()))]);
    month.push(a);
    lastDay.push(b);
  }
  return { month, lastDay };
}

async function countryDir(subscribers: number): Promise<string> {
  const dir = generatedInput(`country_${subscribers}`);
  if (!existsSync(join(dir, 'truth.csv'))) {
    rmSync(dir, { recursive: true, force: true });
    const t = performance.now();
    await generateCountry({ outDir: dir, profile: demoProfileForBench(), seed: 9, subscribers, days: 31, withLocation: true, withSoftwareVersion: true });
    await splitLastDay(dir);
    console.log(`generated ${subscribers} subscribers x 31 days in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  return dir;
}

async function worker(engine: Engine, dir: string, subscribers: number): Promise<Result> {
  const profile = demoProfileForBench();
  const { db, done } = await benchDb(engine, `bench_classify_${subscribers}`);
  const steps: Record<string, number> = {};
  const time = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    const r = await f();
    steps[name] = (performance.now() - t) / 1000;
    return r;
  };
  try {
    await migrate(db, MIGRATIONS);
    const files = readdirSync(join(dir, 'split')).sort();
    const month = files.filter((f) => !/_(\d{8})_\1\.csv$/.test(f));
    const last = files.filter((f) => /_(\d{8})_\1\.csv$/.test(f));
    await time('import reference', async () => {
      for (const kind of LIST_KINDS) {
        const file = kind === 'gsma_tac' ? 'gsma_tac.txt' : kind === 'cell_list' ? 'cells.csv' : `${kind}.csv`;
        const r = await importList(db, { kind, file: join(dir, file), profile });
        if (r.status !== 'imported') throw new Error(`${kind} ${r.status}`);
      }
    });
    const today = new Date('2027-01-01T00:00:00Z');
    let rows = 0;
    await time('import 30 days', async () => {
      for (const f of month) {
        const r = await importObservations(db, { file: join(dir, 'split', f), operator: f.split('_')[0], profile, today, disabledGates: ['daily_volume'] });
        if (r.status !== 'imported') throw new Error(`${f} refused`);
        rows += r.rows;
      }
    });
    const run1 = await time('classify', () => classify(db, { profile }));
    if (run1.status !== 'done') throw new Error(`classify ${run1.status}: ${run1.message}`);
    await time('lists (full)', () => generateLists(db, { profile }));
    await time('import day 31', async () => {
      for (const f of last) {
        const r = await importObservations(db, { file: join(dir, 'split', f), operator: f.split('_')[0], profile, today });
        if (r.status !== 'imported') throw new Error(`${f} refused`);
        rows += r.rows;
      }
    });
    const run2 = await time('classify (one more day)', () => classify(db, { profile }));
    if (run2.status !== 'done') throw new Error(`classify ${run2.status}: ${run2.message}`);
    await time('lists (delta)', () => generateLists(db, { profile }));
    const size = await db.query<{ mb: number }>(
      `SELECT sum(pg_total_relation_size(c.oid)) / 1048576.0 AS mb FROM pg_class c
       WHERE c.relkind = 'r' AND c.relname LIKE 'obs\\_%' AND c.relnamespace = to_regnamespace(current_schema())`,
    );
    return { engine, subscribers, rows, imeis: run2.seen_imeis, steps, maxRssMb: peakRssMb(), observationsMb: Number(size.rows[0].mb) };
  } finally {
    await done();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      subscribers: { type: 'string', default: '1000000' },
      'pglite-subscribers': { type: 'string', default: '200000' },
      engines: { type: 'string', default: 'postgres,pglite' },
      worker: { type: 'string' },
      dir: { type: 'string' },
      n: { type: 'string' },
    },
  });
  if (values.worker) return report(await worker(values.worker as Engine, values.dir!, Number(values.n)));
  const results: Result[] = [];
  for (const engine of values.engines!.split(',')) {
    const n = Number(engine === 'pglite' ? values['pglite-subscribers'] : values.subscribers);
    const dir = await countryDir(n);
    results.push(runWorker<Result>('bench/classify.ts', ['--worker', engine, '--dir', dir, '--n', String(n)]));
  }
  const dirbsRate = DIRBS.subscribers / (DIRBS.classify + DIRBS.lists);
  const rows: string[][] = [];
  for (const r of results) {
    for (const [step, s] of Object.entries(r.steps)) rows.push([r.engine, String(r.subscribers), step, s.toFixed(2), '']);
    const first = r.steps.classify + r.steps['lists (full)'];
    const second = r.steps['classify (one more day)'] + r.steps['lists (delta)'];
    rows.push([r.engine, String(r.subscribers), 'classify + lists', first.toFixed(2), `${((r.subscribers / first) / dirbsRate).toFixed(2)}x DIRBS's subscribers/s`]);
    rows.push([r.engine, String(r.subscribers), 'second run (one more day)', second.toFixed(2), `${(second / first).toFixed(2)} of the first run`]);
    rows.push([r.engine, String(r.subscribers), `rows ${r.rows}, IMEIs ${r.imeis}, peak RSS ${r.maxRssMb.toFixed(0)} MB, observations ${r.observationsMb.toFixed(0)} MB`, '', '']);
  }
  printTable(['engine', 'subscribers', 'step', 'seconds', 'ratio'], rows);
}

await main();
