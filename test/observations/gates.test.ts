/** Quality gates through the importer, on the engine of the run: each passes at its limit, refuses above it, and a refusal writes nothing. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CeirError } from '../../src/errors.ts';
import { GATE_NAMES, type RatioGate } from '../../src/observations/gates.ts';
import {
  csv, dailyRows, dayList, freshDb, imeiKey, imp, impOk, importLog, imsiOf, lenient, msisdnOf, profile, put, snapshot, TODAY, withGates, withTempDir, type Row,
} from './helpers.ts';

const ROWS = 20;

/** 20 clean rows of alpha on 2025-01-05 (one per subscriber), the first `bad` of them spoiled. */
function file(bad: number, spoil: (r: Row, i: number) => Row): Row[] {
  return dailyRows(['20250105'], ROWS).map((r, i) => (i < bad ? spoil(r, i) : r));
}

const CASES: { gate: RatioGate; spoil: (r: Row, i: number) => Row }[] = [
  { gate: 'date_out_of_range', spoil: (r, i) => ({ ...r, date: i % 2 ? '20250201' : '20241231' }) },
  { gate: 'null_imei', spoil: (r) => ({ ...r, imei: '' }) },
  { gate: 'null_imsi', spoil: (r) => ({ ...r, imsi: '' }) },
  { gate: 'null_msisdn', spoil: (r) => ({ ...r, msisdn: '' }) },
  { gate: 'null_rat', spoil: (r) => ({ ...r, rat: '' }) },
  { gate: 'unclean_imei', spoil: (r, i) => ({ ...r, imei: i % 2 ? `ABCDEF0000000${i}` : '1234' }) },
  { gate: 'unclean_imsi', spoil: (r, i) => ({ ...r, imsi: i % 2 ? r.imsi.slice(0, 13) : `${r.imsi.slice(0, 14)}X` }) },
  { gate: 'unknown_rat', spoil: (r, i) => ({ ...r, rat: i % 2 ? '011' : '006|099' }) },
  { gate: 'foreign_imsi', spoil: (r, i) => ({ ...r, imsi: imsiOf(i, '20801') }) },
  { gate: 'foreign_msisdn', spoil: (r, i) => ({ ...r, msisdn: msisdnOf(i, '33') }) },
  { gate: 'other_operator_imsi', spoil: (r, i) => ({ ...r, imsi: imsiOf(i, i % 2 ? '99902' : '99904') }) },
];

test('the defaults of the gates are those of DOMAIN §4', () => {
  assert.deepEqual(profile().observations.gates, {
    date_out_of_range: 0, null_imei: 0.05, null_imsi: 0.05, null_msisdn: 0.05, null_rat: 0.05, unclean_imei: 0.05, unclean_imsi: 0.05,
    unknown_rat: 0.05, foreign_imsi: 0.1, foreign_msisdn: 0.1, other_operator_imsi: 0.2, daily_volume: 0.9,
  });
  assert.deepEqual([...GATE_NAMES].sort(), Object.keys(profile().observations.gates).sort());
  assert.equal(CASES.length, GATE_NAMES.length - 1, 'every ratio gate has a case here');
});

for (const { gate, spoil } of CASES) {
  test(`gate ${gate}: passes at its limit, refuses just above it, and a refusal writes nothing`, async () => {
    const db = await freshDb();
    await withTempDir(async (dir) => {
      const p = lenient({ [gate]: 0.1 });
      // earlier data, so that "nothing written" is checked against a non-empty store
      await impOk(db, await put(dir, 'alpha_20250101_20250102.csv', csv(dailyRows(dayList('20250101', 2), 5))), { profile: p });
      const before = await snapshot(db, true);

      const over = await imp(db, await put(dir, 'alpha_20250105_20250105.csv', csv(file(3, spoil))), { profile: p });
      assert.equal(over.status, 'refused');
      assert.equal(over.import_id, null);
      assert.deepEqual(over.problems, []);
      const failed = over.gates.filter((g) => !g.passed);
      assert.deepEqual(failed.map((g) => [g.gate, g.value, g.limit, g.disabled]), [[gate, 3 / ROWS, 0.1, false]]);
      assert.equal(over.gates.length, GATE_NAMES.length);
      assert.deepEqual(await snapshot(db, true), before, 'a refused file leaves every table as it was');

      const at = await imp(db, await put(dir, 'alpha_20250105_20250105.csv', csv(file(2, spoil))), { profile: p });
      assert.equal(at.status, 'imported', JSON.stringify(at.gates.filter((g) => !g.passed)));
      const g = at.gates.find((x) => x.gate === gate)!;
      assert.equal(g.value, 2 / ROWS);
      assert.equal(g.value, g.limit, 'exactly at the limit passes');
      assert.equal(g.passed, true);
      assert.equal((await importLog(db)).length, 2);
      assert.notDeepEqual((await snapshot(db)).obs_triplet, before.obs_triplet, 'the passing file was stored');
    });
  });
}

