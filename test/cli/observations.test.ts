/** `ceir import operator` and `ceir prune` as a user runs them (a few spawns: each costs seconds). */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ceir, cliEnv } from '../helpers/cli.ts';

const HEADER = 'date,imei,imsi,msisdn,rat';

/** `n` subscribers of alpha on each day; the first `nullRat` rows of each day without RAT. */
function operatorFile(days: string[], n: number, nullRat = 0): string {
  const rows = [HEADER];
  for (const d of days) {
    for (let i = 0; i < n; i++) rows.push(`${d},35209900${String(i).padStart(6, '0')}1,99901${String(i).padStart(10, '0')},99${String(i).padStart(9, '0')},${i < nullRat ? '' : '006'}`);
  }
  return rows.join('\n') + '\n';
}

interface Report {
  status: string;
  rows: number;
  import_id: number | null;
  disabled_gates: string[];
  gates: { gate: string; value: number | null; limit: number; passed: boolean; disabled: boolean }[];
}

test('ceir import operator: a good file, a failing gate, --disable-gate; then ceir prune', () => {
  const { env, dir } = cliEnv('obs');
  const good = join(dir, 'alpha_20250101_20250105.csv');
  writeFileSync(good, operatorFile(['20250101', '20250102', '20250103', '20250104', '20250105'], 10));
  const ok = ceir(env, 'import', 'operator', good, '--operator', 'alpha', '--json');
  assert.equal(ok.code, 0, ok.stderr);
  const r = ok.json() as Report;
  assert.equal(r.status, 'imported');
  assert.equal(r.rows, 50);
  assert.equal(typeof r.import_id, 'number');
  assert.equal(r.gates.length, 12);
  for (const g of r.gates) {
    assert.ok(g.value === null || typeof g.value === 'number', `${g.gate} has a value`);
    assert.equal(typeof g.limit, 'number', `${g.gate} has a limit`);
    assert.equal(g.passed, true);
  }
  const nullImsi = r.gates.find((g) => g.gate === 'null_imsi')!;
  assert.deepEqual([nullImsi.value, nullImsi.limit], [0, 0.05]);
  assert.deepEqual(r.gates.find((g) => g.gate === 'daily_volume')!.value, null, 'no history yet');

  // 3 of 10 rows without RAT: 30% > 5%
  const bad = join(dir, 'alpha_20250106_20250106.csv');
  writeFileSync(bad, operatorFile(['20250106'], 10, 3));
  const refused = ceir(env, 'import', 'operator', bad, '--operator', 'alpha');
  assert.equal(refused.code, 3, refused.stderr);
  assert.match(refused.stdout, /alpha_20250106_20250106\.csv for alpha \(plain, 2025-01-06\.\.2025-01-06\): REFUSED, nothing was written/);
  assert.match(refused.stdout, /FAILED\s+null_rat\s+30\.00% \(limit <= 5\.00%\)/);
  assert.match(refused.stdout, /ok\s+null_imsi\s+0\.00%/);
  assert.equal(refused.stdout.match(/FAILED/g)?.length, 1);

  const forced = ceir(env, 'import', 'operator', bad, '--operator', 'alpha', '--disable-gate', 'null_rat', '--json');
  assert.equal(forced.code, 0, forced.stderr);
  const f = forced.json() as Report;
  assert.equal(f.status, 'imported');
  assert.deepEqual(f.disabled_gates, ['null_rat']);
  assert.deepEqual(f.gates.filter((g) => g.disabled).map((g) => [g.gate, g.value, g.passed]), [['null_rat', 0.3, true]]);

  const typo = ceir(env, 'import', 'operator', bad, '--operator', 'alpha', '--disable-gate', 'null-rat');
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /unknown gate "null-rat"/);

  // the data is of January 2025: with 6 months kept, both of its partitions go
  const pruned = ceir(env, 'prune', '--months', '6', '--json');
  assert.equal(pruned.code, 0, pruned.stderr);
  const p = pruned.json() as { months_kept: number; cutoff: string; partitions: string[]; rows_removed: number };
  assert.equal(p.months_kept, 6);
  assert.match(p.cutoff, /^\d{4}-\d{2}-01$/);
  assert.deepEqual(p.partitions, ['obs_triplet_y2025m01', 'obs_location_y2025m01']);
  assert.equal(p.rows_removed, 10, 'ten subscriber-month entries, no locations');
});
