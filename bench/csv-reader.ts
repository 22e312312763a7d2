/**
 * bench/csv-reader: the generic streaming CSV reader of `src/io` (every reference list goes
 * through it) against csv-parse on the same generated registration list.
 *
 *   npm run bench -- csv-reader [--rows 2000000]
 */
import { createReadStream, existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse as csvParse } from 'csv-parse';
import { generateRegistrationListFile } from '../src/generate/index.ts';
import { readCsv } from '../src/io/csv-reader.ts';
import { openInput } from '../src/io/open-input.ts';
import { fmtRate, generatedInput, peakRssMb, printTable, report, runWorker } from './common.ts';

interface Result {
  what: string;
  rows: number;
  seconds: number;
  maxRssMb: number;
}

async function worker(what: string, file: string): Promise<Result> {
  const t = performance.now();
  let rows = 0;
  if (what === 'csv-parse') {
    for await (const _ of createReadStream(file, { highWaterMark: 1 << 20 }).pipe(csvParse({ from_line: 2 }))) rows++;
  } else {
    const input = await openInput(file);
    for await (const b of readCsv(input.stream, { file, delimiter: ',', maxLineBytes: 65536 })) rows += b.rows.length;
    rows--; // the header
  }
  return { what, rows, seconds: (performance.now() - t) / 1000, maxRssMb: peakRssMb() };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rows: { type: 'string', default: '2000000' }, worker: { type: 'string' }, file: { type: 'string' } } });
  if (values.worker) return report(await worker(values.worker, values.file!));
  const file = generatedInput(`registration_${values.rows}.csv`);
  if (!existsSync(file)) await generateRegistrationListFile(file, Number(values.rows), 7);
  const results = ['src/io readCsv', 'csv-parse'].map((w) => runWorker<Result>('bench/csv-reader.ts', ['--worker', w, '--file', file]));
  const base = results[0];
  printTable(
    ['reader', 'rows', 'seconds', 'rows/s', 'vs src/io', 'peak RSS MB'],
    results.map((r) => [r.what, String(r.rows), r.seconds.toFixed(2), fmtRate(r.rows / r.seconds), (base.seconds / r.seconds).toFixed(2), r.maxRssMb.toFixed(0)]),
  );
}

await main();
