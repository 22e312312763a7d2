/** `ceir classify`: run the conditions of the country profile, or see what a run would change. */
import type { Command } from 'commander';
import { classify, type ClassifyReport } from '../classify/engine.ts';
import { evaluate, readTruth, type Evaluation } from '../classify/evaluate.ts';
import { CeirError, EXIT } from '../errors.ts';
import { loadConfig, openDb, printJson, type GlobalOptions } from './context.ts';

/** `YYYYMMDD` or `YYYY-MM-DD` → `YYYY-MM-DD`. */
export function isoDate(s: string, option: string): string {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(s);
  const iso = m ? `${m[1]}-${m[2]}-${m[3]}` : '';
  if (!m || Number.isNaN(Date.parse(`${iso}T00:00:00Z`)) || new Date(`${iso}T00:00:00Z`).toISOString().slice(0, 10) !== iso) {
    throw new CeirError('CEIR_ERR_USAGE', `${option} "${s}" is not a date (YYYYMMDD)`);
  }
  return iso;
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

export function formatClassifyReport(r: ClassifyReport): string {
  const head =
    r.status === 'refused' ? `classification for ${r.analysis_date}: REFUSED, nothing changed`
    : r.status === 'what-if' ? `what-if for ${r.analysis_date}: nothing was written`
    : `classification run ${r.run_id} for ${r.analysis_date} (config ${r.config_hash})`;
  const lines = [head, `  ${r.seen_imeis} IMEIs seen on the network; ${(r.duration_ms / 1000).toFixed(1)} s`];
  if (r.message) lines.push(`  ${r.message}`);
  for (const c of r.conditions) {
    const kind = c.blocking ? 'blocking' : 'informative';
    const flag = c.refused ? ' REFUSED' : '';
    lines.push(
      `  ${c.label.padEnd(28)} ${kind.padEnd(11)} matched ${String(c.matched).padStart(7)} (${pct(c.ratio)} of ${pct(c.max_ratio)} allowed)${flag}` +
        (r.status === 'refused' ? '' : `; opened ${c.opened} (blocked now ${c.opened_blocked}, amnesty ${c.amnesty_granted}), continued ${c.continued}, closed ${c.closed}`),
    );
  }
  if (r.impact) {
    lines.push('  impact per operator (subscribers seen in the lookback window):');
    for (const o of r.impact) {
      lines.push(`    ${o.operator.padEnd(12)} newly notified ${o.imeis_newly_notified} IMEIs / ${o.subscribers_newly_notified} subscribers; newly blocked ${o.imeis_newly_blocked}; released ${o.imeis_released}`);
    }
    if (!r.impact.length) lines.push('    nobody');
  }
  return lines.join('\n');
}

export function registerClassify(program: Command, globals: () => GlobalOptions): void {
  program
    .command('classify')
    .description('classify every device seen against the conditions of the country profile')
    .option('--date <YYYYMMDD>', 'analysis date (default: the day after the newest observation)')
    .option('--conditions <labels>', 'only these conditions (comma-separated labels)')
    .option('--what-if', 'compute what the run would change (per operator and condition) and write nothing')
    .action(async (o: { date?: string; conditions?: string; whatIf?: boolean }) => {
      const g = globals();
      const profile = loadConfig(g);
      const db = await openDb(g);
      try {
        const r = await classify(db, {
          profile,
          analysisDate: o.date ? isoDate(o.date, '--date') : undefined,
          conditions: o.conditions?.split(',').map((s) => s.trim()).filter(Boolean),
          whatIf: o.whatIf,
        });
        if (g.json) printJson(r);
        else process.stdout.write(`${formatClassifyReport(r)}\n`);
        if (r.status === 'refused') process.exitCode = EXIT.refused;
      } finally {
        await db.close();
      }
    });
}

/** A precision or recall: n/a when there was nothing to measure it on. */
const score = (x: number | null) => (x === null ? 'n/a' : x.toFixed(3));

export function formatEvaluation(e: Evaluation): string {
  const lines = ['label                     conditions                  truth  flagged  precision  recall'];
  for (const l of e.labels) {
    lines.push(
      `${l.label.padEnd(25)} ${l.conditions.join('+').padEnd(26)} ${String(l.truth).padStart(6)} ${String(l.flagged).padStart(8)} ${score(l.precision).padStart(10)} ${score(l.recall).padStart(7)}`,
    );
    if (l.false_positives.length) lines.push(`    false positives: ${l.false_positives.slice(0, 10).join(' ')}${l.false_positives.length > 10 ? ` … (${l.false_positives.length})` : ''}`);
    if (l.false_negatives.length) lines.push(`    false negatives: ${l.false_negatives.slice(0, 10).join(' ')}${l.false_negatives.length > 10 ? ` … (${l.false_negatives.length})` : ''}`);
    if (l.not_seen) lines.push(`    not scored: ${l.not_seen} labelled IMEI${l.not_seen > 1 ? 's' : ''} never seen on the network`);
  }
  for (const g of e.legitimate_flagged) {
    lines.push(`legitimate ${g.label}: ${g.flagged.length} of ${g.truth} on a block or notification list${g.flagged.length ? `: ${g.flagged.slice(0, 10).join(' ')}` : ''}`);
  }
  if (e.unscored_labels.length) {
    lines.push(`not scored (no condition mapped under evaluation:, not a legitimate label): ${e.unscored_labels.map((u) => `${u.label} (${u.imeis} IMEI${u.imeis > 1 ? 's' : ''})`).join(', ')}`);
  }
  return lines.join('\n');
}

export function registerEvaluate(program: Command, globals: () => GlobalOptions): void {
  program
    .command('evaluate')
    .description("compare the current classification with a truth file's labels (precision, recall, false positives and negatives)")
    .requiredOption('--truth <file>', 'truth.csv (imei,label[,detail]) as ceir generate writes it')
    .action(async (o: { truth: string }) => {
      const g = globals();
      const profile = loadConfig(g);
      if (!Object.keys(profile.evaluation).length) throw new CeirError('CEIR_ERR_USAGE', 'the country profile maps no truth label to conditions (evaluation:)');
      const truth = await readTruth(o.truth);
      const db = await openDb(g);
      try {
        const e = await evaluate(db, truth, profile.evaluation);
        if (g.json) printJson(e);
        else process.stdout.write(`${formatEvaluation(e)}\n`);
      } finally {
        await db.close();
      }
    });
}
