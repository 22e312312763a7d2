import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { EirMetrics } from '../../src/eir/metrics.ts';
import { CheckRecorder } from '../../src/eir/recorder.ts';
import { importObservations } from '../../src/observations/importer.ts';
import { imeiObservations } from '../../src/observations/queries.ts';
import { ENGINE, demoProfile, freshDb } from '../helpers/store.ts';

const lines = (f: string) => readFileSync(f, 'utf8').trimEnd().split('\n');

test('the recorder writes every check, and one observation row per day, IMEI, IMSI and software version', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ceir-rec-'));
  try {
    const metrics = new EirMetrics();
    const rec = new CheckRecorder({ dir, node: 'eir-a', metrics, maxBatch: 3 });
    rec.record('35209900176148', '999011234567890', 's13', 'BLACKLISTED', '01');
    rec.record('35209900176148', '999011234567890', 's13', 'BLACKLISTED', '01');
    rec.record('35209900176148', undefined, 'n5g', 'BLACKLISTED', undefined);
    rec.record('01234567890123', '999021234567890', 'n5g', 'WHITELISTED', undefined); // a second batch
    await rec.close();
    const checks = readdirSync(join(dir, 'checks')).sort();
    const obs = readdirSync(join(dir, 'observations')).sort();
    assert.equal(checks.length, 2, 'two batches (3 + 1 checks)');
    assert.equal(obs.length, 2);
    assert.ok(obs.every((f) => /^eir-a-\d{8}T\d{6}-\d{6}_\d{8}_\d{8}\.csv$/.test(f)), obs.join());
    const c1 = lines(join(dir, 'checks', checks[0]));
    assert.equal(c1[0], 'time,interface,imei,imsi,svn,answer');
    assert.equal(c1.length, 4);
    assert.match(c1[1], /^\d{4}-\d{2}-\d{2}T[\d:.]+Z,s13,35209900176148,999011234567890,01,BLACKLISTED$/);
    assert.match(c1[3], /,n5g,35209900176148,,,BLACKLISTED$/);
    const o1 = lines(join(dir, 'observations', obs[0]));
    assert.equal(o1[0], 'date,imei,imsi,msisdn,rat,svn');
    assert.deepEqual(o1.slice(1).map((l) => l.split(',').slice(1)), [
      ['35209900176148', '999011234567890', '', '006', '01'],
      ['35209900176148', '', '', '010', ''],
    ], 'the repeated check is one observation; S13 is E-UTRAN (006), N5g-eir NR (010)');
    assert.equal(lines(join(dir, 'observations', obs[1]))[1].split(',')[1], '01234567890123', 'a leading zero is kept');
    assert.deepEqual(metrics.records, { written: 4, dropped: 0 });
    assert.equal(readdirSync(join(dir, 'checks')).filter((f) => f.startsWith('.')).length, 0, 'no partial file left');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a recorder that falls behind drops checks from the record (counted) and never blocks', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ceir-rec-'));
  try {
    const metrics = new EirMetrics();
    const rec = new CheckRecorder({ dir, node: 'eir-b', metrics, maxBatch: 2, maxPendingBatches: 1 });
    // Synchronously: the writer cannot run, so after one full batch is pending and one is full, the rest is dropped.
    for (let i = 0; i < 10; i++) rec.record(`3520990017614${i}`, undefined, 'n5g', 'WHITELISTED', undefined);
    await rec.close();
    assert.equal(metrics.records.written + metrics.records.dropped, 10);
    assert.ok(metrics.records.dropped >= 6, JSON.stringify(metrics.records));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(`[${ENGINE}] the observation files of the record import as operator data`, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ceir-rec-'));
  try {
    const rec = new CheckRecorder({ dir, node: 'eir-c', metrics: new EirMetrics() });
    for (let i = 0; i < 20; i++) rec.record(`352099001761${String(i).padStart(2, '0')}`, `9990100000000${String(i).padStart(2, '0')}`, 's13', 'WHITELISTED', '07');
    await rec.close();
    const [file] = readdirSync(join(dir, 'observations'));
    const db = await freshDb();
    // Checks carry no MSISDN: the null-MSISDN gate is turned off for them.
    const r = await importObservations(db, { file: join(dir, 'observations', file), operator: 'alpha', profile: demoProfile(), disabledGates: ['null_msisdn'] });
    assert.equal(r.status, 'imported', JSON.stringify({ p: r.problems, g: r.gates.filter((g) => !g.passed) }));
    assert.equal(r.rows_kept, 20);
    const seen = await imeiObservations(db, '35209900176103');
    assert.equal(seen.seen, true);
    assert.deepEqual(seen.rat_codes, ['006']);
    assert.deepEqual(seen.software_versions.map((v) => v.svn), ['07']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
