/** Retention: whole monthly partitions of subscriber-level data dropped, IMEI-level facts kept, every prune recorded. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { imeiObservations } from '../../src/observations/queries.ts';
import { prune, pruneCutoff } from '../../src/observations/prune.ts';
import type { Db } from '../../src/store/db.ts';
import { dailyRows, dayList, freshDb, imeiKey, importRowsOf, lenient, partitions, snapshot, withTempDir, type Row } from './helpers.ts';

test('pruneCutoff is the first day of the month `months` before now (UTC)', () => {
  assert.equal(pruneCutoff(6, new Date('2025-03-10T12:00:00Z')), '2024-09-01');
  assert.equal(pruneCutoff(2, new Date('2025-05-31T23:59:59Z')), '2025-03-01');
  assert.equal(pruneCutoff(0, new Date('2025-05-15T00:00:00Z')), '2025-05-01');
  assert.equal(pruneCutoff(12, new Date('2025-01-01T00:00:00Z')), '2024-01-01');
  assert.equal(pruneCutoff(1, new Date('2025-03-31T00:00:00Z')), '2025-02-01');
  assert.equal(pruneCutoff(120, new Date('2025-03-31T00:00:00Z')), '2015-03-01');
});

/** Four monthly files (January to April 2025), with locations and software versions. */
async function fourMonths(db: Db, dir: string): Promise<void> {
  for (const [m, last] of [['01', 31], ['02', 28], ['03', 31], ['04', 30]] as const) {
    const rows: Row[] = dailyRows(dayList(`2025${m}01`, 3), 4 + Number(m)).map((r) => ({ ...r, cell_id: `cell-${m}-${Number(r.date.slice(6)) % 2}`, svn: m }));
    await importRowsOf(db, dir, `alpha_2025${m}01_2025${m}${last}.csv`, rows, { profile: lenient() });
  }
}

const count = async (db: Db, table: string, where = 'true') => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`)).rows[0].n;

test('prune drops exactly the partitions before the cutoff, counts their rows and records the prune', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    await fourMonths(db, dir);
    const before = await snapshot(db);
    assert.equal(before.partitions.length, 8);
    const old = `month < '2025-03-01'`;
    const expectedRows = (await count(db, 'obs_triplet', old)) + (await count(db, 'obs_location', old));
    assert.equal(await count(db, 'obs_triplet', old), 5 + 6);
    assert.equal(await count(db, 'obs_location', old), 2 * 5 + 2 * 6, 'two cells per IMEI and month');

    const r = await prune(db, 2, new Date('2025-05-15T08:00:00Z'));
    assert.deepEqual(r, {
      months_kept: 2, cutoff: '2025-03-01', rows_removed: expectedRows,
      partitions: ['obs_triplet_y2025m01', 'obs_triplet_y2025m02', 'obs_location_y2025m01', 'obs_location_y2025m02'],
    });
    const after = await snapshot(db);
    assert.deepEqual(after.partitions.map((p) => p.name), ['obs_location_y2025m03', 'obs_location_y2025m04', 'obs_triplet_y2025m03', 'obs_triplet_y2025m04']);
    assert.deepEqual(after.obs_triplet, before.obs_triplet.filter((t) => String(t.month) >= '2025-03-01'));
    assert.deepEqual(after.obs_location, before.obs_location.filter((t) => String(t.month) >= '2025-03-01'));
    for (const kept of ['obs_imei', 'obs_imei_svn', 'obs_daily', 'obs_operator'] as const) assert.deepEqual(after[kept], before[kept], `${kept} is kept`);

    const log = (await db.query('SELECT months_kept, cutoff, partitions, rows_removed FROM obs_prune ORDER BY id')).rows;
    assert.deepEqual(log, [{ months_kept: 2, cutoff: '2025-03-01', partitions: r.partitions, rows_removed: expectedRows }]);

    // again: nothing left to drop, still recorded
    const again = await prune(db, 2, new Date('2025-05-15T08:00:00Z'));
    assert.deepEqual([again.partitions, again.rows_removed], [[], 0]);
    assert.deepEqual(await snapshot(db), after);
    assert.equal(await count(db, 'obs_prune'), 2);

    // the IMEI-level facts still answer; the subscribers are those of the months kept
    const o = await imeiObservations(db, imeiKey(0));
    assert.equal(o.seen, true);
    assert.deepEqual([o.first_seen, o.last_seen], ['2025-01-01', '2025-04-03']);
    assert.equal(o.days_seen, 6, 'March and April, three days each');
    assert.deepEqual(o.software_versions.map((v) => v.svn), ['01', '02', '03', '04']);
    assert.deepEqual([...new Set(o.locations.map((l) => l.cell_id.slice(5, 7)))].sort(), ['03', '04']);
  });
});

test('a shorter retention drops the rest; months after now are never dropped', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    await fourMonths(db, dir);
    const all = await count(db, 'obs_triplet') + await count(db, 'obs_location');
    const r0 = await prune(db, 6, new Date('2025-05-15T00:00:00Z'));
    assert.deepEqual([r0.cutoff, r0.partitions, r0.rows_removed], ['2024-11-01', [], 0]);
    const r1 = await prune(db, 0, new Date('2025-04-15T00:00:00Z'));
    assert.equal(r1.cutoff, '2025-04-01');
    assert.equal(r1.partitions.length, 6);
    assert.deepEqual((await partitions(db)).map((p) => p.name), ['obs_location_y2025m04', 'obs_triplet_y2025m04']);
    const r2 = await prune(db, 0, new Date('2026-01-01T00:00:00Z'));
    assert.equal(r1.rows_removed + r2.rows_removed, all);
    assert.deepEqual(await partitions(db), []);
    assert.equal(await count(db, 'obs_imei'), 8, 'every IMEI ever seen is kept');
  });
});

test('a pruned month can be imported again (its partition is created anew)', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    const rows = dailyRows(dayList('20250101', 2), 3);
    await importRowsOf(db, dir, 'alpha_20250101_20250131.csv', rows);
    const before = await snapshot(db);
    await prune(db, 1, new Date('2025-06-01T00:00:00Z'));
    assert.deepEqual(await partitions(db), []);
    await importRowsOf(db, dir, 'alpha_20250101_20250131.csv', rows);
    assert.deepEqual(await snapshot(db), before);
  });
});

test('pruning an empty store records a prune that removed nothing', async () => {
  const db = await freshDb();
  const r = await prune(db, 6, new Date('2025-05-15T00:00:00Z'));
  assert.deepEqual(r, { months_kept: 6, cutoff: '2024-11-01', partitions: [], rows_removed: 0 });
  assert.equal(await count(db, 'obs_prune'), 1);
});
