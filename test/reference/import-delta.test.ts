import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../../src/store/db.ts';
import { currentKeys, freshDb, historyRows, imei15, imp, impOk, importRows, keys, profileWith, put, snapshot, withTempDir } from './helpers.ts';

const K = keys('35209900', 6);
const STOLEN = 'imei,reporting_date,status';

/** A stolen list of K0..K3 (K0 pending), imported as a full file. */
async function seedStolen(db: Db, dir: string): Promise<void> {
  await impOk(db, 'stolen_list', await put(dir, 'base.csv', [STOLEN, `${imei15(K[0])},20240101,pending`, `${imei15(K[1])},20240102,`, `${imei15(K[2])},20240103,`, `${imei15(K[3])},20240104,blacklist`]));
}

test('a delta file adds, removes and updates, with history', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    await seedStolen(db, dir);
    const t = new Date(Date.now() + 60_000);
    const r = await impOk(
      db, 'stolen_list',
      await put(dir, 'd1.csv', [`${STOLEN},change_type`, `${imei15(K[4])},20240201,,add`, `${imei15(K[1])},,,remove`, `${imei15(K[0])},20240101,blacklist,UPDATE`]),
      { delta: true, at: t },
    );
    assert.equal(r.mode, 'delta');
    assert.deepEqual([r.rows, r.added, r.removed, r.updated, r.current_before, r.current_after], [3, 1, 1, 1, 4, 4]);
    assert.deepEqual(await snapshot(db, 'stolen_list', t), [
      { imei_norm: K[0], reporting_date: '2024-01-01', status: 'blacklist' },
      { imei_norm: K[2], reporting_date: '2024-01-03', status: null },
      { imei_norm: K[3], reporting_date: '2024-01-04', status: 'blacklist' },
      { imei_norm: K[4], reporting_date: '2024-02-01', status: null },
    ]);
    const hist = await historyRows(db, 'stolen_list');
    const closed = hist.filter((h) => h.valid_to !== null).map((h) => [h.imei_norm, h.status, new Date(h.valid_to as string).getTime()]);
    assert.deepEqual(closed, [[K[0], 'pending', t.getTime()], [K[1], null, t.getTime()]]);
    const opened = hist.filter((h) => new Date(h.valid_from as string).getTime() === t.getTime()).map((h) => h.imei_norm);
    assert.deepEqual(opened, [K[0], K[4]]);
    const imports = await importRows(db);
    assert.deepEqual(imports.map((i) => [i.mode, Number(i.added), Number(i.removed), Number(i.updated)]), [['full', 4, 0, 0], ['delta', 1, 1, 1]]);
  });
});

test('a delta on an empty list: adds are applied; the shrink guard does not apply to deltas', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    const r = await impOk(db, 'barred_list', await put(dir, 'd.csv', ['imei,change_type', ...K.map((k) => `${imei15(k)},add`)]), { delta: true });
    assert.deepEqual([r.added, r.current_after], [6, 6]);
    // Removing 5 of 6 in a delta is an explicit decision, not a truncated upload.
    const rm = await impOk(db, 'barred_list', await put(dir, 'rm.csv', ['imei,change_type', ...K.slice(1).map((k) => `${k},remove`)]), { delta: true });
    assert.deepEqual([rm.removed, rm.current_after], [5, 1]);
    assert.deepEqual(await currentKeys(db, 'barred_list'), [K[0]]);
  });
});

