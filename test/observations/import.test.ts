/** Storing operator files, on the engine of the run: aggregates, idempotence, overlaps, months, packings, bounded aggregation. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { Aggregator } from '../../src/observations/aggregate.ts';
import { ratMask } from '../../src/observations/rat.ts';
import {
  bitsOfDays, csv, dailyRows, dayList, freshDb, gz, imeiKey, imeiRows, impOk, importLog, imsiOf, iso, lenient, msisdnOf, partitions, put, snapshot, triplets,
  withTempDir, zip, type Row,
} from './helpers.ts';

test('a file is stored as monthly triplets with first/last seen and day bits, and a per-IMEI summary', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    const rows: Row[] = [
      { date: '20250103', imei: '352099001761481', imsi: imsiOf(1), msisdn: msisdnOf(1), rat: '002' },
      { date: '20250107', imei: '352099001761489', imsi: imsiOf(1), msisdn: msisdnOf(1), rat: '006|010' }, // same key, other check digit
      { date: '20250105', imei: '35209900176148', imsi: imsiOf(2), msisdn: msisdnOf(2), rat: '001' },
      { date: '20250105', imei: '01234567890123', imsi: imsiOf(3), msisdn: '', rat: '' },
    ];
    const path = await put(dir, 'alpha_20250101_20250131.csv', csv(rows));
    const r = await impOk(db, path, { profile: lenient() });
    assert.deepEqual([r.rows, r.rows_kept, r.triplets, r.imeis, r.packing, r.operator, r.file], [4, 4, 3, 2, 'plain', 'alpha', 'alpha_20250101_20250131.csv']);
    assert.deepEqual(r.period, { start: '2025-01-01', end: '2025-01-31' });
    assert.deepEqual(await triplets(db), [
      { month: '2025-01-01', imei_norm: '01234567890123', imsi: imsiOf(3), msisdn: null, operator_id: 0, first_seen: '2025-01-05', last_seen: '2025-01-05', date_bitmask: bitsOfDays(5, 5) },
      { month: '2025-01-01', imei_norm: '35209900176148', imsi: imsiOf(1), msisdn: msisdnOf(1), operator_id: 0, first_seen: '2025-01-03', last_seen: '2025-01-07', date_bitmask: bitsOfDays(3, 3) | bitsOfDays(7, 7) },
      { month: '2025-01-01', imei_norm: '35209900176148', imsi: imsiOf(2), msisdn: msisdnOf(2), operator_id: 0, first_seen: '2025-01-05', last_seen: '2025-01-05', date_bitmask: bitsOfDays(5, 5) },
    ]);
    assert.deepEqual(await imeiRows(db), [
      { imei_norm: '01234567890123', first_seen: '2025-01-05', last_seen: '2025-01-05', rat_bitmask: 0, operator_bitmask: 1 },
      { imei_norm: '35209900176148', first_seen: '2025-01-03', last_seen: '2025-01-07', rat_bitmask: ratMask('001|002|006|010'), operator_bitmask: 1 },
    ]);
    const log = await importLog(db);
    assert.equal(log.length, 1);
    const sha = createHash('sha256').update(await readFile(path)).digest('hex');
    const row = (await db.query('SELECT * FROM obs_import')).rows[0];
    assert.deepEqual(
      { ...row, started_at: undefined, finished_at: undefined, duration_ms: undefined, gates: undefined },
      {
        id: r.import_id, operator_id: 0, file_name: 'alpha_20250101_20250131.csv', sha256: sha, packing: 'plain', period_start: '2025-01-01', period_end: '2025-01-31',
        rows_read: 4, rows_kept: 4, triplets: 3, imeis: 2, disabled_gates: [], started_at: undefined, finished_at: undefined, duration_ms: undefined, gates: undefined,
      },
    );
    assert.equal(r.sha256, sha);
    assert.ok(typeof row.duration_ms === 'number' && row.duration_ms >= 0);
    const daily = (await db.query<{ day: string; rows: number }>('SELECT day, rows FROM obs_daily ORDER BY day')).rows;
    assert.deepEqual(daily, [{ day: '2025-01-03', rows: 1 }, { day: '2025-01-05', rows: 2 }, { day: '2025-01-07', rows: 1 }]);
  });
});

test('re-importing the same file changes nothing but the import log, which notes it', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    const rows = dailyRows(dayList('20250101', 10), 30).map((r, i) => ({ ...r, rat: i % 3 ? '006' : '002|010', cell_id: `c${i % 4}`, svn: String(i % 2).padStart(2, '0') }));
    const path = await put(dir, 'alpha_20250101_20250110.csv', csv(rows));
    const first = await impOk(db, path);
    assert.equal(first.note, undefined);
    const before = await snapshot(db);
    assert.equal(before.obs_triplet.length, 30);
    assert.equal(before.obs_location.length, 60, 'two cells per IMEI');
    assert.equal(before.obs_imei_svn.length, 30);
    const second = await impOk(db, path);
    assert.deepEqual(await snapshot(db), before, 'every table byte-identical');
    assert.match(second.note!, new RegExp(`the same file was imported before \\(import ${first.import_id}\\): nothing was counted twice`));
    assert.deepEqual([second.rows, second.triplets, second.imeis], [first.rows, first.triplets, first.imeis]);
    const log = await importLog(db);
    assert.deepEqual(log.map((l) => l.id), [first.import_id, second.import_id]);
    assert.ok(second.import_id! > first.import_id!);
    // a third time, gzipped (another checksum): still nothing new
    await impOk(db, await put(dir, 'alpha_20250101_20250110.csv.gz', gz(csv(rows))));
    assert.deepEqual(await snapshot(db), before);
  });
});

test('overlapping periods: bitmasks, first and last seen are the union; nothing is counted twice', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    const N = 5;
    const a = dailyRows(dayList('20250101', 20), N).map((r) => ({ ...r, rat: '002' }));
    const b = dailyRows(dayList('20250110', 21), N).map((r) => ({ ...r, rat: r.date < '20250121' ? '002' : '006' }));
    const fa = await put(dir, 'alpha_20250101_20250120.csv', csv(a));
    const fb = await put(dir, 'alpha_20250110_20250130.csv', csv(b));
    await impOk(db, fa);
    await impOk(db, fb);
    const t = await triplets(db);
    assert.equal(t.length, N);
    for (const x of t) {
      assert.deepEqual([x.first_seen, x.last_seen, x.date_bitmask], ['2025-01-01', '2025-01-30', bitsOfDays(1, 30)]);
    }
    for (const i of await imeiRows(db)) assert.deepEqual([i.first_seen, i.last_seen, i.rat_bitmask], ['2025-01-01', '2025-01-30', ratMask('002|006')]);
    const daily = (await db.query<{ day: string; rows: number }>('SELECT day, rows FROM obs_daily ORDER BY day')).rows;
    assert.equal(daily.length, 30);
    assert.ok(daily.every((d) => d.rows === N), 'days 10..20 were in both files and count once');
    const both = await snapshot(db);

    // the other order, and one file of the union, store the same
    await freshDb();
    await impOk(db, fb);
    await impOk(db, fa);
    assert.deepEqual(await snapshot(db), both);
    await freshDb();
    const union = [...a, ...b.filter((r) => r.date > '20250120')];
    await impOk(db, await put(dir, 'alpha_20250101_20250130.csv', csv(union)));
    assert.deepEqual(await snapshot(db), both);
  });
});

test('a triplet spanning two months lands in two monthly partitions; the IMEI summary spans both', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    await impOk(db, await put(dir, 'alpha_20250130_20250202.csv', csv(dailyRows(dayList('20250130', 4), 1))));
    const { rows } = await db.query<{ part: string; month: string; first_seen: string; last_seen: string; date_bitmask: number }>(
      'SELECT tableoid::regclass::text AS part, month, first_seen, last_seen, date_bitmask FROM obs_triplet ORDER BY month',
    );
    assert.equal(rows.length, 2);
    assert.match(rows[0].part, /(^|\.)obs_triplet_y2025m01$/);
    assert.match(rows[1].part, /(^|\.)obs_triplet_y2025m02$/);
    assert.deepEqual(rows.map((r) => [r.month, r.first_seen, r.last_seen, r.date_bitmask]), [
      ['2025-01-01', '2025-01-30', '2025-01-31', bitsOfDays(30, 31)],
      ['2025-02-01', '2025-02-01', '2025-02-02', bitsOfDays(1, 2)],
    ]);
    assert.deepEqual((await partitions(db)).map((p) => p.name), ['obs_location_y2025m01', 'obs_location_y2025m02', 'obs_triplet_y2025m01', 'obs_triplet_y2025m02']);
    const [imei] = await imeiRows(db);
    assert.deepEqual([imei.first_seen, imei.last_seen], ['2025-01-30', '2025-02-02']);
    // day 31 is bit 30: the bitmask stays a positive 31-bit integer
    assert.ok(rows[0].date_bitmask > 0 && rows[0].date_bitmask < 2 ** 31);
    // a leap day
    await impOk(db, await put(dir, 'alpha_20240228_20240301.csv', csv(dailyRows(dayList('20240228', 3), 1))));
    const leap = (await db.query<{ month: string; date_bitmask: number }>("SELECT month, date_bitmask FROM obs_triplet WHERE month < '2025-01-01' ORDER BY month")).rows;
    assert.deepEqual(leap, [{ month: '2024-02-01', date_bitmask: bitsOfDays(28, 29) }, { month: '2024-03-01', date_bitmask: bitsOfDays(1, 1) }]);
  });
});

test('.gz and .zip inputs store exactly what the plain file stores', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    const rows = dailyRows(dayList('20250101', 5), 20).map((r, i) => ({ ...r, cell_id: `cell-${i % 3}`, svn: '01' }));
    const text = csv(rows);
    const plain = await impOk(db, await put(dir, 'alpha_20250101_20250105.csv', text));
    const expected = await snapshot(db);
    assert.equal(plain.packing, 'plain');
    for (const [name, bytes, packing] of [
      ['alpha_20250101_20250105.csv.gz', gz(text), 'gzip'],
      ['alpha_20250101_20250105.gz', gz(text), 'gzip'],
      ['alpha_20250101_20250105.zip', zip({ 'inner-name.csv': text }), 'zip'],
      ['alpha_20250101_20250105.csv.zip', zip({ 'alpha_20250101_20250105.csv': text }), 'zip'],
    ] as const) {
      await freshDb();
      const r = await impOk(db, await put(dir, name, bytes));
      assert.equal(r.packing, packing, name);
      assert.deepEqual([r.rows, r.rows_kept, r.triplets, r.imeis], [plain.rows, plain.rows_kept, plain.triplets, plain.imeis], name);
      assert.deepEqual(await snapshot(db), expected, name);
      const [log] = await importLog(db);
      assert.equal(log.packing, packing);
      assert.equal(log.file_name, name);
    }
  });
});

test('a tiny aggregation bound (many drains of the stage) stores exactly what the default does', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    // about 3.5 MB: several 1 MiB reads, each followed by a drain when the bound is small
    const days = dayList('20250120', 30); // into February
    const rows: Row[] = [];
    for (const [d, date] of days.entries()) {
      for (let i = 0; i < 1500; i++) {
        rows.push({
          date, imei: imeiKey(i) + String(d % 10), imsi: imsiOf(i % 1400), msisdn: msisdnOf(i % 1450), rat: d % 2 ? '006' : '002|010',
          cell_id: `cell-${(i + d) % 5}`, svn: String(d % 3).padStart(2, '0'),
        });
      }
      rows.push({ date, imei: `bad-${d % 4}`, imsi: '', msisdn: '+99123', rat: '' });
    }
    const text = csv(rows);
    assert.ok(text.length > 3_000_000, `${text.length} bytes`);
    const path = await put(dir, 'alpha_20250120_20250218.csv', text);
    const profile = lenient();

    const calls = countDrains();
    try {
      const whole = await impOk(db, path, { profile });
      assert.equal(calls.n, 1, 'the default bound drains once, at the end');
      const expected = await snapshot(db);
      assert.equal(expected.obs_triplet.length, 2 * (1500 + 4), 'per month: 1500 subscribers and 4 malformed IMEIs');
      assert.equal(expected.obs_imei.length, 1504);
      assert.equal(expected.obs_location.length, 2 * 1500 * 5);
      assert.equal(expected.obs_imei_svn.length, 1500 * 3);

      await freshDb();
      calls.n = 0;
      const small = await impOk(db, path, { profile, maxAggregateEntries: 3 });
      assert.ok(calls.n >= 3, `${calls.n} drains`);
      assert.deepEqual([small.rows, small.rows_kept, small.triplets, small.imeis], [whole.rows, whole.rows_kept, whole.triplets, whole.imeis]);
      assert.deepEqual(await snapshot(db), expected);

      await freshDb();
      calls.n = 0;
      await impOk(db, await put(dir, 'alpha_20250120_20250218.csv.gz', gz(text)), { profile, maxAggregateEntries: 3 });
      assert.ok(calls.n >= 3, `${calls.n} drains (gzip)`);
      assert.deepEqual(await snapshot(db), expected);
    } finally {
      calls.restore();
    }
  });
});

/** Count Aggregator drains (the importer's partial flushes into the stage), whichever drain method the importer calls. */
function countDrains(): { n: number; restore: () => void } {
  const proto = Aggregator.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
  const names = ['drain', 'drainChunks'].filter((n) => typeof proto[n] === 'function');
  const originals = names.map((n) => [n, Object.getOwnPropertyDescriptor(proto, n)!] as const);
  const state = { n: 0, restore: () => originals.forEach(([n, d]) => Object.defineProperty(proto, n, d)) };
  let inside = false; // drain() may be built on drainChunks(): count the outer call only
  for (const [n, d] of originals) {
    const fn = d.value as (...a: unknown[]) => unknown;
    proto[n] = function (this: unknown, ...args: unknown[]) {
      if (!inside) state.n++;
      const was = inside;
      inside = true;
      try {
        return fn.apply(this, args);
      } finally {
        inside = was;
      }
    };
  }
  return state;
}

