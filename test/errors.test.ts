import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CeirError, ERRORS, EXIT, isCeirError, type ErrorCode } from '../src/errors.ts';

const CODES = Object.keys(ERRORS) as ErrorCode[];
const EXIT_CODES = new Set<number>(Object.values(EXIT));

interface DocRow {
  code: string;
  status: number;
  exit: number;
  meaning: string;
}

/** The rows of docs/errors.md whose first cell is a backticked CEIR_ERR_* code. */
function docRows(): DocRow[] {
  const md = readFileSync(fileURLToPath(new URL('../docs/errors.md', import.meta.url)), 'utf8');
  const rows: DocRow[] = [];
  for (const line of md.split('\n')) {
    const m = /^\|\s*`(CEIR_ERR_[A-Z0-9_]+)`\s*\|(.*)\|\s*$/.exec(line.trim());
    if (!m) continue;
    const cells = m[2].split('|').map((c) => c.trim());
    assert.equal(cells.length, 3, `four cells expected: ${line}`);
    rows.push({ code: m[1], status: Number(cells[0]), exit: Number(cells[1]), meaning: cells[2] });
  }
  return rows;
}

test('the catalogue is not empty and every code is CEIR_ERR_ in upper case', () => {
  assert.ok(CODES.length >= 5);
  for (const c of CODES) assert.match(c, /^CEIR_ERR_[A-Z0-9_]+$/);
});

test('every code has an HTTP error status, a known CLI exit code and a title', () => {
  for (const c of CODES) {
    const spec = ERRORS[c];
    assert.ok(Number.isInteger(spec.status) && spec.status >= 400 && spec.status <= 599, `${c}: status ${spec.status}`);
    assert.ok(EXIT_CODES.has(spec.exit), `${c}: exit ${spec.exit}`);
    assert.notEqual(spec.exit, EXIT.ok, `${c}: an error must not exit 0`);
    assert.ok(spec.title.length > 0, `${c}: title`);
  }
});

test('the CLI exit codes are 0 done, 1 failure, 2 usage, 3 input refused', () => {
  assert.deepEqual(EXIT, { ok: 0, failure: 1, usage: 2, refused: 3 });
  assert.equal(ERRORS.CEIR_ERR_INPUT_REFUSED.exit, EXIT.refused);
  assert.equal(ERRORS.CEIR_ERR_USAGE.exit, EXIT.usage);
});

test('CeirError carries its code, status, exit code and details', () => {
  const e = new CeirError('CEIR_ERR_NOT_FOUND', 'TAC 12345678 is not in the GSMA catalogue', { tac: '12345678' });
  assert.ok(e instanceof Error);
  assert.ok(isCeirError(e));
  assert.equal(isCeirError(new Error('x')), false);
  assert.equal(e.name, 'CeirError');
  assert.equal(e.code, 'CEIR_ERR_NOT_FOUND');
  assert.equal(e.status, 404);
  assert.equal(e.exitCode, EXIT.failure);
  assert.deepEqual(e.details, { tac: '12345678' });
  for (const c of CODES) {
    const x = new CeirError(c, 'm');
    assert.equal(x.status, ERRORS[c].status);
    assert.equal(x.exitCode, ERRORS[c].exit);
  }
});

test('docs/errors.md lists exactly the codes of ERRORS, once each', () => {
  const documented = docRows().map((r) => r.code);
  assert.equal(new Set(documented).size, documented.length, `a code is listed twice: ${documented.join(', ')}`);
  assert.deepEqual([...documented].sort(), [...CODES].sort());
});

test('docs/errors.md gives each code the status and exit code of the catalogue, and a meaning', () => {
  for (const r of docRows()) {
    const spec = ERRORS[r.code as ErrorCode];
    assert.equal(r.status, spec.status, `${r.code}: HTTP status`);
    assert.equal(r.exit, spec.exit, `${r.code}: exit code`);
    assert.ok(r.meaning.startsWith(spec.title), `${r.code}: the meaning starts with the title "${spec.title}"`);
    assert.ok(r.meaning.length > spec.title.length + 20, `${r.code}: the meaning says when it happens`);
  }
});
