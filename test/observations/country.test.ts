/**
 * A generated country imported end to end: what the database holds must match what the
 * generator wrote, read back independently from the files.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { generateCountry } from '../../src/generate/index.ts';
import { normaliseImei } from '../../src/identity/index.ts';
import { importObservations } from '../../src/observations/importer.ts';
import { imeiObservations } from '../../src/observations/queries.ts';
import { importList } from '../../src/reference/importer.ts';
import { LIST_KINDS } from '../../src/reference/lists.ts';
import { demoProfile, freshDb } from '../helpers/store.ts';

const dir = mkdtempSync(join(tmpdir(), 'ceir-country-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a generated country imports end to end and the store matches the files', async () => {
  const profile = demoProfile();
  const country = await generateCountry({ outDir: dir, profile, seed: 5, subscribers: 600, days: 35, perMonthFiles: true, withLocation: true, withSoftwareVersion: true });
  const db = await freshDb();
  for (const kind of LIST_KINDS) {
    const f = kind === 'cell_list' ? country.cells! : country.reference[kind];
    const r = await importList(db, { kind, file: f.path, profile });
    assert.equal(r.status, 'imported', `${kind}: ${JSON.stringify(r.problems)}`);
    assert.equal(r.rows, f.rows, `${kind}: every generated row was read`);
  }
  const today = new Date(`${country.asOf}T12:00:00Z`);
  // Read the files back independently: distinct (operator, month, IMEI key, IMSI, MSISDN) and IMEIs.
  const triplets = new Set<string>();
  const imeis = new Set<string>();
  const svns = new Set<string>();
  let rows = 0;
  for (const f of country.files) {
    const r = await importObservations(db, { file: f.path, operator: f.operator, profile, today });
    assert.equal(r.status, 'imported', `${f.path}: ${JSON.stringify(r.problems)} ${JSON.stringify(r.gates.filter((g) => !g.passed))}`);
    assert.equal(r.rows, f.rows, `${f.path}: rows read`);
    rows += r.rows;
    const lines = readFileSync(f.path, 'utf8').trim().split('\n');
    const head = lines[0].split(',');
    for (const line of lines.slice(1)) {
      const v = Object.fromEntries(line.split(',').map((x, i) => [head[i], x]));
      const key = normaliseImei(v.imei);
      triplets.add(`${f.operator}|${v.date.slice(0, 6)}|${key}|${v.imsi}|${v.msisdn}`);
      imeis.add(key);
      if (v.svn) svns.add(`${key}|${v.svn}`);
    }
  }
  assert.equal(rows, country.rows);
  assert.ok(country.files.length >= 2 * profile.operators.length, '35 days span two months: one file per operator and month');
  const count = async (sql: string) => (await db.query<{ n: number }>(sql)).rows[0].n;
  assert.equal(await count('SELECT count(*) AS n FROM obs_triplet'), triplets.size);
  assert.equal(await count('SELECT count(*) AS n FROM obs_imei'), imeis.size);
  assert.equal(await count('SELECT count(*) AS n FROM obs_imei_svn'), svns.size);
  assert.equal(await count('SELECT count(*) AS n FROM obs_import'), country.files.length);

  // Labelled behaviour is visible in the stored data.
  const truth = readFileSync(country.truth.path, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  const cloned = truth.filter(([, label]) => label === 'cloned').map(([imei]) => imei);
  assert.ok(cloned.length > 0);
  for (const imei of cloned) {
    const o = await imeiObservations(db, imei);
    assert.ok(o.distinct_imsis >= 6, `cloned ${imei} has ${o.distinct_imsis} IMSIs`);
  }
  const family = truth.filter(([, label]) => label === 'family_shared').map(([imei]) => imei);
  for (const imei of family.slice(0, 10)) {
    const o = await imeiObservations(db, imei);
    assert.ok(o.distinct_imsis >= 2 && o.days_seen > 0, `family-shared ${imei}`);
  }

  // Everything again: nothing is counted twice.
  const before = await db.query('SELECT * FROM obs_triplet ORDER BY imei_norm, month, operator_id, imsi, msisdn');
  for (const f of country.files) {
    const r = await importObservations(db, { file: f.path, operator: f.operator, profile, today });
    assert.equal(r.status, 'imported');
    assert.match(r.note ?? '', /imported before/);
  }
  const again = await db.query('SELECT * FROM obs_triplet ORDER BY imei_norm, month, operator_id, imsi, msisdn');
  assert.deepEqual(again.rows, before.rows);
});