test('malformed IMEIs are stored under their upper-cased raw key; DIRBS keys merge', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    const base = { date: '20250105', imsi: imsiOf(1), msisdn: msisdnOf(1), rat: '006' };
    const rows: Row[] = [
      { ...base, imei: 'abcdef01234567' },
      { ...base, imei: 'ABCDEF01234567', date: '20250106' },
      { ...base, imei: '12345' },
      { ...base, imei: 'a\\b' },
      { ...base, imei: '352099001761481' },
      { ...base, imei: '3520990017614899', date: '20250107' }, // IMEISV: same key
    ];
    await impOk(db, await put(dir, 'alpha_20250101_20250131.csv', csv(rows)), { profile: lenient() });
    assert.deepEqual((await imeiRows(db)).map((r) => [r.imei_norm, r.first_seen, r.last_seen]), [
      ['12345', '2025-01-05', '2025-01-05'],
      ['35209900176148', '2025-01-05', '2025-01-07'],
      ['ABCDEF01234567', '2025-01-05', '2025-01-06'],
      ['A\\B', '2025-01-05', '2025-01-05'],
    ]);
    assert.deepEqual((await triplets(db)).map((t) => [t.imei_norm, t.date_bitmask]), [
      ['12345', bitsOfDays(5, 5)],
      ['35209900176148', bitsOfDays(5, 5) | bitsOfDays(7, 7)],
      ['ABCDEF01234567', bitsOfDays(5, 6)],
      ['A\\B', bitsOfDays(5, 5)],
    ]);
  });
});

