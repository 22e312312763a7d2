/** `ceir prune [--months N]`: enforce the retention period of subscriber-level observations. */
import type { Command } from 'commander';
import { CeirError } from '../errors.ts';
import { prune } from '../observations/prune.ts';
import { loadConfig, openDb, printJson, type GlobalOptions } from './context.ts';

export function registerPrune(program: Command, globals: () => GlobalOptions): void {
  program
    .command('prune')
    .description('drop subscriber-level observations (IMSI, MSISDN, location) older than the retention period; IMEI-level facts stay')
    .option('--months <n>', 'months to keep (default: observations.retention_months of the profile)')
    .action(async (o: { months?: string }) => {
      const g = globals();
      const months = o.months === undefined ? loadConfig(g).observations.retention_months : Number(o.months);
      if (!Number.isInteger(months) || months < 0) throw new CeirError('CEIR_ERR_USAGE', `--months "${o.months}" is not a whole number of months`);
      const db = await openDb(g);
      try {
        const r = await prune(db, months);
        if (g.json) printJson(r);
        else {
          process.stdout.write(`kept ${months} month(s): removed everything before ${r.cutoff}: ${r.partitions.length} monthly partition(s), ${r.rows_removed} rows\n`);
          for (const p of r.partitions) process.stdout.write(`  dropped ${p}\n`);
        }
      } finally {
        await db.close();
      }
    });
}
