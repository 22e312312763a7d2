/**
 * Import a reference list: full (the file is the whole list) or delta (`change_type` per row).
 *
 * One transaction: the file streams through validation into a staging table with COPY, then
 * set-based SQL finds conflicting duplicates, computes the add/remove/update delta against the
 * current list, checks it (shrink guard, delta consistency) and applies it as history. A refused
 * file leaves nothing behind; a file that changes nothing writes nothing.
 */
import { basename } from 'node:path';
import type { CountryProfile } from '../config/profile.ts';
import { InputError, type InputProblem } from '../io/input-error.ts';
import { openInput } from '../io/open-input.ts';
import { advisoryLock, type Db } from '../store/db.ts';
import { listSpec, storedColumns, type ListKind, type ListSpec } from './lists.ts';
import { keyConstraint } from './schema.ts';
import { stageColumns, stageRows, type StageProgress, type StageState } from './stage.ts';

export interface ImportOptions {
  kind: ListKind;
  file: string;
  delta?: boolean;
  forceShrink?: boolean;
  preHashed?: boolean;
  profile: CountryProfile;
  /** When the change takes effect (default now); must be later than the list's last import. */
  at?: Date;
  onProgress?: (p: StageProgress) => void;
}

export interface ImportReport {
  kind: ListKind;
  file: string;
  mode: 'full' | 'delta';
  packing: string;
  sha256: string | null;
  status: 'imported' | 'unchanged' | 'refused';
  rows: number;
  added: number;
  removed: number;
  updated: number;
  unchanged: number;
  current_before: number;
  current_after: number;
  import_id: number | null;
  note?: string;
  problems: InputProblem[];
  problems_truncated: boolean;
  duration_ms: number;
}

/** Thrown inside the transaction to roll it back with a report. */
class Refusal extends Error {
  constructor(
    readonly problems: InputProblem[],
    readonly truncated = false,
  ) {
    super('refused');
  }
}