test('control characters in identifiers are stored verbatim, each in its own column', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    const rows: Row[] = [
      { date: '20250105', imei: 'X\u0001Y', imsi: `\u0002`, msisdn: `1\u00012`, rat: '006', cell_id: 'c\u0001', svn: '\u0002' },
      { date: '20250105', imei: 'X', imsi: `Y\u0001\u0002`, msisdn: '1', rat: '006', cell_id: '', svn: '' },
    ];
    await impOk(db, await put(dir, 'alpha_20250101_20250131.csv', csv(rows)), { profile: lenient() });
    assert.deepEqual((await triplets(db)).map((t) => [t.imei_norm, t.imsi, t.msisdn]), [['X', 'Y\u0001\u0002', '1'], ['X\u0001Y', '\u0002', '1\u00012']]);
    assert.deepEqual((await db.query('SELECT imei_norm, cell_id FROM obs_location')).rows, [{ imei_norm: 'X\u0001Y', cell_id: 'c\u0001' }]);
    assert.deepEqual((await db.query('SELECT imei_norm, svn FROM obs_imei_svn')).rows, [{ imei_norm: 'X\u0001Y', svn: '\u0002' }]);
  });
});

test('non-ASCII text (cell ids, software versions, malformed identifiers) is stored as written', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    const rows: Row[] = [{ date: '20250105', imei: 'àbc€', imsi: 'ímsí', msisdn: msisdnOf(1), rat: '006', cell_id: 'Zürich-Hauptbahnhof', svn: 'é1' }];
    await impOk(db, await put(dir, 'alpha_20250101_20250131.csv', csv(rows)), { profile: lenient() });
    assert.deepEqual((await triplets(db)).map((t) => [t.imei_norm, t.imsi]), [['ÀBC€', 'ímsí']]);
    assert.deepEqual((await db.query('SELECT imei_norm, cell_id FROM obs_location')).rows, [{ imei_norm: 'ÀBC€', cell_id: 'Zürich-Hauptbahnhof' }]);
    assert.deepEqual((await db.query('SELECT svn FROM obs_imei_svn')).rows, [{ svn: 'é1' }]);
  });
});