test('delta consistency: add of a present key, remove/update of an absent key refuse the file with line numbers; nothing written', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    await seedStolen(db, dir);
    const before = await historyRows(db, 'stolen_list');
    const file = await put(dir, 'bad.csv', [
      `${STOLEN},change_type`,
      `${imei15(K[5])},20240201,,add`, // fine
      `${imei15(K[2])},20240201,,add`, // line 3: already present
      `${imei15(K[4])},,,remove`, // line 4: absent
      `${imei15(K[1])},,,remove`, // fine
      `${K[5].slice(0, 13)}9,20240101,,update`, // line 6: absent
    ]);
    const r = await imp(db, 'stolen_list', file, { delta: true });
    assert.equal(r.status, 'refused');
    assert.deepEqual(r.problems.map((p) => [p.line, p.rule, p.column]), [
      [3, 'delta_add_present', 'change_type'],
      [4, 'delta_remove_absent', 'change_type'],
      [6, 'delta_update_absent', 'change_type'],
    ]);
    assert.match(r.problems[0].message, new RegExp(`cannot add imei_norm ${K[2]}: it is already on the stolen list`));
    assert.match(r.problems[1].message, new RegExp(`cannot remove imei_norm ${K[4]}: it is not on the stolen list`));
    assert.ok(r.problems.every((p) => p.file === 'bad.csv'));
    assert.deepEqual(await historyRows(db, 'stolen_list'), before);
    assert.equal((await importRows(db)).length, 1);
  });
});

test('delta: an add followed by a remove of the same key in one file is a conflicting duplicate', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    await seedStolen(db, dir);
    const r = await imp(db, 'stolen_list', await put(dir, 'd.csv', [`${STOLEN},change_type`, `${imei15(K[5])},20240201,,add`, `${imei15(K[5])},20240201,,remove`]), { delta: true });
    assert.equal(r.status, 'refused');
    assert.deepEqual(r.problems.map((p) => [p.line, p.rule]), [[3, 'duplicate_conflict']]);
    // Identical duplicated change lines collapse.
    const ok = await impOk(db, 'stolen_list', await put(dir, 'd2.csv', [`${STOLEN},change_type`, `${imei15(K[5])},20240201,,add`, `${K[5]},20240201,,add`]), { delta: true });
    assert.equal(ok.added, 1);
  });
});

test('delta: update of a key-only list, and a bad change_type, are refused per line', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    await impOk(db, 'monitoring_list', await put(dir, 'm.csv', ['imei', imei15(K[0])]));
    const upd = await imp(db, 'monitoring_list', await put(dir, 'u.csv', ['imei,change_type', `${imei15(K[1])},add`, `${imei15(K[0])},update`]), { delta: true });
    assert.equal(upd.status, 'refused');
    assert.deepEqual(upd.problems.map((p) => [p.line, p.rule, p.column]), [[3, 'change_type', 'change_type']]);
    assert.match(upd.problems[0].message, /no values to update/);

    const bad = await imp(db, 'monitoring_list', await put(dir, 'b.csv', ['imei,change_type', `${imei15(K[1])},insert`, `${imei15(K[2])},`, `${imei15(K[3])}, Add `]), { delta: true });
    assert.equal(bad.status, 'refused');
    assert.deepEqual(bad.problems.map((p) => [p.line, p.rule]), [[2, 'change_type'], [3, 'change_type']]);
    assert.match(bad.problems[0].message, /add, remove or update.*insert/);
    assert.deepEqual(await currentKeys(db, 'monitoring_list'), [K[0]]);
    assert.equal((await importRows(db)).length, 1);
  });
});

test('delta: a remove needs only the key; other rules still apply to add and update', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    const H = 'imei,imsi,msisdn';
    await impOk(db, 'pairing_list', await put(dir, 'p.csv', [H, `${imei15(K[0])},999011234567890,99100000001`, `${imei15(K[1])},999011234567891,99100000002`]));
    // The MSISDN may be empty on a remove, not on an add; the IMSI (part of the key) never.
    const bad = await imp(db, 'pairing_list', await put(dir, 'bad.csv', [`${H},change_type`, `${imei15(K[2])},999011234567892,,add`, `${imei15(K[0])},,,remove`]), { delta: true });
    assert.deepEqual(bad.problems.map((p) => [p.line, p.rule, p.column]), [[2, 'required', 'msisdn'], [3, 'required', 'imsi']]);
    const r = await impOk(db, 'pairing_list', await put(dir, 'ok.csv', [`${H},change_type`, `${imei15(K[0])},999011234567890,,remove`, `${imei15(K[1])},999011234567891,+99100000009,update`]), { delta: true });
    assert.deepEqual([r.added, r.removed, r.updated], [0, 1, 1]);
    assert.deepEqual(await snapshot(db, 'pairing_list'), [{ imei_norm: K[1], imsi: '999011234567891', msisdn: '99100000009' }]);
  });
});