export async function importList(db: Db, opts: ImportOptions): Promise<ImportReport> {
  const started = new Date();
  const spec = listSpec(opts.kind, { preHashed: opts.preHashed });
  const file = basename(opts.file);
  const mode = opts.delta ? 'delta' : 'full';
  const report: ImportReport = {
    kind: opts.kind, file, mode, packing: 'plain', sha256: null, status: 'refused',
    rows: 0, added: 0, removed: 0, updated: 0, unchanged: 0, current_before: 0, current_after: 0,
    import_id: null, problems: [], problems_truncated: false, duration_ms: 0,
  };
  const state: StageState = { rows: 0, problems: [], truncated: false };
  try {
    const input = await openInput(opts.file);
    report.packing = input.packing;
    try {
      await db.transaction(async (tx) => {
        await advisoryLock(tx, `ceir:reference:${spec.kind}`);
        const at = opts.at ?? new Date();
        await checkEffectiveTime(tx, spec, file, at);
        await createStage(tx, spec);
        const gen = stageRows(
          { spec, input, file, delta: !!opts.delta, maxLineBytes: opts.profile.imports.max_line_bytes, maxProblems: opts.profile.imports.max_errors_reported, onProgress: opts.onProgress },
          state,
        );
        const copied = await tx.copyFrom(`COPY ref_stage (${stageColumns(spec).join(', ')}) FROM STDIN`, gen);
        report.rows = state.rows;
        if (state.problems.length) throw new Refusal(state.problems, state.truncated);
        report.sha256 = await input.sha256();
        if (opts.delta) {
          const prior = await tx.query<{ id: number }>("SELECT id FROM ref_import WHERE kind = $1 AND sha256 = $2 AND mode = 'delta' ORDER BY id DESC LIMIT 1", [spec.kind, report.sha256]);
          if (prior.rows.length) {
            report.status = 'unchanged';
            report.note = `this delta file was already imported (import ${prior.rows[0].id}); nothing changed`;
            report.current_before = report.current_after = await currentCount(tx, spec);
            return;
          }
        }
        const staged = copied - (await dedupe(tx, spec, file, opts.profile.imports.max_errors_reported));
        report.current_before = await currentCount(tx, spec);
        // Temporary tables get no automatic statistics: the join with the list needs them.
        if (report.current_before > 0) await tx.exec('ANALYZE ref_stage');
        const counts = opts.delta
          ? await deltaFromDeltaFile(tx, spec, file, opts.profile.imports.max_errors_reported)
          : await deltaFromFullFile(tx, spec, report.current_before, staged);
        Object.assign(report, counts);
        report.unchanged = opts.delta ? 0 : staged - counts.added - counts.updated;
        if (!opts.delta) checkShrink(spec, file, report, opts.profile.imports.max_list_shrink, !!opts.forceShrink);
        report.current_after = report.current_before + counts.added - counts.removed;
        if (counts.added + counts.removed + counts.updated === 0) {
          report.status = 'unchanged';
          report.note = 'the list already holds exactly this content; nothing changed';
          return;
        }
        const { rows } = await tx.query<{ id: number }>(
          `INSERT INTO ref_import (kind, file_name, sha256, mode, packing, started_at, finished_at, effective_at, rows_read, added, removed, updated, forced_shrink, options)
           VALUES ($1, $2, $3, $4, $5, $6, now(), $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
          [spec.kind, file, report.sha256, mode, report.packing, started, at, report.rows, counts.added, counts.removed, counts.updated, !!opts.forceShrink, JSON.stringify({ preHashed: !!opts.preHashed })],
        );
        report.import_id = rows[0].id;
        await applyDelta(tx, spec, at, report.import_id, report.current_before === 0 && !opts.delta);
        await tx.exec(`ANALYZE ${spec.table}`); // fresh statistics for the plans that read the list
        report.status = 'imported';
      });
    } finally {
      input.stream.destroy();
    }
  } catch (e) {
    if (e instanceof Refusal) {
      report.problems = e.problems;
      report.problems_truncated = e.truncated;
    } else if (e instanceof InputError) {
      report.problems = [...state.problems, e.problem];
    } else {
      throw e;
    }
    report.status = 'refused';
  }
  report.rows = state.rows;
  report.duration_ms = Date.now() - started.getTime();
  return report;
}

const keyList = (spec: ListSpec) => spec.key.map((c) => c.name).join(', ');
const SQL_TYPE = { text: 'text', date: 'date', jsonb: 'jsonb', smallint: 'smallint' } as const;

async function createStage(tx: Db, spec: ListSpec): Promise<void> {
  const cols = storedColumns(spec).map((c) => `${c.name} ${SQL_TYPE[c.type]}`);
  await tx.exec(`CREATE TEMP TABLE ref_stage (line bigint NOT NULL, change_type text, ${cols.join(', ')}) ON COMMIT DROP`);
}

async function checkEffectiveTime(tx: Db, spec: ListSpec, file: string, at: Date): Promise<void> {
  const { rows } = await tx.query<{ t: Date | null }>('SELECT max(effective_at) AS t FROM ref_import WHERE kind = $1', [spec.kind]);
  const last = rows[0]?.t;
  if (last && new Date(last).getTime() >= at.getTime()) {
    throw new InputError({ file, rule: 'effective_time', message: `the change would take effect at ${at.toISOString()}, not after the list's last import (${new Date(last).toISOString()})` });
  }
}

async function currentCount(tx: Db, spec: ListSpec): Promise<number> {
  const { rows } = await tx.query<{ n: number }>(`SELECT count(*) AS n FROM ${spec.table} WHERE valid_to IS NULL`);
  return rows[0].n;
}

/** Duplicate keys: identical rows collapse to the first; different values refuse the file. Returns rows dropped. */
async function dedupe(tx: Db, spec: ListSpec, file: string, max: number): Promise<number> {
  const k = keyList(spec);
  const { rows } = await tx.query<{ n: number }>(`SELECT count(*) AS n FROM (SELECT 1 FROM ref_stage GROUP BY ${k} HAVING count(*) > 1) d`);
  if (rows[0].n === 0) return 0;
  const vals = ['change_type', ...spec.values.map((c) => c.name)].join(', ');
  const conflicts = await tx.query<Record<string, string> & { lines: number[] }>(
    `SELECT ${k}, array_agg(line ORDER BY line) AS lines FROM ref_stage GROUP BY ${k}
     HAVING count(DISTINCT ROW(${vals})) > 1 ORDER BY min(line) LIMIT ${max + 1}`,
  );
  if (conflicts.rows.length) {
    throw new Refusal(
      conflicts.rows.slice(0, max).map((r) => ({
        file,
        line: Number(r.lines[1]),
        rule: 'duplicate_conflict',
        message: `${describeKey(spec, r)} is also on line ${r.lines[0]} with different values`,
      })),
      conflicts.rows.length > max,
    );
  }
  const join = spec.key.map((c) => `s.${c.name} = d.${c.name}`).join(' AND ');
  const deleted = await tx.query(`DELETE FROM ref_stage s USING ref_stage d WHERE ${join} AND s.line > d.line`);
  return deleted.rowCount;
}

function describeKey(spec: ListSpec, row: Record<string, unknown>): string {
  return spec.key.map((c) => `${c.name} ${String(row[c.name])}`).join(', ');
}

interface DeltaCounts {
  added: number;
  removed: number;
  updated: number;
}

const current = (spec: ListSpec) =>
  `(SELECT ${storedColumns(spec).map((c) => c.name).join(', ')}, true AS present FROM ${spec.table} WHERE valid_to IS NULL)`;

const valuesDiffer = (spec: ListSpec) =>
  spec.values.length ? `ROW(${spec.values.map((c) => `s.${c.name}`).join(', ')}) IS DISTINCT FROM ROW(${spec.values.map((c) => `c.${c.name}`).join(', ')})` : 'false';

async function countDelta(tx: Db): Promise<DeltaCounts> {
  const { rows } = await tx.query<{ change: string; n: number }>('SELECT change, count(*) AS n FROM ref_delta GROUP BY change');
  const n = (c: string) => rows.find((r) => r.change === c)?.n ?? 0;
  return { added: n('add'), removed: n('remove'), updated: n('update') };
}

async function deltaFromFullFile(tx: Db, spec: ListSpec, currentBefore: number, staged: number): Promise<DeltaCounts> {
  if (currentBefore === 0) {
    // First load of this list: every staged row is an add (applied straight from the stage).
    return { added: staged, removed: 0, updated: 0 };
  }
  const k = keyList(spec);
  await tx.exec(`CREATE TEMP TABLE ref_delta ON COMMIT DROP AS
    SELECT CASE WHEN c.present IS NULL THEN 'add' WHEN s.line IS NULL THEN 'remove' ELSE 'update' END AS change,
           ${k}${spec.values.map((c) => `, s.${c.name}`).join('')}
    FROM ref_stage s FULL JOIN ${current(spec)} c USING (${k})
    WHERE c.present IS NULL OR s.line IS NULL OR ${valuesDiffer(spec)}`);
  return countDelta(tx);
}

async function deltaFromDeltaFile(tx: Db, spec: ListSpec, file: string, max: number): Promise<DeltaCounts> {
  const k = keyList(spec);
  const bad = await tx.query<Record<string, string> & { line: number; change_type: string; present: boolean | null }>(
    `SELECT s.line, s.change_type, ${k}, c.present FROM ref_stage s LEFT JOIN ${current(spec)} c USING (${k})
     WHERE (s.change_type = 'add' AND c.present) OR (s.change_type <> 'add' AND c.present IS NULL)
     ORDER BY s.line LIMIT ${max + 1}`,
  );
  if (bad.rows.length) {
    throw new Refusal(
      bad.rows.slice(0, max).map((r) => ({
        file,
        line: Number(r.line),
        column: 'change_type',
        rule: r.change_type === 'add' ? 'delta_add_present' : `delta_${r.change_type}_absent`,
        message:
          r.change_type === 'add'
            ? `cannot add ${describeKey(spec, r)}: it is already on the ${spec.title}`
            : `cannot ${r.change_type} ${describeKey(spec, r)}: it is not on the ${spec.title}`,
      })),
      bad.rows.length > max,
    );
  }
  await tx.exec(`CREATE TEMP TABLE ref_delta ON COMMIT DROP AS
    SELECT s.change_type AS change, ${k}${spec.values.map((c) => `, s.${c.name}`).join('')}
    FROM ref_stage s LEFT JOIN ${current(spec)} c USING (${k})
    WHERE s.change_type <> 'update' OR ${valuesDiffer(spec)}`);
  return countDelta(tx);
}

function checkShrink(spec: ListSpec, file: string, r: ImportReport, maxShrink: number, force: boolean): void {
  if (r.current_before === 0 || r.removed / r.current_before <= maxShrink || force) return;
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  throw new Refusal([
    {
      file,
      rule: 'list_shrink',
      message:
        `this full ${spec.title} would remove ${r.removed} of ${r.current_before} entries (${pct(r.removed / r.current_before)}), ` +
        `more than the allowed ${pct(maxShrink)}: a truncated upload must not empty the list. ` +
        'Check the file; if the shrink is intended, import again with --force-shrink',
    },
  ]);
}

async function applyDelta(tx: Db, spec: ListSpec, at: Date, importId: number, fromStage: boolean): Promise<void> {
  const cols = storedColumns(spec).map((c) => c.name).join(', ');
  if (fromStage) {
    const insert = `INSERT INTO ${spec.table} (${cols}, valid_from, import_id) SELECT ${cols}, $1, $2 FROM ref_stage`;
    const { rows } = await tx.query<{ empty: boolean }>(`SELECT NOT EXISTS (SELECT 1 FROM ${spec.table}) AS empty`);
    if (!rows[0].empty) {
      await tx.query(insert, [at, importId]);
      return;
    }
    // First load of an empty table: insert without the index, then build it once. A sorted index
    // build is about 2.5x faster than as many index insertions (500 k rows: 0.52 s against 1.38 s).
    const constraint = keyConstraint(spec);
    await tx.exec(`ALTER TABLE ${spec.table} DROP CONSTRAINT ${constraint}`);
    await tx.query(insert, [at, importId]);
    await tx.exec(`ALTER TABLE ${spec.table} ADD CONSTRAINT ${constraint} UNIQUE (${keyList(spec)}, valid_from)`);
    return;
  }
  const join = spec.key.map((c) => `r.${c.name} = d.${c.name}`).join(' AND ');
  await tx.query(
    `UPDATE ${spec.table} r SET valid_to = $1 FROM ref_delta d WHERE d.change IN ('remove', 'update') AND ${join} AND r.valid_to IS NULL`,
    [at],
  );
  await tx.query(
    `INSERT INTO ${spec.table} (${cols}, valid_from, import_id) SELECT ${cols}, $1, $2 FROM ref_delta WHERE change IN ('add', 'update')`,
    [at, importId],
  );
}
