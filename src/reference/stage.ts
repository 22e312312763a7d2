/**
 * Streaming validation of a list file into COPY rows for the staging table. Bad rows become
 * problems (file, line, column, rule); once the report is full, reading stops.
 */
import { readCsv } from '../io/csv-reader.ts';
import { InputError, preview, type InputProblem } from '../io/input-error.ts';
import type { OpenedInput } from '../io/open-input.ts';
import { copyText } from '../store/db.ts';
import { FieldRuleError } from './fields.ts';
import { matchHeader } from './header.ts';
import { storedColumns, type ListSpec } from './lists.ts';

export interface StageProgress {
  rows: number;
  bytes: number;
  total: number;
}

export interface StageState {
  rows: number;
  problems: InputProblem[];
  /** More problems were found than the report keeps (reading stopped). */
  truncated: boolean;
}

export interface StageOptions {
  spec: ListSpec;
  input: OpenedInput;
  file: string;
  delta: boolean;
  maxLineBytes: number;
  maxProblems: number;
  onProgress?: (p: StageProgress) => void;
}

const CHANGE_TYPES = new Set(['add', 'remove', 'update']);

/** The staging columns, in COPY order. */
export function stageColumns(spec: ListSpec): string[] {
  return ['line', 'change_type', ...storedColumns(spec).map((c) => c.name)];
}

/**
 * Yields COPY text chunks (whole rows) for the staging table. `state` is filled as it goes; the
 * caller must look at `state.problems` once the generator is done.
 */
export async function* stageRows(opts: StageOptions, state: StageState): AsyncGenerator<string> {
  const { spec, input, file, delta, maxProblems } = opts;
  const stored = storedColumns(spec);
  const storedIndex = new Map(stored.map((c, i) => [c.name, i]));
  const keyCols = new Set(spec.key.map((c) => c.name));
  const missing = new Set((spec.missingValues ?? []).map((m) => m.toLowerCase()));
  const problem = (p: Omit<InputProblem, 'file'>) => {
    if (state.problems.length < maxProblems) state.problems.push({ file, ...p });
    else state.truncated = true;
  };

  let header: ReturnType<typeof matchHeader> | undefined;
  // Per file column: where its value goes among the stored columns (-1: kept in `extra` or change_type).
  let target: Int32Array = new Int32Array(0);
  const batches = readCsv(input.stream, { file, delimiter: spec.delimiter, maxLineBytes: opts.maxLineBytes });
  for await (const batch of batches) {
    const out: string[] = [];
    for (let r = 0; r < batch.rows.length; r++) {
      const row = batch.rows[r];
      const line = batch.lines[r];
      if (!header) {
        header = matchHeader(spec, row, file, delta);
        target = Int32Array.from(header.fields, (f) => (f ? storedIndex.get(f.column)! : -1));
        continue;
      }
      state.rows++;
      const fields = header.fields;
      if (row.length !== fields.length) {
        problem({ line, rule: 'field_count', message: `expected ${fields.length} fields, found ${row.length}` });
        continue;
      }
      let change: string | null = null;
      if (delta) {
        change = row[header.changeType].trim().toLowerCase();
        if (!CHANGE_TYPES.has(change)) {
          problem({ line, column: 'change_type', rule: 'change_type', message: `change_type must be add, remove or update, not "${preview(change)}"`, value: preview(change) });
          continue;
        }
        if (change === 'update' && spec.values.length === 0) {
          problem({ line, column: 'change_type', rule: 'change_type', message: `the ${spec.title} has no values to update: use add or remove` });
          continue;
        }
      }
      const vals: (string | null)[] = new Array(stored.length).fill(null);
      let extra: Record<string, string> | null = null;
      let ok = true;
      for (let i = 0; i < row.length; i++) {
        const f = fields[i];
        let v = row[i];
        if (missing.size && missing.has(v.trim().toLowerCase())) v = '';
        if (!f) {
          if (i !== header.changeType && v.trim() !== '') (extra ??= {})[header.names[i]] = v.trim();
          continue;
        }
        if (v.length === 0 || (v.charCodeAt(0) <= 32 && v.trim() === '')) {
          if (f.notEmpty && (keyCols.has(f.column) || change !== 'remove')) {
            problem({ line, column: f.header, rule: 'required', message: `${f.header} must not be empty` });
            ok = false;
          }
          continue;
        }
        try {
          vals[target[i]] = f.parse(v);
        } catch (e) {
          if (!(e instanceof FieldRuleError)) throw e;
          problem({ line, column: f.header, rule: e.rule, message: e.message, value: preview(v) });
          ok = false;
        }
      }
      if (!ok || state.problems.length) continue; // once refused, only look for more problems
      if (spec.derive) {
        const named = Object.fromEntries(stored.map((c, i) => [c.name, vals[i]]));
        const derived = spec.derive(named, extra);
        for (const [k, v] of Object.entries(derived)) vals[storedIndex.get(k)!] = v;
      }
      // One string per row from a native join: pushing every field as a part was 3x slower.
      for (let i = 0; i < vals.length; i++) vals[i] = copyText(vals[i]);
      out.push(`${line}\t${copyText(change)}\t${vals.join('\t')}\n`);
    }
    opts.onProgress?.({ rows: state.rows, bytes: input.bytesRead(), total: input.size });
    if (state.truncated) return;
    if (out.length && !state.problems.length) yield out.join('');
  }
  if (!header) throw new InputError({ file, rule: 'empty', message: `the file is empty: a header line is expected (${spec.fields.map((f) => f.header).join(spec.delimiter)})` });
}