test('delta: an update that changes nothing is not counted; a delta changing nothing is unchanged', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    await seedStolen(db, dir);
    const r = await impOk(db, 'stolen_list', await put(dir, 'same.csv', [`${STOLEN},change_type`, `${imei15(K[1])},20240102,,update`]), { delta: true }, 'unchanged');
    assert.deepEqual([r.added, r.removed, r.updated], [0, 0, 0]);
    assert.equal((await importRows(db)).length, 1);
    const r2 = await impOk(db, 'stolen_list', await put(dir, 'mixed.csv', [`${STOLEN},change_type`, `${imei15(K[1])},20240102,,update`, `${imei15(K[2])},20240103,blacklist,update`]), { delta: true });
    assert.equal(r2.updated, 1);
  });
});

test('header errors: a delta without change_type, a full file with change_type, change_type not last', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    const noCt = await imp(db, 'stolen_list', await put(dir, 'a.csv', [STOLEN, `${imei15(K[0])},20240101,`]), { delta: true });
    assert.equal(noCt.status, 'refused');
    assert.equal(noCt.problems[0].rule, 'header');
    assert.equal(noCt.problems[0].line, 1);
    assert.match(noCt.problems[0].message, /change_type/);

    const full = await imp(db, 'stolen_list', await put(dir, 'b.csv', [`${STOLEN},change_type`, `${imei15(K[0])},20240101,,add`]));
    assert.equal(full.problems[0].rule, 'header');
    assert.match(full.problems[0].message, /--delta/);

    const notLast = await imp(db, 'stolen_list', await put(dir, 'c.csv', ['imei,change_type,reporting_date,status', `${imei15(K[0])},add,20240101,`]), { delta: true });
    assert.equal(notLast.problems[0].rule, 'header');
    assert.match(notLast.problems[0].message, /last column/);
    assert.deepEqual(await importRows(db), []);
  });
});

test('re-importing the same delta file is unchanged with a note naming the earlier import', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    await seedStolen(db, dir);
    const file = await put(dir, 'd.csv', [`${STOLEN},change_type`, `${imei15(K[4])},20240201,,add`]);
    const first = await impOk(db, 'stolen_list', file, { delta: true });
    const hist = await historyRows(db, 'stolen_list');
    const again = await impOk(db, 'stolen_list', file, { delta: true }, 'unchanged');
    assert.match(again.note ?? '', new RegExp(`already imported \\(import ${first.import_id}\\)`));
    assert.equal(again.import_id, null);
    assert.deepEqual([again.added, again.current_before, again.current_after], [0, 5, 5]);
    assert.deepEqual(await historyRows(db, 'stolen_list'), hist);
    assert.equal((await importRows(db)).length, 2);
    // The same change written differently is checked on its merits: the key is now present.
    const other = await imp(db, 'stolen_list', await put(dir, 'd-copy.csv', [`${STOLEN},change_type`, `${K[4]},20240201,,add`]), { delta: true });
    assert.equal(other.status, 'refused');
    assert.equal(other.problems[0].rule, 'delta_add_present');
  });
});

// Known bug (importer.ts): problems found by SQL after staging (delta consistency, conflicting
// duplicates) are cut to max_errors_reported with LIMIT, but `problems_truncated` only reflects
// the staging phase, so a cut report claims to be complete.
test('delta consistency problems beyond max_errors_reported: the report says it is truncated', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    const file = await put(dir, 'rm.csv', ['imei,change_type', ...keys('35209901', 10).map((k) => `${imei15(k)},remove`)]);
    const r = await imp(db, 'barred_list', file, { delta: true, profile: profileWith({ max_errors_reported: 3 }) });
    assert.equal(r.status, 'refused');
    assert.deepEqual(r.problems.map((p) => [p.line, p.rule]), [[2, 'delta_remove_absent'], [3, 'delta_remove_absent'], [4, 'delta_remove_absent']]);
    assert.equal(r.problems_truncated, true, '10 absent keys, 3 reported');
  });
});
