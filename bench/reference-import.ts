/**
 * bench/reference-import: import a generated registration list (default 5 million rows) and
 * compare with a raw `COPY` of the same file into a bare, unindexed table on the same engine in
 * the same run. Each measurement runs in its own process so that its peak memory is its own.
 *
 *   npm run bench -- reference-import [--rows N] [--engines postgres,pglite]
 *
 * The PostgreSQL server is `DATABASE_URL` or postgres://postgres@127.0.0.1:5432/test.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { generateRegistrationListFile } from '../src/generate/index.ts';
import { importList } from '../src/reference/importer.ts';
import { MIGRATIONS } from '../src/migrations.ts';
import { migrate } from '../src/store/migrate.ts';
import { benchDb, dataLines, demoProfileForBench, fmtRate, generatedInput, peakRssMb, printTable, report, runWorker, type Engine } from './common.ts';

interface Result {
  what: string;
  engine: Engine;
  rows: number;
  seconds: number;
  maxRssMb: number;
}

async function worker(what: string, engine: Engine, file: string): Promise<Result> {
  const { db, done } = await benchDb(engine, `bench_${what}`);
  try {
    let rows = 0;
    const t0 = performance.now();
    if (what === 'raw COPY') {
      await db.exec(`CREATE TABLE bare (approved_imei text, make text, model text, status text, model_number text, brand_name text, device_type text, radio_interface text, device_id text)`);
      rows = await db.copyFrom('COPY bare FROM STDIN WITH (FORMAT csv)', dataLines(file));
    } else {
      await migrate(db, MIGRATIONS);
      const t1 = performance.now();
      const r = await importList(db, { kind: 'registration_list', file, profile: demoProfileForBench() });
      if (r.status !== 'imported') throw new Error(`import ${r.status}: ${JSON.stringify(r.problems.slice(0, 3))}`);
      rows = r.rows;
      if (what === 're-import (unchanged)') {
        const t2 = performance.now();
        const again = await importList(db, { kind: 'registration_list', file: `${file}.copy`, profile: demoProfileForBench() });
        if (again.status !== 'unchanged') throw new Error(`re-import ${again.status}`);
        return { what, engine, rows, seconds: (performance.now() - t2) / 1000, maxRssMb: peakRssMb() };
      }
      return { what, engine, rows, seconds: (performance.now() - t1) / 1000, maxRssMb: peakRssMb() };
    }
    return { what, engine, rows, seconds: (performance.now() - t0) / 1000, maxRssMb: peakRssMb() };
  } finally {
    await done();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { rows: { type: 'string', default: '5000000' }, engines: { type: 'string', default: 'postgres,pglite' }, worker: { type: 'string' }, engine: { type: 'string' }, file: { type: 'string' } },
  });
  if (values.worker) {
    report(await worker(values.worker, values.engine as Engine, values.file!));
    return;
  }
  const rows = Number(values.rows);
  const file = generatedInput(`registration_${rows}.csv`);
  if (!existsSync(file)) {
    const t = performance.now();
    await generateRegistrationListFile(file, rows, 7);
    console.log(`generated ${rows} rows in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  // A byte-different copy with the same content (CRLF line ends) for the "unchanged" re-import.
  if (!existsSync(`${file}.copy`)) execFileSync('sh', ['-c', `sed 's/$/\\r/' '${file}' > '${file}.copy'`]);
  const results: Result[] = [];
  for (const engine of values.engines!.split(',') as Engine[]) {
    for (const what of ['raw COPY', 'import', 're-import (unchanged)']) {
      results.push(runWorker<Result>('bench/reference-import.ts', ['--worker', what, '--engine', engine, '--file', file]));
    }
  }
  printTable(
    ['engine', 'measure', 'rows', 'seconds', 'rows/s', 'vs raw COPY', 'peak RSS MB'],
    results.map((r) => {
      const raw = results.find((x) => x.engine === r.engine && x.what === 'raw COPY')!;
      return [r.engine, r.what, String(r.rows), r.seconds.toFixed(2), fmtRate(r.rows / r.seconds), ((r.rows / r.seconds) / (raw.rows / raw.seconds)).toFixed(2), r.maxRssMb.toFixed(0)];
    }),
  );
}

await main();
