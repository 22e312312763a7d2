/** Hostile operator files through the importer: each refused with the right rule and nothing written. */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Db } from '../../src/store/db.ts';
import { csv, dailyRows, dayList, freshDb, gz, imp, impOk, put, snapshot, withTempDir, zip } from './helpers.ts';

const NAME = 'alpha_20250101_20250131.csv';
const HEAD = 'date,imei,imsi,msisdn,rat\n';
const OK = '20250105,352099001761481,999010000000001,99000000001,006\n';

/** Import `path` into a store that already holds a file, expect a refusal with `rule`, and no change. */
async function refusedWith(db: Db, path: string, rule: string, check: { line?: number; message?: RegExp } = {}) {
  const before = await snapshot(db, true);
  const r = await imp(db, path);
  assert.equal(r.status, 'refused', `${path}: ${JSON.stringify(r.problems)}`);
  assert.equal(r.import_id, null);
  assert.equal(r.problems.length, 1, JSON.stringify(r.problems));
  const [p] = r.problems;
  assert.equal(p.rule, rule, p.message);
  assert.equal(p.file, path.slice(path.lastIndexOf('/') + 1));
  if (check.line !== undefined) assert.equal(p.line, check.line, p.message);
  if (check.message) assert.match(p.message, check.message);
  assert.deepEqual(r.gates, [], 'a file that cannot be read is not measured');
  assert.deepEqual(await snapshot(db, true), before, 'nothing written');
  return p;
}

async function seeded(dir: string): Promise<Db> {
  const db = await freshDb();
  await impOk(db, await put(dir, 'alpha_20241201_20241203.csv', csv(dailyRows(dayList('20241201', 3), 4))));
  return db;
}

test('an empty file is refused (rule empty); a header alone is imported with 0 rows, unless the operator sent data before', async () => {
  await withTempDir(async (dir) => {
    const db = await seeded(dir);
    await refusedWith(db, await put(dir, NAME, ''), 'empty', { message: /the file is empty/ });
    await refusedWith(db, await put(dir, NAME, '\r\n\n'), 'empty');
    await refusedWith(db, await put(dir, `${NAME}.gz`, gz('')), 'empty');
    // December 2024 was 4 subscribers a day: an empty January is a partial dump
    const before = await snapshot(db, true);
    const empty = await imp(db, await put(dir, NAME, HEAD));
    assert.equal(empty.status, 'refused');
    assert.deepEqual(empty.gates.filter((g) => !g.passed).map((g) => [g.gate, g.value]), [['daily_volume', 0]]);
    assert.match(empty.gates.find((g) => g.gate === 'daily_volume')!.detail!, /^2025-01-01: no rows at all/);
    assert.deepEqual(await snapshot(db, true), before);
    // gamma never sent anything: its header-only file is imported
    const r = await impOk(db, await put(dir, 'gamma_20250101_20250131.csv', HEAD), { operator: 'gamma' });
    assert.deepEqual([r.rows, r.rows_kept, r.triplets], [0, 0, 0]);
    assert.equal(r.gates.find((g) => g.gate === 'daily_volume')!.value, null);
  });
});

test('binary data (NUL) and invalid UTF-8 are refused naming the line', async () => {
  await withTempDir(async (dir) => {
    const db = await seeded(dir);
    await refusedWith(db, await put(dir, NAME, Buffer.concat([Buffer.from(HEAD + OK + OK), Buffer.from([0, 0, 0, 7, 0xff]), Buffer.from('\n' + OK)])), 'binary', { line: 4, message: /NUL/ });
    await refusedWith(db, await put(dir, NAME, Buffer.from([0x50, 0x4b, 0x03, 0x05, 0, 0, 0, 0])), 'binary', { line: 1 });
    const latin1 = Buffer.concat([Buffer.from(HEAD + OK + OK + OK), Buffer.from('20250105,352099001761481,999010000000001,99000000001,006,'), Buffer.from([0xe9]), Buffer.from('\n')]);
    await refusedWith(db, await put(dir, NAME, latin1), 'encoding', { line: 5, message: /invalid UTF-8/ });
    // deep in a large file: the line is still named (not just the chunk)
    const many = HEAD + OK.repeat(30_000);
    await refusedWith(db, await put(dir, NAME, Buffer.concat([Buffer.from(many), Buffer.from([0xc3, 0x0a])])), 'encoding', { line: 30_002 });
    await refusedWith(db, await put(dir, `${NAME}.gz`, gz(Buffer.concat([Buffer.from(many), Buffer.from([0xc3, 0x0a])]))), 'encoding', { line: 30_002 });
  });
});

