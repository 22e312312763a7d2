/** `ceir export <kind> [--as-of DATE]`: a reference list as it stood at a time, as CSV. */
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { once } from 'node:events';
import type { Command } from 'commander';
import { CeirError } from '../errors.ts';
import { isListKind, LIST_KINDS, listSpec, storedColumns } from '../reference/lists.ts';
import { listAsOf } from '../reference/queries.ts';
import { openDb, type GlobalOptions } from './context.ts';

/** `YYYY-MM-DD` means the end of that day (UTC); a full ISO time is taken as it is. */
export function parseAsOf(s: string): Date {
  const day = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(s);
  const d = day ? new Date(Date.UTC(+day[1], +day[2] - 1, +day[3] + 1) - 1) : new Date(s);
  if (Number.isNaN(d.getTime())) throw new CeirError('CEIR_ERR_USAGE', `--as-of "${s}" is not a date (YYYY-MM-DD) or an ISO time`);
  return d;
}

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n\r|]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function registerExport(program: Command, globals: () => GlobalOptions): void {
  program
    .command('export')
    .description('write a reference list as it stood at a date (default now) as CSV')
    .argument('<kind>', `one of: ${LIST_KINDS.join(', ')}`)
    .option('--as-of <date>', 'YYYY-MM-DD (end of that day, UTC) or an ISO time')
    .option('--out <file>', 'write to a file instead of standard output')
    .action(async (kind: string, o: { asOf?: string; out?: string }) => {
      if (!isListKind(kind)) throw new CeirError('CEIR_ERR_USAGE', `unknown list kind "${kind}"; one of: ${LIST_KINDS.join(', ')}`);
      const at = o.asOf ? parseAsOf(o.asOf) : undefined;
      const db = await openDb(globals());
      const out: Writable = o.out ? createWriteStream(o.out) : process.stdout;
      try {
        const cols = storedColumns(listSpec(kind)).filter((c) => c.name !== 'rat_mask').map((c) => c.name);
        out.write(`${cols.join(',')}\n`);
        for await (const page of listAsOf(db, kind, at)) {
          const text = page.map((r) => cols.map((c) => csvCell(r[c])).join(',')).join('\n') + '\n';
          if (!out.write(text)) await once(out, 'drain');
        }
      } finally {
        if (o.out) {
          out.end();
          await once(out, 'finish');
        }
        await db.close();
      }
    });
}
