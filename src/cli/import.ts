/** `ceir import <kind> <file>`: load a reference list (full or delta). */
import type { Command } from 'commander';
import { CeirError, EXIT } from '../errors.ts';
import { formatProblem } from '../io/input-error.ts';
import { importList, type ImportReport } from '../reference/importer.ts';
import { isListKind, LIST_KINDS } from '../reference/lists.ts';
import { loadConfig, openDb, printJson, type GlobalOptions } from './context.ts';
import { progress } from './progress.ts';

interface ImportCliOptions {
  delta?: boolean;
  forceShrink?: boolean;
  preHashed?: boolean;
}

export function formatImportReport(r: ImportReport): string {
  const head = `${r.kind} from ${r.file} (${r.packing}, ${r.mode})`;
  if (r.status === 'refused') {
    const lines = [`${head}: REFUSED, nothing was written`, ...r.problems.map((p) => `  ${formatProblem(p)}`)];
    if (r.problems_truncated) lines.push(`  ... more problems not shown (reading stopped after ${r.problems.length})`);
    return lines.join('\n');
  }
  const verb = r.status === 'imported' ? `imported as import ${r.import_id}` : 'unchanged';
  return [
    `${head}: ${verb}${r.note ? ` (${r.note})` : ''}`,
    `  rows read ${r.rows}, added ${r.added}, removed ${r.removed}, updated ${r.updated}, unchanged ${r.unchanged}; ` +
      `list now ${r.current_after} entries (was ${r.current_before}); ${(r.duration_ms / 1000).toFixed(1)} s`,
  ].join('\n');
}

export function registerImport(program: Command, globals: () => GlobalOptions): void {
  program
    .command('import')
    .description(`import a reference list; <kind> is one of: ${LIST_KINDS.join(', ')}`)
    .argument('<kind>', 'list kind')
    .argument('<file>', 'CSV file (plain, .gz or .zip)')
    .option('--delta', 'the file is a delta with a trailing change_type column (add, remove, update)')
    .option('--force-shrink', 'accept a full list that removes more than imports.max_list_shrink of the current list')
    .option('--pre-hashed', 'golden list only: entries are MD5 digests of normalised IMEIs')
    .action(async (kind: string, file: string, o: ImportCliOptions) => {
      const g = globals();
      if (!isListKind(kind)) throw new CeirError('CEIR_ERR_USAGE', `unknown list kind "${kind}"; one of: ${LIST_KINDS.join(', ')}`);
      if (o.preHashed && kind !== 'golden_list') throw new CeirError('CEIR_ERR_USAGE', '--pre-hashed applies to golden_list only');
      const profile = loadConfig(g);
      const db = await openDb(g);
      const bar = progress(`import ${kind}`, !g.json);
      try {
        const report = await importList(db, {
          kind, file, profile, delta: o.delta, forceShrink: o.forceShrink, preHashed: o.preHashed,
          onProgress: (p) => bar.update(p.bytes, p.total, p.rows),
        });
        bar.stop();
        if (g.json) printJson(report);
        else process.stdout.write(`${formatImportReport(report)}\n`);
        if (report.status === 'refused') process.exitCode = EXIT.refused;
      } finally {
        bar.stop();
        await db.close();
      }
    });
}
