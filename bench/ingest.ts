/**
 * bench/ingest: operator observation files at national scale.
 *
 *   npm run bench -- ingest [--rows 10000000] [--small 1000000] [--engines postgres,pglite]
 *
 * For a generated operator file of `rows` rows (and one of `small` rows, to show that memory
 * stays flat as the file grows) it reports, each in its own process:
 *   (a) parse + quality gates alone, beside csv-parse reading the same file (the library the
 *       purpose-built parser replaces);
 *   (b) the end-to-end import;
 *   (c) a raw `COPY` of the same file into an unindexed table on the same engine;
 * with rows/s, the ratio (b)/(c) and the peak memory of each.
 */
import { createReadStream, existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse as csvParse } from 'csv-parse';
import { generateObservationFile } from '../src/generate/index.ts';
import { MIGRATIONS } from '../src/migrations.ts';
import { periodFromFileName } from '../src/observations/file-name.ts';
import { evaluateGates } from '../src/observations/gates.ts';
import { importObservations } from '../src/observations/importer.ts';
import { parseObservations } from '../src/observations/parser.ts';
import { todayNumber } from '../src/observations/days.ts';
import { openInput } from '../src/io/open-input.ts';
import { migrate } from '../src/store/migrate.ts';
import { benchDb, dataLines, demoProfileForBench, fmtRate, generatedInput, peakRssMb, printTable, report, runWorker, type Engine } from './common.ts';

interface Result {
  what: string;
  engine: string;
  rows: number;
  seconds: number;
  maxRssMb: number;
}

const START = '20260101';
const DAYS = 30;

async function worker(what: string, engine: string, file: string): Promise<Result> {
  const profile = demoProfileForBench();
  const t0 = performance.now();
  const done = (rows: number): Result => ({ what, engine, rows, seconds: (performance.now() - t0) / 1000, maxRssMb: peakRssMb() });
  if (what === 'parse + gates') {
    const input = await openInput(file);
    const counts = await parseObservations(input.stream, {
      file, period: periodFromFileName(file), today: todayNumber(), profile, operator: profile.operators[0],
      maxLineBytes: profile.imports.max_line_bytes, onRow: () => undefined,
    });
    const gates = evaluateGates(counts, profile, null, new Set());
    if (gates.some((g) => !g.passed)) throw new Error(`gates failed: ${JSON.stringify(gates.filter((g) => !g.passed))}`);
    return done(counts.rows);
  }
  if (what === 'csv-parse') {
    let rows = 0;
    const parser = createReadStream(file, { highWaterMark: 1 << 20 }).pipe(csvParse({ from_line: 2 }));
    for await (const _ of parser) rows++;
    return done(rows);
  }
  const { db, done: close } = await benchDb(engine as Engine, `bench_ingest_${what}`);
  try {
    if (what === 'raw COPY') {
      await db.exec('CREATE TABLE bare (date text, imei text, imsi text, msisdn text, rat text)');
      const t = performance.now();
      const rows = await db.copyFrom('COPY bare FROM STDIN WITH (FORMAT csv)', dataLines(file));
      return { what, engine, rows, seconds: (performance.now() - t) / 1000, maxRssMb: peakRssMb() };
    }
    await migrate(db, MIGRATIONS);
    const t = performance.now();
    const r = await importObservations(db, { file, operator: profile.operators[0].id, profile });
    if (r.status !== 'imported') throw new Error(`import refused: ${JSON.stringify(r.problems)} ${JSON.stringify(r.gates.filter((g) => !g.passed))}`);
    return { what, engine, rows: r.rows, seconds: (performance.now() - t) / 1000, maxRssMb: peakRssMb() };
  } finally {
    await close();
  }
}

async function fileOf(rows: number): Promise<string> {
  const end = new Date(Date.UTC(2026, 0, DAYS)).toISOString().slice(0, 10).replaceAll('-', '');
  const file = generatedInput(`alpha_${rows}_${START}_${end}.csv`);
  if (!existsSync(file)) {
    const t = performance.now();
    await generateObservationFile(file, rows, { seed: 11, operatorMccMnc: demoProfileForBench().operators[0].mcc_mnc[0], start: START, days: DAYS });
    console.log(`generated ${rows} rows in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  return file;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '10000000' },
      small: { type: 'string', default: '1000000' },
      engines: { type: 'string', default: 'postgres,pglite' },
      worker: { type: 'string' },
      engine: { type: 'string', default: '-' },
      file: { type: 'string' },
    },
  });
  if (values.worker) return report(await worker(values.worker, values.engine!, values.file!));
  const results: Result[] = [];
  const run = (what: string, engine: string, file: string) => results.push(runWorker<Result>('bench/ingest.ts', ['--worker', what, '--engine', engine, '--file', file]));
  for (const rows of [Number(values.small), Number(values.rows)]) {
    const file = await fileOf(rows);
    run('parse + gates', '-', file);
    run('csv-parse', '-', file);
    for (const engine of values.engines!.split(',')) {
      run('raw COPY', engine, file);
      run('import', engine, file);
    }
  }
  printTable(
    ['rows', 'engine', 'measure', 'seconds', 'rows/s', 'ratio', 'peak RSS MB'],
    results.map((r) => {
      const rate = r.rows / r.seconds;
      const base =
        r.what === 'import' ? results.find((x) => x.rows === r.rows && x.engine === r.engine && x.what === 'raw COPY')
        : r.what === 'csv-parse' ? results.find((x) => x.rows === r.rows && x.what === 'parse + gates')
        : undefined;
      const ratio = base ? `${(rate / (base.rows / base.seconds)).toFixed(2)} of ${base.what}` : '';
      return [String(r.rows), r.engine, r.what, r.seconds.toFixed(2), fmtRate(rate), ratio, r.maxRssMb.toFixed(0)];
    }),
  );
}

await main();
