/** `ceir import <kind> <file>`: load a reference list (full or delta). */
import type { Command } from 'commander';
import { CeirError, EXIT } from '../errors.ts';
import { formatProblem } from '../io/input-error.ts';
import { formatGate } from '../observations/gates.ts';
import { importObservations, type ObservationImportReport } from '../observations/importer.ts';
import { importList, type ImportReport } from '../reference/importer.ts';
import { isListKind, LIST_KINDS } from '../reference/lists.ts';
import { loadConfig, openDb, printJson, type GlobalOptions } from './context.ts';
import { progress } from './progress.ts';

interface ImportCliOptions {
  delta?: boolean;
  forceShrink?: boolean;
  preHashed?: boolean;
  operator?: string;
  disableGate: string[];
}

export function formatObservationReport(r: ObservationImportReport): string {
  const period = r.period ? `, ${r.period.start}..${r.period.end}` : '';
  const head = `operator file ${r.file} for ${r.operator} (${r.packing}${period})`;
  const lines = [
    r.status === 'imported' ? `${head}: imported as import ${r.import_id}${r.note ? ` (${r.note})` : ''}` : `${head}: REFUSED, nothing was written`,
    `  rows ${r.rows}, kept ${r.rows_kept}, subscriber-month entries ${r.triplets}, IMEIs ${r.imeis}; ${(r.duration_ms / 1000).toFixed(1)} s`,
  ];
  lines.push(...r.problems.map((p) => `  ${formatProblem(p)}`));
  if (r.gates.length) lines.push('  quality gates:', ...r.gates.map((g) => `    ${formatGate(g)}`));
  return lines.join('\n');
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
    .description(`import a reference list or an operator file; <kind> is operator or one of: ${LIST_KINDS.join(', ')}`)
    .argument('<kind>', 'list kind')
    .argument('<file>', 'CSV file (plain, .gz or .zip)')
    .option('--delta', 'the file is a delta with a trailing change_type column (add, remove, update)')
    .option('--force-shrink', 'accept a full list that removes more than imports.max_list_shrink of the current list')
    .option('--pre-hashed', 'golden list only: entries are MD5 digests of normalised IMEIs')
    .option('--operator <id>', 'operator files: the operator that sent the file (an id of the country profile)')
    .option('--disable-gate <name>', 'operator files: do not enforce this quality gate (repeatable; recorded with the import)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .action(async (kind: string, file: string, o: ImportCliOptions) => {
      const g = globals();
      if (kind === 'operator') return importOperatorFile(g, file, o);
      if (o.operator || o.disableGate.length) throw new CeirError('CEIR_ERR_USAGE', '--operator and --disable-gate apply to operator files only');
      if (!isListKind(kind)) throw new CeirError('CEIR_ERR_USAGE', `unknown kind "${kind}"; operator or one of: ${LIST_KINDS.join(', ')}`);
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

async function importOperatorFile(g: GlobalOptions, file: string, o: ImportCliOptions): Promise<void> {
  if (!o.operator) throw new CeirError('CEIR_ERR_USAGE', 'an operator file needs --operator <id>');
  if (o.delta || o.forceShrink || o.preHashed) throw new CeirError('CEIR_ERR_USAGE', '--delta, --force-shrink and --pre-hashed apply to reference lists only');
  const profile = loadConfig(g);
  const db = await openDb(g);
  const bar = progress(`import ${o.operator}`, !g.json);
  try {
    const report = await importObservations(db, {
      file, operator: o.operator, profile, disabledGates: o.disableGate,
      onProgress: (p) => bar.update(p.bytes, p.total, p.rows),
    });
    bar.stop();
    if (g.json) printJson(report);
    else process.stdout.write(`${formatObservationReport(report)}\n`);
    if (report.status === 'refused') process.exitCode = EXIT.refused;
  } finally {
    bar.stop();
    await db.close();
  }
}