test('with the default limits, 1 bad row in 20 (5%) passes the null gates and 2 (10%) refuse', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    const spoilImsi = (r: Row): Row => ({ ...r, imsi: '' });
    const ok = await imp(db, await put(dir, 'alpha_20250105_20250105.csv', csv(file(1, spoilImsi))));
    assert.equal(ok.status, 'imported');
    assert.equal(ok.gates.find((g) => g.gate === 'null_imsi')!.value, 0.05);
    const ko = await imp(db, await put(dir, 'alpha_20250106_20250106.csv', csv(file(2, spoilImsi).map((r) => ({ ...r, date: '20250106' })))));
    assert.equal(ko.status, 'refused');
    assert.deepEqual(ko.gates.filter((g) => !g.passed).map((g) => g.gate), ['null_imsi']);
    // 4 IMSIs of another operator (20%) pass other_operator_imsi, 5 (25%) do not
    const other = (n: number) => file(n, (r, i) => ({ ...r, imsi: imsiOf(i, '99902'), date: '20250107' })).map((r) => ({ ...r, date: '20250107' }));
    assert.equal((await imp(db, await put(dir, 'alpha_20250107_20250107.csv', csv(other(5))))).status, 'refused');
    assert.equal((await imp(db, await put(dir, 'alpha_20250107_20250107.csv', csv(other(4))))).status, 'imported');
  });
});

test('disabledGates lets a failing gate pass; it is reported and recorded with the import', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    const path = await put(dir, 'alpha_20250105_20250105.csv', csv(file(10, (r) => ({ ...r, imsi: '', rat: '' }))));
    const refused = await imp(db, path);
    assert.equal(refused.status, 'refused');
    assert.deepEqual(refused.gates.filter((g) => !g.passed).map((g) => g.gate), ['null_imsi', 'null_rat']);

    const partly = await imp(db, path, { disabledGates: ['null_rat'] });
    assert.equal(partly.status, 'refused', 'one gate disabled, the other still refuses');
    assert.deepEqual(partly.gates.filter((g) => !g.passed).map((g) => g.gate), ['null_imsi']);
    assert.equal((await importLog(db)).length, 0);

    const r = await impOk(db, path, { disabledGates: ['null_rat', 'null_imsi'] });
    assert.deepEqual(r.disabled_gates, ['null_imsi', 'null_rat']);
    for (const name of ['null_imsi', 'null_rat']) {
      const g = r.gates.find((x) => x.gate === name)!;
      assert.deepEqual([g.value, g.passed, g.disabled], [0.5, true, true], name);
    }
    assert.ok(r.gates.filter((g) => g.gate !== 'null_imsi' && g.gate !== 'null_rat').every((g) => !g.disabled));
    const log = await importLog(db);
    assert.equal(log.length, 1);
    assert.deepEqual(log[0].disabled_gates, ['null_imsi', 'null_rat']);
    const stored = log[0].gates as { gate: string; value: number; limit: number; disabled: boolean }[];
    assert.equal(stored.length, GATE_NAMES.length);
    assert.deepEqual(stored.find((g) => g.gate === 'null_imsi'), { ...r.gates.find((g) => g.gate === 'null_imsi') });
  });
});

test('an unknown gate name or operator is a usage error, and nothing is written', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    const path = await put(dir, 'alpha_20250105_20250105.csv', csv(file(0, (r) => r)));
    const before = await snapshot(db, true);
    await assert.rejects(imp(db, path, { disabledGates: ['null_imsi', 'nul_imei'] }), (e: unknown) => e instanceof CeirError && e.code === 'CEIR_ERR_USAGE' && /unknown gate "nul_imei"; gates are: date_out_of_range/.test(e.message));
    await assert.rejects(imp(db, path, { operator: 'delta' }), (e: unknown) => e instanceof CeirError && e.code === 'CEIR_ERR_USAGE' && /unknown operator "delta"/.test(e.message));
    assert.deepEqual(await snapshot(db, true), before);
  });
});

