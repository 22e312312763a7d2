/**
 * Detection quality end to end: a generated country (a few hundred thousand rows) is imported,
 * classified with the demo conditions and scored against the generator's truth.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { classify } from '../../src/classify/engine.ts';
import { evaluate, readTruth } from '../../src/classify/evaluate.ts';
import { formatEvaluation } from '../../src/cli/classify.ts';
import { generateCountry } from '../../src/generate/index.ts';
import { generateLists } from '../../src/lists/generate.ts';
import { importObservations } from '../../src/observations/importer.ts';
import { importList } from '../../src/reference/importer.ts';
import { LIST_KINDS } from '../../src/reference/lists.ts';
import { luhnCheckDigit } from '../../src/identity/luhn.ts';
import { demoProfile, freshDb } from '../helpers/store.ts';
import { classifyFixture, imsi, key, msisdn, observe, reference, withTempDir } from '../lists/helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'ceir-evaluate-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the demo conditions find what the generator injected, and leave legitimate devices alone', async () => {
  const profile = demoProfile();
  const country = await generateCountry({ outDir: dir, profile, seed: 42, subscribers: 9000, withLocation: true, withSoftwareVersion: true });
  assert.ok(country.rows >= 200_000, `${country.rows} rows`);
  const db = await freshDb();
  for (const kind of LIST_KINDS) {
    const f = kind === 'cell_list' ? country.cells! : country.reference[kind];
    assert.equal((await importList(db, { kind, file: f.path, profile })).status, 'imported', kind);
  }
  for (const f of country.files) {
    const r = await importObservations(db, { file: f.path, operator: f.operator, profile, today: new Date(`${country.asOf}T12:00:00Z`) });
    assert.equal(r.status, 'imported', f.path);
  }
  const run = await classify(db, { profile });
  assert.equal(run.status, 'done', run.message);
  const e = await evaluate(db, await readTruth(country.truth.path), profile.evaluation);
  const score = (label: string) => {
    const s = e.labels.find((l) => l.label === label)!;
    assert.ok(s.truth > 0, `the generator injected some ${label}`);
    return s;
  };
  for (const label of ['counterfeit', 'test_tac', 'malformed', 'stolen']) {
    const s = score(label);
    assert.deepEqual([s.precision, s.recall], [1, 1], `${label}: FP ${s.false_positives.join(' ')} FN ${s.false_negatives.join(' ')}`);
  }
  const clones = score('cloned');
  assert.ok(clones.precision !== null && clones.precision >= 0.95 && clones.recall !== null && clones.recall >= 0.9, `clones: precision ${clones.precision}, recall ${clones.recall}`);
  for (const g of e.legitimate_flagged) {
    assert.ok(g.truth > 0, `the generator made some ${g.label}`);
    assert.deepEqual(g.flagged, [], `legitimate ${g.label} devices on a block or notification list`);
  }
  // And none of them is on the lists operators receive.
  const lists = await generateLists(db, { profile });
  assert.ok(lists.counts.blocklist > 0);
  const legit = [...(await readTruth(country.truth.path)).entries()]
    .filter(([label]) => ['dual_sim', 'family_shared', 'roamer_international', 'roamer_national'].includes(label))
    .flatMap(([, imeis]) => [...imeis]);
  const { rows } = await db.query<{ n: number }>(
    'SELECT count(*) AS n FROM (SELECT imei_norm FROM lst_block UNION SELECT imei_norm FROM lst_notification) l WHERE imei_norm = ANY($1)',
    [legit],
  );
  assert.equal(rows[0].n, 0);
});

test('scoring: labelled devices never seen are not misses; golden and undated states put no legitimate device on a list', async () => {
  await withTempDir(async (tmp) => {
    const db = await freshDb();
    const [stolen, golden, listed, granted, neverSeen] = [1, 2, 3, 4, 5].map(key);
    const row = (k: string, i: number) => ({ date: '20250210', imei: k + luhnCheckDigit(k), imsi: imsi('99901', i), msisdn: msisdn(i) });
    await observe(db, tmp, 'alpha', [row(stolen, 1), row(golden, 2), row(listed, 3), row(granted, 4)]);
    await reference(db, tmp, 'golden_list', ['golden_imei', golden]);
    await classifyFixture(db, '2025-03-01', [
      { imei: stolen, cond: 'stolen', block: '2025-03-01' },
      { imei: golden, cond: 'dup', block: '2025-03-01' },
      { imei: listed, cond: 'dup', block: '2025-03-20' },
      { imei: granted, cond: 'dup', block: null, granted: true },
    ]);
    const truth = new Map([
      ['stolen', new Set([stolen, neverSeen])],
      ['dual_sim', new Set([golden, listed, granted, neverSeen])],
    ]);
    const e = await evaluate(db, truth, { stolen: ['stolen'] });
    const s = e.labels.find((l) => l.label === 'stolen')!;
    // The device the data never shows is counted apart, not as a miss.
    assert.deepEqual([s.truth, s.not_seen, s.flagged, s.recall, s.false_negatives], [1, 1, 1, 1, []]);
    assert.match(formatEvaluation(e), /^ {4}not scored: 1 labelled IMEI never seen on the network$/m);
    // Golden IMEIs are on no list, nor are amnesty states without a block date: only the pending one is.
    assert.deepEqual(e.legitimate_flagged, [{ label: 'dual_sim', truth: 3, flagged: [listed] }]);
  });
});

test('truth files: IMEIs are found by their key, and labels nothing scores are named, not scored as perfect', async () => {
  await withTempDir(async (tmp) => {
    const db = await freshDb();
    const [stolen, other] = [1, 2].map(key);
    const row = (k: string, i: number) => ({ date: '20250210', imei: k + luhnCheckDigit(k), imsi: imsi('99901', i), msisdn: msisdn(i) });
    await observe(db, tmp, 'alpha', [row(stolen, 1), row(other, 2)]);
    await classifyFixture(db, '2025-03-01', [{ imei: stolen, cond: 'stolen', block: '2025-03-01' }]);
    // The stolen phone as a 15-digit IMEI with its check digit; a misspelt label.
    const file = join(tmp, 'truth.csv');
    writeFileSync(file, `imei,label,detail\n${stolen}${luhnCheckDigit(stolen)},stolen,\n${other},stollen,\n`);
    const e = await evaluate(db, await readTruth(file), { stolen: ['stolen'], counterfeit: ['counterfeit'] });
    const s = e.labels.find((l) => l.label === 'stolen')!;
    assert.deepEqual([s.truth, s.flagged, s.precision, s.recall], [1, 1, 1, 1]);
    // Nothing labelled counterfeit, nothing flagged: nothing to measure, not a perfect score.
    const c = e.labels.find((l) => l.label === 'counterfeit')!;
    assert.deepEqual([c.truth, c.flagged, c.precision, c.recall], [0, 0, null, null]);
    assert.deepEqual(e.unscored_labels, [{ label: 'stollen', imeis: 1 }]);
    const text = formatEvaluation(e);
    assert.match(text, /^counterfeit +counterfeit +0 +0 +n\/a +n\/a$/m);
    assert.match(text, /^not scored \(no condition mapped under evaluation:, not a legitimate label\): stollen \(1 IMEI\)$/m);
  });
});