test('per-IMEI summary: RATs and operators are unions across files and operators', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    const imei = '35209900176148';
    await impOk(db, await put(dir, 'alpha_20250101_20250131.csv', csv([
      { date: '20250105', imei: imei + '1', imsi: imsiOf(1), msisdn: msisdnOf(1), rat: '002' },
      { date: '20250107', imei: imei + '1', imsi: imsiOf(1), msisdn: msisdnOf(1), rat: '006|010' },
      { date: '20250107', imei: imeiKey(7) + '0', imsi: imsiOf(7), msisdn: msisdnOf(7), rat: '006' },
    ])));
    await impOk(db, await put(dir, 'beta_20250201_20250228.csv', csv([
      { date: '20250203', imei: imei + '0', imsi: imsiOf(2, '99903'), msisdn: msisdnOf(2), rat: '001' },
      { date: '20250204', imei: imeiKey(8) + '0', imsi: imsiOf(8, '99902'), msisdn: msisdnOf(8), rat: '104' },
    ])), { operator: 'beta' });
    const ops = (await db.query<{ id: number; code: string }>('SELECT id, code FROM obs_operator ORDER BY id')).rows;
    assert.deepEqual(ops, [{ id: 0, code: 'alpha' }, { id: 1, code: 'beta' }]);
    assert.deepEqual(await imeiRows(db), [
      { imei_norm: imeiKey(7), first_seen: '2025-01-07', last_seen: '2025-01-07', rat_bitmask: ratMask('006'), operator_bitmask: 0b01 },
      { imei_norm: imeiKey(8), first_seen: '2025-02-04', last_seen: '2025-02-04', rat_bitmask: 1 << 13, operator_bitmask: 0b10 },
      { imei_norm: imei, first_seen: '2025-01-05', last_seen: '2025-02-03', rat_bitmask: ratMask('001|002|006|010'), operator_bitmask: 0b11 },
    ]);
    // an earlier file of gamma moves first_seen back and adds its bit
    await impOk(db, await put(dir, 'gamma_20241201_20241231.csv', csv([{ date: '20241224', imei, imsi: imsiOf(3, '99904'), msisdn: msisdnOf(3), rat: '105' }])), { operator: 'gamma' });
    const x = (await imeiRows(db)).find((r) => r.imei_norm === imei)!;
    assert.deepEqual([x.first_seen, x.last_seen, x.rat_bitmask, x.operator_bitmask], ['2024-12-24', '2025-02-03', ratMask('001|002|006|010|105'), 0b111]);
    const byOp = (await db.query<{ operator_id: number; n: number }>('SELECT operator_id, count(*)::int AS n FROM obs_triplet WHERE imei_norm = $1 GROUP BY 1 ORDER BY 1', [imei])).rows;
    assert.deepEqual(byOp, [{ operator_id: 0, n: 1 }, { operator_id: 1, n: 1 }, { operator_id: 2, n: 1 }]);
  });
});