test('date_out_of_range (limit 0 by default): any row outside the file name\'s period, or after today, refuses', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    const name = 'alpha_20250101_20250131.csv';
    const good = dailyRows(dayList('20250101', 10), 10);
    const before = (await put(dir, name, csv([...good, { ...good[0], date: '20241231' }])));
    const r1 = await imp(db, before);
    assert.equal(r1.status, 'refused');
    assert.deepEqual(r1.gates.filter((g) => !g.passed).map((g) => [g.gate, g.value, g.limit]), [['date_out_of_range', 1 / 101, 0]]);
    const after = await imp(db, await put(dir, name, csv([...good, { ...good[0], date: '20250201' }])));
    assert.equal(after.status, 'refused');
    // the future: inside the period but after "today"
    const future = await put(dir, name, csv(good));
    const r2 = await imp(db, future, { today: new Date('2025-01-09T23:59:59Z') });
    assert.equal(r2.status, 'refused');
    assert.deepEqual(r2.gates.filter((g) => !g.passed).map((g) => [g.gate, g.value]), [['date_out_of_range', 10 / 100]]);
    const empty = await snapshot(db, true);
    for (const [table, rows] of Object.entries(empty)) assert.deepEqual(rows, [], `${table} is empty after three refusals`);
    // today itself is not the future
    const r3 = await imp(db, future, { today: new Date('2025-01-10T00:00:00Z') });
    assert.equal(r3.status, 'imported');
    assert.equal(r3.rows_kept, 100);
    // and the clock is the default "today": 2025 is in the past
    assert.equal((await imp(db, future, { today: undefined })).status, 'imported');
    assert.equal((await imp(db, future, { today: new Date('2024-06-01T00:00:00Z') })).status, 'refused');
  });
});

test('a volume gate refusal is not counted as history; the limit can be lowered per profile', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    await impOk(db, await put(dir, 'alpha_20250101_20250110.csv', csv(dailyRows(dayList('20250101', 10), 100))));
    const low = csv(dailyRows(dayList('20250111', 2), 50));
    const refused = await imp(db, await put(dir, 'alpha_20250111_20250112.csv', low));
    assert.equal(refused.status, 'refused');
    const g = refused.gates.find((x) => x.gate === 'daily_volume')!;
    assert.ok(g.value! > 0.45 && g.value! < 0.55, String(g.value));
    assert.equal(g.limit, 0.9);
    const lowered = await imp(db, await put(dir, 'alpha_20250111_20250112.csv', low), { profile: withGates({ daily_volume: 0.4 }) });
    assert.equal(lowered.status, 'imported');
  });
});

test('daily_volume: a day below 90% of the recent average refuses naming the day; at 92% it passes', async () => {
  const db = await freshDb();
  const N = 200;
  await withTempDir(async (dir) => {
    const first = await impOk(db, await put(dir, 'alpha_20250101_20250110.csv', csv(dailyRows(dayList('20250101', 10), N))));
    const v0 = first.gates.find((g) => g.gate === 'daily_volume')!;
    assert.deepEqual([v0.value, v0.passed], [null, true]);
    assert.match(v0.detail!, /no recent history/);

    const withDay13 = (n: number) => [
      ...dailyRows(['20250111', '20250112'], N),
      ...dailyRows(['20250113'], n),
      ...dailyRows(['20250114', '20250115'], N),
    ];
    const before = await snapshot(db, true);
    const partial = await imp(db, await put(dir, 'alpha_20250111_20250115.csv', csv(withDay13(170))));
    assert.equal(partial.status, 'refused');
    const g = partial.gates.find((x) => x.gate === 'daily_volume')!;
    assert.equal(g.passed, false);
    assert.ok(Math.abs(g.value! - 0.85) < 0.02, `share ${g.value}`);
    assert.match(g.detail!, /^2025-01-13: about 1\d\d distinct (IMEI|IMSI|MSISDN)s against a recent average of (19[5-9]|20[0-5]) over 10 days$/);
    assert.deepEqual(partial.gates.filter((x) => !x.passed).map((x) => x.gate), ['daily_volume']);
    assert.deepEqual(await snapshot(db, true), before);

    const enough = await imp(db, await put(dir, 'alpha_20250111_20250115.csv', csv(withDay13(184))));
    assert.equal(enough.status, 'imported');
    const ok = enough.gates.find((x) => x.gate === 'daily_volume')!;
    assert.ok(ok.value! >= 0.9 && ok.value! < 0.95, `share ${ok.value}`);
    assert.match(ok.detail!, /^2025-01-13/);
  });
});

