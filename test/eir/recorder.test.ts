import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { EirMetrics } from '../../src/eir/metrics.ts';
import { CheckRecorder } from '../../src/eir/recorder.ts';
import { ANSWER_CODES, BatchFormatter, BatchLayout } from '../../src/eir/recorder-writer.ts';
import { NO_SVN } from '../../src/eir/types.ts';
import { importObservations } from '../../src/observations/importer.ts';
import { imeiObservations } from '../../src/observations/queries.ts';
import { ENGINE, demoProfile, freshDb } from '../helpers/store.ts';

const lines = (f: string) => readFileSync(f, 'utf8').trimEnd().split('\n');

test('the recorder writes every check, and one observation row per day, IMEI, IMSI and software version', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ceir-rec-'));
  try {
    const metrics = new EirMetrics();
    const rec = new CheckRecorder({ dir, node: 'eir-a', metrics, maxBatch: 3 });
    rec.record(35209900176148, 999011234567890, 15, 's13', 'BLACKLISTED', 1);
    rec.record(35209900176148, 999011234567890, 15, 's13', 'BLACKLISTED', 1);
    rec.record(35209900176148, 0, 0, 'n5g', 'BLACKLISTED', NO_SVN);
    rec.record(1234567890123, 999021234567890, 15, 'n5g', 'WHITELISTED', NO_SVN); // a second batch
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
    for (let i = 0; i < 10; i++) rec.record(35209900176140 + i, 0, 0, 'n5g', 'WHITELISTED', NO_SVN);
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
    for (let i = 0; i < 20; i++) rec.record(35209900176100 + i, 999010000000000 + i, 15, 's13', 'WHITELISTED', 7);
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

test('the record keeps leading zeros, IMSIs of 5 to 15 digits and absent fields, on the worker and inline alike', async () => {
  for (const thread of ['worker', 'inline'] as const) {
    const dir = mkdtempSync(join(tmpdir(), 'ceir-rec-'));
    try {
      const metrics = new EirMetrics();
      const rec = new CheckRecorder({ dir, node: 'eir-d', metrics, thread });
      rec.record(12, 1010123456789, 15, 's13', 'GREYLISTED', 0); // IMEI key 00000000000012, IMSI 001010123456789
      rec.record(99999999999999, 12345, 5, 'n5g', 'UNKNOWN', 99);
      rec.record(99999999999999, 12345, 5, 'n5g', 'UNKNOWN', 99);
      rec.record(99999999999999, 12345, 6, 'n5g', 'UNKNOWN', 99); // 012345: another IMSI
      rec.record(35209900176148, 0, 0, 's13', 'WHITELISTED', NO_SVN);
      await rec.close();
      const [checks] = readdirSync(join(dir, 'checks'));
      const [obs] = readdirSync(join(dir, 'observations'));
      assert.deepEqual(lines(join(dir, 'checks', checks)).slice(1).map((l) => l.split(',').slice(1).join(',')), [
        's13,00000000000012,001010123456789,00,GREYLISTED',
        'n5g,99999999999999,12345,99,UNKNOWN',
        'n5g,99999999999999,12345,99,UNKNOWN',
        'n5g,99999999999999,012345,99,UNKNOWN',
        's13,35209900176148,,,WHITELISTED',
      ], thread);
      assert.deepEqual(lines(join(dir, 'observations', obs)).slice(1).map((l) => l.split(',').slice(1).join(',')), [
        '00000000000012,001010123456789,,006,00',
        '99999999999999,12345,,010,99',
        '99999999999999,012345,,010,99',
        '35209900176148,,,006,',
      ], thread);
      assert.deepEqual(metrics.records, { written: 5, dropped: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('the formatter writes what a plain formatting of the same checks gives (random checks, every field)', () => {
  const n = 5000;
  const b = new BatchLayout(new ArrayBuffer(BatchLayout.bytes(n)), n);
  const want: string[] = [];
  const obs = new Map<string, string>();
  let seed = 7;
  const rnd = (below: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return Math.floor((seed / 2 ** 32) * below);
  };
  const t0 = Date.UTC(2026, 0, 31, 23, 59, 59, 0);
  for (let i = 0; i < n; i++) {
    const imei = rnd(3) === 0 ? rnd(1000) : rnd(1e7) * 1e7 + rnd(1e7);
    const digits = [0, 5, 6, 14, 15][rnd(5)];
    const imsi = digits ? Math.min(10 ** digits - 1, rnd(10 ** Math.min(digits, 9)) * (digits > 9 ? 10 ** (digits - 9) : 1) + rnd(10)) : 0;
    const svn = rnd(4) === 0 ? NO_SVN : rnd(100);
    const iface = rnd(2);
    const answer = rnd(4);
    const t = t0 + i * 1;
    b.times[i] = t;
    b.imeis[i] = imei;
    b.imsis[i] = imsi;
    b.svns[i] = svn;
    b.flags[i] = iface | (answer << 1) | (digits << 3);
    const iso = new Date(t).toISOString();
    const cols = [String(imei).padStart(14, '0'), digits ? String(imsi).padStart(digits, '0') : '', svn >= 0 ? String(svn).padStart(2, '0') : ''];
    want.push(`${iso},${iface ? 's13' : 'n5g'},${cols[0]},${cols[1]},${cols[2]},${ANSWER_CODES[answer]}`);
    const day = iso.slice(0, 10).replace(/-/g, '');
    const row = `${day},${cols[0]},${cols[1]},,${iface ? '006' : '010'},${cols[2]}`;
    if (!obs.has(row)) obs.set(row, row);
  }
  const f = new BatchFormatter().format(b, n);
  assert.deepEqual(f.checks.toString('latin1').split('\n').slice(1, -1), want);
  assert.deepEqual(f.observations.toString('latin1').split('\n').slice(1, -1), [...obs.keys()]);
  assert.deepEqual([f.from, f.to], ['20260131', '20260201'], 'the batch spans midnight');
});