test('imports of several operators at once (their first ones) all land, with distinct operator ids', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    const days = dayList('20250101', 5);
    const file = (op: string, prefix: string) => put(dir, `${op}_20250101_20250105.csv`, csv(dailyRows(days, 300, { prefix })));
    const [a, b, g] = await Promise.all([file('alpha', '99901'), file('beta', '99902'), file('gamma', '99904')]);
    const reports = await Promise.all([impOk(db, a), impOk(db, b, { operator: 'beta' }), impOk(db, g, { operator: 'gamma' })]);
    assert.deepEqual(reports.map((r) => r.status), ['imported', 'imported', 'imported']);
    const ops = (await db.query<{ id: number; code: string }>('SELECT id, code FROM obs_operator ORDER BY code')).rows;
    assert.deepEqual(ops.map((o) => o.code), ['alpha', 'beta', 'gamma']);
    assert.deepEqual(ops.map((o) => o.id).sort(), [0, 1, 2]);
    const imeis = await imeiRows(db);
    assert.equal(imeis.length, 300);
    assert.ok(imeis.every((r) => r.operator_bitmask === 0b111), 'every IMEI was seen on the three operators');
    assert.equal((await triplets(db)).length, 900);
    // and the same operator twice at once (the second waits for the first): nothing counted twice
    const again = await Promise.all([impOk(db, a), impOk(db, a)]);
    assert.ok(again.some((r) => r.note !== undefined));
    assert.equal((await triplets(db)).length, 900);
  });
});

test('a header-only file is imported with 0 rows and recorded', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    const r = await impOk(db, await put(dir, 'alpha_20250101_20250131.csv', 'date,imei,imsi,msisdn,rat\n'));
    assert.deepEqual([r.rows, r.rows_kept, r.triplets, r.imeis], [0, 0, 0, 0]);
    const s = await snapshot(db, true);
    assert.equal(s.obs_import.length, 1);
    assert.deepEqual([s.obs_triplet, s.obs_imei, s.obs_daily, s.partitions], [[], [], [], []]);
  });
});

test('rows dated on the period\'s first and last day are kept; the days counted are the dates of the rows', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    const rows = dailyRows(['20250110', '20250120'], 3);
    const r = await impOk(db, await put(dir, 'alpha_20250110_20250120.csv', csv(rows)));
    assert.equal(r.rows_kept, 6);
    const days = (await db.query<{ day: string }>('SELECT day FROM obs_daily ORDER BY day')).rows.map((d) => d.day);
    assert.deepEqual(days, [iso('20250110'), iso('20250120')]);
  });
});