test('daily_volume: a day of the period without any row refuses (an export that stopped at midnight)', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    await impOk(db, await put(dir, 'alpha_20250101_20250110.csv', csv(dailyRows(dayList('20250101', 10), 50))));
    const truncated = csv(dailyRows(dayList('20250111', 7), 50)); // the period runs to the 20th
    const before = await snapshot(db, true);
    const r = await imp(db, await put(dir, 'alpha_20250111_20250120.csv', truncated));
    assert.equal(r.status, 'refused');
    const g = r.gates.find((x) => x.gate === 'daily_volume')!;
    assert.deepEqual([g.value, g.passed], [0, false]);
    assert.match(g.detail!, /^2025-01-18: no rows at all, against a recent average of 5\d distinct IMEIs over 10 days$/);
    assert.deepEqual(await snapshot(db, true), before);
    // a gap inside the period too
    const gap = csv(dailyRows(['20250111', '20250112', '20250114'], 50));
    const r2 = await imp(db, await put(dir, 'alpha_20250111_20250114.csv', gap));
    assert.match(r2.gates.find((x) => x.gate === 'daily_volume')!.detail!, /^2025-01-13: no rows/);
    // days after today cannot have rows yet: not missing
    const r3 = await imp(db, await put(dir, 'alpha_20250111_20250120.csv', truncated), { today: new Date('2025-01-17T10:00:00Z') });
    assert.equal(r3.status, 'imported', JSON.stringify(r3.gates.filter((x) => !x.passed)));
    // and the gate can be disabled for an operator that really was down for a day
    const r4 = await imp(db, await put(dir, 'alpha_20250121_20250124.csv', csv(dailyRows(['20250121', '20250122', '20250124'], 50))), { disabledGates: ['daily_volume'] });
    assert.equal(r4.status, 'imported');
    assert.deepEqual(r4.disabled_gates, ['daily_volume']);
  });
});

test('daily_volume watches IMSIs and MSISDNs too, and each operator against its own history', async () => {
  const db = await freshDb();
  const N = 200;
  await withTempDir(async (dir) => {
    await impOk(db, await put(dir, 'alpha_20250101_20250110.csv', csv(dailyRows(dayList('20250101', 10), N))));
    // every IMEI and IMSI, but a quarter of the rows share one MSISDN
    const shared = dailyRows(['20250111'], N).map((r, i) => (i >= 150 ? { ...r, msisdn: msisdnOf(0) } : r));
    const r = await imp(db, await put(dir, 'alpha_20250111_20250111.csv', csv(shared)));
    assert.equal(r.status, 'refused');
    assert.match(r.gates.find((g) => g.gate === 'daily_volume')!.detail!, /^2025-01-11: about 1\d\d distinct MSISDNs/);

    // beta has no history: a small file passes
    const beta = await imp(db, await put(dir, 'beta_20250111_20250111.csv', csv(dailyRows(['20250111'], 10, { prefix: '99902' }))), { operator: 'beta' });
    assert.equal(beta.status, 'imported');
    assert.equal(beta.gates.find((g) => g.gate === 'daily_volume')!.value, null);

    // history is the volume_history_days before the file's first day: none 40 days later
    const later = await imp(db, await put(dir, 'alpha_20250220_20250220.csv', csv(dailyRows(['20250220'], 10))));
    assert.equal(later.status, 'imported');
    assert.equal(later.gates.find((g) => g.gate === 'daily_volume')!.value, null);
    // ... unless the window is long enough
    const longer = { ...profile(), observations: { ...profile().observations, volume_history_days: 60 } };
    const r2 = await imp(db, await put(dir, 'alpha_20250221_20250221.csv', csv(dailyRows(['20250221'], 10))), { profile: longer });
    assert.equal(r2.status, 'refused');
    const g2 = r2.gates.find((g) => g.gate === 'daily_volume')!;
    assert.match(g2.detail!, /over 11 days/, 'ten days of 200 and one of 10');
  });
});

test('a report names each gate with value, limit and description, volume last', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    const r = await impOk(db, await put(dir, 'alpha_20250105_20250105.csv', csv([...file(0, (x) => x), { date: '20250105', imei: imeiKey(99) + '1', imsi: '', msisdn: msisdnOf(99), rat: '006' }])), { today: TODAY });
    assert.deepEqual(r.gates.map((g) => g.gate), GATE_NAMES);
    for (const g of r.gates) {
      assert.equal(typeof g.description, 'string');
      assert.equal(g.limit, profile().observations.gates[g.gate]);
      assert.equal(g.passed, true);
    }
    assert.equal(r.gates.find((g) => g.gate === 'null_imsi')!.value, 1 / 21);
    assert.equal(r.gates.find((g) => g.gate === 'null_imei')!.value, 0);
  });
});
