/**
 * Match a list file's header against its spec: every required column once, unknown columns
 * refused (or kept, for the GSMA catalogue), and a trailing `change_type` for delta files.
 */
import { InputError } from '../io/input-error.ts';
import type { FieldSpec, ListSpec } from './lists.ts';

export interface HeaderMap {
  /** For each file column: the field it feeds, or null for an unknown kept column. */
  fields: (FieldSpec | null)[];
  /** Names of the file's columns as written. */
  names: string[];
  /** Index of `change_type`, or -1. */
  changeType: number;
}

const fold = (s: string) => s.trim().toLowerCase().replace(/[_\s]+/g, ' ');

const DELIMITERS = [',', '|', ';', '\t'];

export function matchHeader(spec: ListSpec, header: string[], file: string, delta: boolean): HeaderMap {
  const refuse = (message: string, column?: string) => {
    throw new InputError({ file, line: 1, column, rule: 'header', message });
  };
  const expected = spec.fields.map((f) => f.header).join(spec.delimiter);
  if (header.length === 1 && !header[0].includes(spec.delimiter)) {
    const other = DELIMITERS.find((d) => d !== spec.delimiter && header[0].includes(d));
    if (other) {
      refuse(`the ${spec.title} is '${spec.delimiter}'-delimited but this header looks '${other === '\t' ? '\\t' : other}'-delimited; expected: ${expected}`);
    }
  }
  const byName = new Map<string, FieldSpec>();
  for (const f of spec.fields) for (const n of [f.header, ...(f.aliases ?? [])]) byName.set(fold(n), f);

  const fields: (FieldSpec | null)[] = [];
  const seen = new Set<FieldSpec>();
  let changeType = -1;
  header.forEach((name, i) => {
    const key = fold(name);
    if (key === 'change type') {
      if (!delta) refuse('this file has a change_type column: import it with --delta', name);
      if (i !== header.length - 1) refuse('change_type must be the last column', name);
      changeType = i;
      fields.push(null);
      return;
    }
    const f = byName.get(key);
    if (!f) {
      if (spec.keepUnknownColumns && key !== '') return void fields.push(null);
      refuse(`unknown column "${name.slice(0, 60)}"; expected: ${expected}`, name);
    } else {
      if (seen.has(f)) refuse(`column "${name}" appears twice`, name);
      seen.add(f);
      fields.push(f);
    }
  });
  const missing = spec.fields.filter((f) => f.required && !seen.has(f)).map((f) => f.header);
  if (missing.length) refuse(`missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; expected: ${expected}`);
  if (delta && changeType < 0) refuse(`a delta file needs a trailing change_type column (add, remove, update); expected: ${expected}${spec.delimiter}change_type`);
  return { fields, names: header.map((h) => h.trim()), changeType };
}
