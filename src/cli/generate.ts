/** `ceir generate`: write a synthetic country (reference data, operator files, truth.csv). */
import type { Command } from 'commander';
import { loadProfile } from '../config/profile.ts';
import { CeirError } from '../errors.ts';
import { generateCountry } from '../generate/index.ts';
import { configPath, printJson, type GlobalOptions } from './context.ts';

interface GenerateOptions {
  out: string;
  subscribers: string;
  days: string;
  start?: string;
  seed: string;
  profile?: string;
  perMonth?: boolean;
  withLocation?: boolean;
  withSoftwareVersion?: boolean;
  anomalyRate: string;
}

function int(name: string, v: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new CeirError('CEIR_ERR_USAGE', `--${name} "${v}" must be a whole number of at least ${min}`);
  return n;
}

export function registerGenerate(program: Command, globals: () => GlobalOptions): void {
  program
    .command('generate')
    .description('write a synthetic country from a seed: TAC catalogue, reference lists, operator files, truth.csv')
    .requiredOption('--out <dir>', 'output folder')
    .option('--subscribers <n>', 'subscribers in the country', '2000')
    .option('--days <d>', 'days of observations', '30')
    .option('--start <YYYYMMDD>', 'first day of observations (default: 30 days before the world\'s today, 2026-03-31)')
    .option('--seed <s>', 'random seed: same seed, same files', '1')
    .option('--profile <file>', 'country profile (default: --config, $CEIR_CONFIG, else the demo profile)')
    .option('--per-month', 'one observation file per operator and calendar month')
    .option('--with-location', 'add a cell_id column and write cells.csv')
    .option('--with-software-version', 'add an svn column')
    .option('--anomaly-rate <r>', 'share of subscribers given an injected anomaly', '0.02')
    .action(async (o: GenerateOptions) => {
      const g = globals();
      if (o.start !== undefined && !/^\d{8}$/.test(o.start)) throw new CeirError('CEIR_ERR_USAGE', `--start "${o.start}" is not YYYYMMDD`);
      const anomalyRate = Number(o.anomalyRate);
      if (!(anomalyRate >= 0 && anomalyRate <= 0.5)) throw new CeirError('CEIR_ERR_USAGE', `--anomaly-rate "${o.anomalyRate}" must be between 0 and 0.5`);
      const profile = loadProfile(o.profile ?? configPath(g));
      const t0 = Date.now();
      let c;
      try {
        c = await generateCountry({
          outDir: o.out, profile, seed: int('seed', o.seed, 0), subscribers: int('subscribers', o.subscribers, 1), days: int('days', o.days, 1),
          start: o.start, perMonthFiles: o.perMonth, withLocation: o.withLocation, withSoftwareVersion: o.withSoftwareVersion, anomalyRate,
        });
      } catch (e) {
        if (e instanceof RangeError) throw new CeirError('CEIR_ERR_USAGE', e.message);
        throw e;
      }
      const summary = {
        out: c.outDir, start: c.start, end: c.end, as_of: c.asOf, rows: c.rows,
        observation_files: c.files.map((f) => ({ operator: f.operator, path: f.path, rows: f.rows })),
        reference_files: Object.fromEntries(Object.entries(c.reference).map(([k, v]) => [k, { path: v.path, rows: v.rows }])),
        truth: c.truth, cells: c.cells ?? null, seconds: (Date.now() - t0) / 1000,
      };
      if (g.json) return printJson(summary);
      const lines = [
        `generated ${profile.country.name} in ${c.outDir}: observations ${c.start}..${c.end} (today ${c.asOf}), ${c.rows} rows, ${summary.seconds.toFixed(1)} s`,
        ...c.files.map((f) => `  ${f.path}: ${f.rows} rows (${f.operator})`),
        ...Object.values(c.reference).map((f) => `  ${f.path}: ${f.rows} rows`),
        `  ${c.truth.path}: ${c.truth.rows} labels (${Object.entries(c.truth.labels).filter(([, n]) => n).map(([k, n]) => `${k} ${n}`).join(', ')})`,
      ];
      if (c.cells) lines.push(`  ${c.cells.path}: ${c.cells.rows} cells`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