test('a 10 MB line is refused as too long without reading it all into a row', async () => {
  await withTempDir(async (dir) => {
    const db = await seeded(dir);
    const huge = Buffer.alloc(10 << 20, 0x39);
    await refusedWith(db, await put(dir, NAME, Buffer.concat([Buffer.from(HEAD + OK), huge, Buffer.from('\n' + OK)])), 'line_too_long', { line: 3, message: /longer than 65536/ });
    await refusedWith(db, await put(dir, NAME, Buffer.concat([Buffer.from(HEAD + OK), huge])), 'line_too_long', { line: 3 });
    await refusedWith(db, await put(dir, NAME, Buffer.concat([Buffer.from('date,imei,'), huge, Buffer.from('\n')])), 'line_too_long', { line: 1 });
  });
});

test('a truncated or damaged gzip, and a bad zip, are refused', async () => {
  await withTempDir(async (dir) => {
    const db = await seeded(dir);
    const full = gz(csv(dailyRows(dayList('20250101', 20), 200)));
    await refusedWith(db, await put(dir, `${NAME}.gz`, full.subarray(0, Math.floor(full.length / 2))), 'unreadable', { message: /compressed data is damaged or truncated/ });
    const damaged = Buffer.from(full);
    for (let i = 20; i < 200; i++) damaged[i] ^= 0x55;
    await refusedWith(db, await put(dir, `${NAME}.gz`, damaged), 'unreadable', { message: /damaged or truncated/ });
    await refusedWith(db, await put(dir, `${NAME}.gz`, full.subarray(0, 12)), 'unreadable');
    await refusedWith(db, await put(dir, `${NAME}.zip`, zip({ 'a.csv': HEAD + OK, 'b.csv': HEAD + OK })), 'bad_zip', { message: /exactly one file, this one holds 2/ });
    const z = zip({ 'a.csv': HEAD + OK });
    await refusedWith(db, await put(dir, `${NAME}.zip`, z.subarray(0, z.length - 10)), 'bad_zip');
  });
});

test('a bad file name, or a missing file, is refused before reading', async () => {
  await withTempDir(async (dir) => {
    const db = await seeded(dir);
    await refusedWith(db, await put(dir, 'alpha_january.csv', HEAD + OK), 'file_name', { message: /_<YYYYMMDD>_<YYYYMMDD>/ });
    await refusedWith(db, await put(dir, 'alpha_20250131_20250101.csv', HEAD + OK), 'file_name', { message: /ends \(20250101\) before it starts/ });
    await refusedWith(db, await put(dir, 'alpha_20250101_20250132.csv', HEAD + OK), 'file_name', { message: /calendar days/ });
    await refusedWith(db, join(dir, 'absent_20250101_20250131.csv'), 'unreadable', { message: /cannot read the file/ });
    await mkdir(join(dir, 'dir_20250101_20250131.csv'));
    await refusedWith(db, join(dir, 'dir_20250101_20250131.csv'), 'unreadable', { message: /not a regular file/ });
  });
});

test('structure errors anywhere in the file refuse it whole, even after many good rows', async () => {
  await withTempDir(async (dir) => {
    const db = await seeded(dir);
    const good = csv(dailyRows(dayList('20250101', 20), 1000)); // about 1.4 MB: past the first read
    const lines = good.split('\n').length - 1;
    await refusedWith(db, await put(dir, NAME, good + '20250105,352099001761481,999010000000001\n'), 'field_count', { line: lines + 1, message: /expected 5 fields, found 3/ });
    await refusedWith(db, await put(dir, NAME, good + '2025-01-05,352099001761481,999010000000001,99000000001,006\n'), 'date_format', { line: lines + 1 });
    await refusedWith(db, await put(dir, NAME, 'date|imei|imsi|msisdn|rat\n' + OK.replaceAll(',', '|')), 'header', { line: 1, message: /comma-separated/ });
    await refusedWith(db, await put(dir, NAME, 'date,imei,imsi,msisdn\n' + OK), 'header', { message: /missing column rat/ });
  });
});
