import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { generateReference, GSMA_HEADER_LEGACY } from '../../src/generate/index.ts';
import { LIST_KINDS, type ListKind } from '../../src/reference/lists.ts';
import { tacInfo } from '../../src/reference/queries.ts';
import {
  badLuhn, currentKeys, demoProfile, freshDb, gz, historyRows, imei15, imp, impOk, importRows, keys, profileWith, put, snapshot, withTempDir, zip,
} from './helpers.ts';

const REG = 'approved_imei,make,model,status,model_number,brand_name,device_type,radio_interface,device_id';
const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const sha256 = async (p: string) => createHash('sha256').update(await readFile(p)).digest('hex');

const K = keys('35209900', 8); // 14-digit keys
const regRow = (k: string, make = 'Acme', status = '', deviceId = '') => `${imei15(k)},${make},A1,${status},A1-X,AcmeBrand,Smartphone,LTE,${deviceId}`;

test('first full import: every row added, values stored, the import recorded', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    const file = await put(dir, 'reg.csv', [REG, regRow(K[0], 'Acme', 'whitelist', 'dev-1'), regRow(K[1], 'Acme', '', 'dev-1'), `${K[2]},Beta,B2,Provisional,,,Tablet,,`]);
    const r = await impOk(db, 'registration_list', file);
    assert.equal(r.mode, 'full');
    assert.equal(r.packing, 'plain');
    assert.equal(r.file, 'reg.csv');
    assert.equal(r.sha256, await sha256(file));
    assert.deepEqual([r.rows, r.added, r.removed, r.updated, r.unchanged, r.current_before, r.current_after], [3, 3, 0, 0, 0, 0, 3]);
    assert.equal(typeof r.import_id, 'number');
    assert.deepEqual(r.problems, []);
    assert.deepEqual(await snapshot(db, 'registration_list'), [
      { imei_norm: K[0], make: 'Acme', model: 'A1', status: 'whitelist', model_number: 'A1-X', brand_name: 'AcmeBrand', device_type: 'Smartphone', radio_interface: 'LTE', device_id: 'dev-1' },
      { imei_norm: K[1], make: 'Acme', model: 'A1', status: null, model_number: 'A1-X', brand_name: 'AcmeBrand', device_type: 'Smartphone', radio_interface: 'LTE', device_id: 'dev-1' },
      { imei_norm: K[2], make: 'Beta', model: 'B2', status: 'provisional', model_number: null, brand_name: null, device_type: 'Tablet', radio_interface: null, device_id: null },
    ]);
    const imports = await importRows(db);
    assert.equal(imports.length, 1);
    assert.equal(Number(imports[0].id), r.import_id);
    assert.equal(imports[0].kind, 'registration_list');
    assert.equal(imports[0].mode, 'full');
    assert.equal(imports[0].sha256, r.sha256);
    assert.deepEqual([imports[0].rows_read, imports[0].added, imports[0].removed, imports[0].updated].map(Number), [3, 3, 0, 0]);
    const hist = await historyRows(db, 'registration_list');
    assert.ok(hist.every((h) => h.valid_to === null && Number(h.import_id) === r.import_id));
  });
});

test('the same file again, or the same content as CRLF + BOM + quotes, is unchanged and writes nothing', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    const lines = [REG, regRow(K[0]), regRow(K[1], 'Acme Inc.'), regRow(K[2])];
    const file = await put(dir, 'reg.csv', lines);
    await impOk(db, 'registration_list', file);
    const before = await historyRows(db, 'registration_list');

    const again = await impOk(db, 'registration_list', file, {}, 'unchanged');
    assert.deepEqual([again.added, again.removed, again.updated, again.unchanged, again.current_before, again.current_after], [0, 0, 0, 3, 3, 3]);
    assert.equal(again.import_id, null);
    assert.match(again.note ?? '', /nothing changed/);

    const quoted = lines.map((l) => l.split(',').map((v) => `"${v}"`).join(','));
    const crlf = await put(dir, 'reg-crlf.csv', '\uFEFF' + quoted.join('\r\n') + '\r\n');
    const r = await impOk(db, 'registration_list', crlf, {}, 'unchanged');
    assert.equal(r.rows, 3);
    // The 15-digit IMEIs written as 14-digit keys are the same entries.
    const as14 = await put(dir, 'reg-14.csv', lines.map((l, i) => (i === 0 ? l : l.replace(/^(\d{14})\d/, '$1'))));
    await impOk(db, 'registration_list', as14, {}, 'unchanged');

    assert.equal((await importRows(db)).length, 1);
    assert.deepEqual(await historyRows(db, 'registration_list'), before);
  });
});

test('a changed full list: adds, removes and updates with history (old row closed, new row opened)', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    const t1 = new Date('2025-01-01T00:00:00Z');
    const t2 = new Date('2025-02-01T00:00:00Z');
    const first = await impOk(db, 'registration_list', await put(dir, 'a.csv', [REG, regRow(K[0]), regRow(K[1]), regRow(K[2]), regRow(K[3])]), { at: t1 });
    // K0 same, K1 updated, K2 removed, K3 same, K4 added.
    const second = await impOk(db, 'registration_list', await put(dir, 'b.csv', [REG, regRow(K[0]), regRow(K[1], 'Zeta'), regRow(K[3]), regRow(K[4])]), { at: t2 });
    assert.deepEqual(
      [second.rows, second.added, second.removed, second.updated, second.unchanged, second.current_before, second.current_after],
      [4, 1, 1, 1, 2, 4, 4],
    );
    assert.deepEqual(await currentKeys(db, 'registration_list'), [K[0], K[1], K[3], K[4]]);
    const hist = (await historyRows(db, 'registration_list')).map((h) => ({
      k: h.imei_norm, make: h.make, from: new Date(h.valid_from as string).toISOString(), to: h.valid_to ? new Date(h.valid_to as string).toISOString() : null, imp: Number(h.import_id),
    }));
    const a = first.import_id, b = second.import_id;
    assert.deepEqual(hist, [
      { k: K[0], make: 'Acme', from: t1.toISOString(), to: null, imp: a },
      { k: K[1], make: 'Acme', from: t1.toISOString(), to: t2.toISOString(), imp: a },
      { k: K[1], make: 'Zeta', from: t2.toISOString(), to: null, imp: b },
      { k: K[2], make: 'Acme', from: t1.toISOString(), to: t2.toISOString(), imp: a },
      { k: K[3], make: 'Acme', from: t1.toISOString(), to: null, imp: a },
      { k: K[4], make: 'Acme', from: t2.toISOString(), to: null, imp: b },
    ]);
    const imports = await importRows(db);
    assert.deepEqual(imports.map((i) => [Number(i.added), Number(i.removed), Number(i.updated)]), [[4, 0, 0], [1, 1, 1]]);
    assert.equal(new Date(imports[1].effective_at as string).toISOString(), t2.toISOString());
    // A value going from something to empty is an update too.
    const third = await impOk(db, 'registration_list', await put(dir, 'c.csv', [REG, regRow(K[0]), regRow(K[1], ''), regRow(K[3]), regRow(K[4])]));
    assert.deepEqual([third.added, third.removed, third.updated], [0, 0, 1]);
    assert.equal((await snapshot(db, 'registration_list'))[1].make, null);
  });
});

test('identical duplicate rows collapse to one entry', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    // Line 4 repeats line 2; line 5 is line 3 written as a 14-digit key.
    const file = await put(dir, 'dup.csv', [REG, regRow(K[0]), regRow(K[1]), regRow(K[0]), regRow(K[1]).replace(/^(\d{14})\d/, '$1')]);
    const r = await impOk(db, 'registration_list', file);
    assert.deepEqual([r.rows, r.added, r.current_after], [4, 2, 2]);
    assert.deepEqual(await currentKeys(db, 'registration_list'), [K[0], K[1]]);
    assert.equal((await historyRows(db, 'registration_list')).length, 2);
  });
});

test('conflicting duplicates refuse the file with both line numbers, and nothing is written', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    const file = await put(dir, 'dup.csv', [REG, regRow(K[0]), regRow(K[1]), regRow(K[2]), regRow(K[0], 'Other'), regRow(K[1], 'Acme', 'pending')]);
    const r = await imp(db, 'registration_list', file);
    assert.equal(r.status, 'refused');
    assert.equal(r.import_id, null);
    assert.deepEqual(
      r.problems.map((p) => [p.rule, p.line]),
      [['duplicate_conflict', 5], ['duplicate_conflict', 6]],
    );
    assert.match(r.problems[0].message, new RegExp(`${K[0]}.*line 2`));
    assert.match(r.problems[1].message, new RegExp(`${K[1]}.*line 3`));
    assert.equal(r.problems[0].file, 'dup.csv');
    assert.deepEqual(await importRows(db), []);
    assert.deepEqual(await historyRows(db, 'registration_list'), []);

    // The same on a list that already has content: it stays as it was.
    await impOk(db, 'registration_list', await put(dir, 'ok.csv', [REG, regRow(K[5])]));
    const before = await historyRows(db, 'registration_list');
    assert.equal((await imp(db, 'registration_list', file)).status, 'refused');
    assert.deepEqual(await historyRows(db, 'registration_list'), before);
    assert.equal((await importRows(db)).length, 1);
  });
});

// Known bug (importer.ts): see import-delta.test.ts, the same for conflicting duplicates.
test('conflicting duplicates beyond max_errors_reported: the report says it is truncated', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    const file = await put(dir, 'dup.csv', ['imei,reporting_date,status', ...K.flatMap((k) => [`${imei15(k)},20240101,`, `${imei15(k)},20240102,`])]);
    const r = await imp(db, 'stolen_list', file, { profile: profileWith({ max_errors_reported: 2 }) });
    assert.equal(r.status, 'refused');
    assert.deepEqual(r.problems.map((p) => [p.line, p.rule]), [[3, 'duplicate_conflict'], [5, 'duplicate_conflict']]);
    assert.equal(r.problems_truncated, true, '8 conflicting keys, 2 reported');
  });
});

test('GSMA duplicates: identical TAC rows (unknown columns included) collapse; a differing unknown column conflicts', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    const row = (nfc: string) => `35209900|Acme|A1|Acme One|Acme|05-Mar-2019|ORG-1|Smartphone|Y|${nfc}|Y|Android|LTE||LTE|`;
    const ok = await impOk(db, 'gsma_tac', await put(dir, 'a.txt', [MODERN, row('N'), row('N'), row('N').replace('35209900', '35209901')]));
    assert.deepEqual([ok.rows, ok.added], [3, 2]);
    const bad = await imp(db, 'gsma_tac', await put(dir, 'b.txt', [MODERN, row('N'), row('Y')]));
    assert.deepEqual(bad.problems.map((p) => [p.line, p.rule]), [[3, 'duplicate_conflict']]);
  });
});

test('a first load keeps the list table\'s key constraint (two versions of a key cannot start at once)', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    const at = new Date('2025-05-01T00:00:00Z');
    await impOk(db, 'barred_list', await put(dir, 'b.csv', ['imei', ...K.map(imei15)]), { at });
    const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_constraint WHERE conrelid = 'ref_barred'::regclass AND conname = 'ref_barred_key' AND contype = 'u'");
    assert.equal(rows[0].n, 1);
    await assert.rejects(db.query('INSERT INTO ref_barred (imei_norm, valid_from, import_id) VALUES ($1, $2, 0)', [K[0], at]), /duplicate key|unique/i);
  });
});

test('a conflicting duplicate on a multi-column key (pairing: same IMEI and IMSI, other MSISDN) is refused', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    const file = await put(dir, 'pair.csv', ['imei,imsi,msisdn', `${imei15(K[0])},999011234567890,99100000001`, `${imei15(K[0])},999011234567891,99100000001`, `${K[0]},999011234567890,99100000002`]);
    const r = await imp(db, 'pairing_list', file);
    assert.equal(r.status, 'refused');
    assert.deepEqual(r.problems.map((p) => [p.rule, p.line]), [['duplicate_conflict', 4]]);
    assert.match(r.problems[0].message, /line 2/);
  });
});

test('shrink guard: a full list removing more than imports.max_list_shrink is refused unless forced', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    const file = (name: string, ks: string[]) => put(dir, name, ['imei,reporting_date,status', ...ks.map((k) => `${imei15(k)},20240101,`)]);
    await impOk(db, 'stolen_list', await file('s8.csv', K));
    const before = await historyRows(db, 'stolen_list');

    // 3 of 8 (37.5%) > 25%: refused, nothing changes.
    const truncated = await file('s5.csv', K.slice(0, 5));
    const r = await imp(db, 'stolen_list', truncated);
    assert.equal(r.status, 'refused');
    assert.equal(r.problems.length, 1);
    assert.equal(r.problems[0].rule, 'list_shrink');
    assert.match(r.problems[0].message, /remove 3 of 8/);
    assert.match(r.problems[0].message, /--force-shrink/);
    assert.deepEqual(await historyRows(db, 'stolen_list'), before);
    assert.equal((await importRows(db)).length, 1);

    // The guard reads the profile: with 40% allowed the same file goes through.
    const loose = await imp(db, 'stolen_list', truncated, { profile: profileWith({ max_list_shrink: 0.4 }) });
    assert.equal(loose.status, 'imported');
    assert.equal(loose.removed, 3);
  });
});

test('shrink guard boundary: exactly the allowed fraction passes; forceShrink lets a larger shrink through and is recorded', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    const file = (name: string, ks: string[]) => put(dir, name, ['imei', ...ks.map((k) => imei15(k))]);
    await impOk(db, 'barred_list', await file('b8.csv', K));
    const r = await impOk(db, 'barred_list', await file('b6.csv', K.slice(0, 6)));
    assert.equal(r.removed, 2, '2 of 8 = 25% is allowed');
    assert.equal((await imp(db, 'barred_list', await file('b1.csv', K.slice(0, 1)))).problems[0]?.rule, 'list_shrink');
    const forced = await impOk(db, 'barred_list', await file('b1.csv', K.slice(0, 1)), { forceShrink: true });
    assert.deepEqual([forced.removed, forced.current_after], [5, 1]);
    const imports = await importRows(db);
    assert.deepEqual(imports.map((i) => i.forced_shrink), [false, false, true]);
    assert.deepEqual(await currentKeys(db, 'barred_list'), [K[0]]);
    // max_list_shrink 0: not a single removal without force.
    const none = await imp(db, 'barred_list', await file('b0.csv', [K[1]]), { profile: profileWith({ max_list_shrink: 0 }) });
    assert.equal(none.problems[0]?.rule, 'list_shrink');
  });
});

/** A small valid file per list kind and what it must be stored as (listAsOf columns, key order). */
const GOLD = [keys('86012345', 1)[0], keys('35111111', 1)[0]];
const FIXTURES: Record<ListKind, { lines: string[]; expect: Record<string, unknown>[] }> = {
  gsma_tac: {
    lines: [
      'TAC|Manufacturer|Model Name|Marketing Name|Brand Name|Allocation Date|Device Type|Bands|5G Bands|Radio Interface|Operating System',
      '35209900|Acme|A1|Acme One|Acme|05-Mar-2019|Smartphone|GSM 900,LTE|n78|NR|Android',
    ],
    expect: [{
      tac: '35209900', manufacturer: 'Acme', model_name: 'A1', marketing_name: 'Acme One', brand_name: 'Acme', allocation_date: '2019-03-05',
      device_type: 'Smartphone', bands: 'GSM 900,LTE', bands_5g: 'n78', radio_interface: 'NR', operating_system: 'Android', extra: null,
    }],
  },
  registration_list: {
    lines: [REG, `${imei15(K[0])},Acme,A1,whitelist,A1-X,Acme,Smartphone,LTE,d1`],
    expect: [{ imei_norm: K[0], make: 'Acme', model: 'A1', status: 'whitelist', model_number: 'A1-X', brand_name: 'Acme', device_type: 'Smartphone', radio_interface: 'LTE', device_id: 'd1' }],
  },
  stolen_list: {
    lines: ['imei,reporting_date,status', `${imei15(K[1])},20240105,`, `${K[0]},,Pending`],
    expect: [
      { imei_norm: K[0], reporting_date: null, status: 'pending' },
      { imei_norm: K[1], reporting_date: '2024-01-05', status: null },
    ],
  },
  pairing_list: {
    lines: ['imei,imsi,msisdn', `${imei15(K[0])},999011234567891,+99100000002`, `${imei15(K[0])},999011234567890,99100000001`],
    expect: [
      { imei_norm: K[0], imsi: '999011234567890', msisdn: '99100000001' },
      { imei_norm: K[0], imsi: '999011234567891', msisdn: '99100000002' },
    ],
  },
  golden_list: {
    lines: ['golden_imei', imei15(GOLD[0]), GOLD[1]],
    expect: [md5(GOLD[0]), md5(GOLD[1])].sort().map((h) => ({ hashed_imei_norm: h })),
  },
  barred_list: {
    lines: ['imei', imei15(K[1]), badLuhn(K[0]), 'a1000000abcdef'],
    expect: [{ imei_norm: K[0] }, { imei_norm: K[1] }, { imei_norm: 'A1000000ABCDEF' }],
  },
  barred_tac_list: {
    lines: ['tac', '35209900', '00101234'],
    expect: [{ tac: '00101234' }, { tac: '35209900' }],
  },
  monitoring_list: {
    lines: ['imei', `${K[2]}12`],
    expect: [{ imei_norm: K[2] }],
  },
  subscribers_registration_list: {
    lines: ['uid,imsi', 'NID-1,999011234567890', 'NID-1,99902123456789'],
    expect: [{ uid: 'NID-1', imsi: '999011234567890' }, { uid: 'NID-1', imsi: '99902123456789' }],
  },
  device_association_list: {
    lines: ['uid,imei', `NID-2,${imei15(K[0])}`, `NID-1,${imei15(K[0])}`],
    expect: [{ imei_norm: K[0], uid: 'NID-1' }, { imei_norm: K[0], uid: 'NID-2' }],
  },
  cell_list: {
    lines: ['cell_id,lat,lon', 'C-2,-33.8688,151.2093', 'C-1,48.8566,2.3522'],
    expect: [{ cell_id: 'C-1', lat: '48.8566', lon: '2.3522' }, { cell_id: 'C-2', lat: '-33.8688', lon: '151.2093' }],
  },
};

test('every list kind imports a small valid file and stores its key and values', async () => {
  assert.deepEqual(Object.keys(FIXTURES).sort(), [...LIST_KINDS].sort());
  const db = await freshDb();
  await withTempDir(async (dir) => {
    for (const kind of LIST_KINDS) {
      const fx = FIXTURES[kind];
      const r = await impOk(db, kind, await put(dir, `${kind}.csv`, fx.lines));
      assert.equal(r.added, fx.expect.length, kind);
      assert.deepEqual(await snapshot(db, kind), fx.expect, kind);
    }
    assert.equal((await importRows(db)).length, LIST_KINDS.length);
  });
});

test('golden list: plain IMEIs stored as MD5 of the 14-digit key; preHashed files hold the digests themselves', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    await impOk(db, 'golden_list', await put(dir, 'g.csv', FIXTURES.golden_list.lines));
    // The same entries written as digests (upper-case, one as a UUID) are the same list.
    const [h0, h1] = [md5(GOLD[0]), md5(GOLD[1])];
    const uuid = `${h1.slice(0, 8)}-${h1.slice(8, 12)}-${h1.slice(12, 16)}-${h1.slice(16, 20)}-${h1.slice(20)}`;
    const pre = await put(dir, 'g-md5.csv', ['golden_imei', h0.toUpperCase(), uuid]);
    await impOk(db, 'golden_list', pre, { preHashed: true }, 'unchanged');
    // Without preHashed, a digest is not an IMEI.
    const r = await imp(db, 'golden_list', pre);
    assert.equal(r.status, 'refused');
    assert.equal(r.problems[0].rule, 'imei_format');
    assert.equal(r.problems[0].line, 2);
    // And with preHashed, an IMEI is not a digest.
    const r2 = await imp(db, 'golden_list', await put(dir, 'g2.csv', FIXTURES.golden_list.lines), { preHashed: true });
    assert.equal(r2.problems[0]?.rule, 'md5_format');
    const add = await impOk(db, 'golden_list', await put(dir, 'g3.csv', ['golden_imei', h0, h1, md5('12345678901234')]), { preHashed: true });
    assert.equal(add.added, 1);
    const opts = (await importRows(db)).map((i) => (i.options as { preHashed: boolean }).preHashed);
    assert.deepEqual(opts, [false, true]);
  });
});

const MODERN = 'TAC|Manufacturer (or) Applicant|Model Name|Marketing Name|Brand Name|Allocation Date|Organisation Id|Device Type|Bluetooth|NFC|WLAN|Operating System|Radio Interface|LPWAN|Bands|5G Bands';

test('GSMA catalogue, modern header: alias column, Not Known as null, unknown columns kept in extra, capability', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    const file = await put(dir, 'tac.txt', [
      MODERN,
      '35209900|Acme Corp|A1|Acme One|Acme|05-Mar-2019|ORG-1|Smartphone|Y|N|Y|Android|LTE|Not Known|GSM 900,WCDMA FDD Band I,LTE FDD BAND 3|n78,n41',
      '35209901|Acme Corp|A1|Not Known|NOT KNOWN|1-Jan-2020|ORG-1|Smartphone|not known|Y||Android|Not Known|NB-IoT|GSM 900|',
      '86000001|Zed|Z|||31-Dec-2021||Feature Phone|||||||GSM 900,CDMA2000|',
      '86000002|Zed|Z2|||Not Known||Feature Phone|||||||Not Known|',
    ]);
    const r = await impOk(db, 'gsma_tac', file);
    assert.equal(r.added, 4);
    const z2 = await tacInfo(db, '86000002');
    assert.deepEqual([z2?.allocation_date, z2?.bands, z2?.rats], [null, null, []]);
    const a = await tacInfo(db, '35209900');
    assert.ok(a);
    assert.equal(a.manufacturer, 'Acme Corp');
    assert.equal(a.allocation_date, '2019-03-05');
    assert.equal(a.bands_5g, 'n78,n41');
    assert.deepEqual(a.rats, ['2G', '3G', '4G', '5G']);
    assert.deepEqual(a.extra, { 'Organisation Id': 'ORG-1', Bluetooth: 'Y', NFC: 'N', WLAN: 'Y' }, 'Not Known is not kept, even in extra');
    const b = await tacInfo(db, '35209901');
    assert.ok(b);
    assert.equal(b.marketing_name, null);
    assert.equal(b.brand_name, null, 'Not Known is matched case-insensitively');
    assert.equal(b.radio_interface, null);
    assert.equal(b.allocation_date, '2020-01-01');
    assert.deepEqual(b.rats, ['2G']);
    assert.deepEqual(b.model_rats, ['2G', '3G', '4G', '5G'], 'the model capability is the union over its TACs');
    assert.equal(b.model_tacs, 2);
    assert.deepEqual(b.extra, { 'Organisation Id': 'ORG-1', NFC: 'Y', LPWAN: 'NB-IoT' });
    const z = await tacInfo(db, '86000001');
    assert.deepEqual(z?.rats, ['2G', '3G']);
    assert.deepEqual(z?.extra, {});
    const stored = await db.query<{ extra: unknown; rat_mask: number }>("SELECT extra, rat_mask FROM ref_gsma_tac WHERE tac = '86000001'");
    assert.equal(stored.rows[0].extra, null, 'no unknown values: extra is null, not {}');
    assert.equal(stored.rows[0].rat_mask, 3);
  });
});

test('GSMA catalogue, legacy header: Manufacturer, no 5G column (NR in Bands is 5G), unknown columns in extra', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    assert.match(GSMA_HEADER_LEGACY, /^TAC\|Manufacturer\|/);
    const file = await put(dir, 'legacy.txt', [
      GSMA_HEADER_LEGACY,
      '35209900|Acme|A1|LTE FDD BAND 1,NR BAND n78|05-Mar-2019|Smartphone|Acme One|Acme|Not Known|Android|Y|Y|Y',
      '35209902|Acme|A2|GSM 900|06-Mar-2019|Feature Phone|Not Known|Acme|Not Known|Not Known|N|Y|N',
    ]);
    await impOk(db, 'gsma_tac', file);
    const a = await tacInfo(db, '35209900');
    assert.equal(a?.bands_5g, null);
    assert.deepEqual(a?.rats, ['4G', '5G']);
    assert.deepEqual(a?.extra, { NFC: 'Y', Bluetooth: 'Y', WLAN: 'Y' });
    assert.equal(a?.operating_system, 'Android');
    const b = await tacInfo(db, '35209902');
    assert.deepEqual(b?.rats, ['2G']);
    assert.deepEqual(b?.model_rats, ['2G'], 'another model name is another model');
    assert.equal(b?.operating_system, null);
  });
});

test('GSMA catalogue: a changed unknown column is an update (extra is compared as a value)', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    const row = (nfc: string) => `35209900|Acme|A1|Acme One|Acme|05-Mar-2019|ORG-1|Smartphone|Y|${nfc}|Y|Android|LTE||LTE|`;
    assert.equal(row('N').split('|').length, MODERN.split('|').length);
    await impOk(db, 'gsma_tac', await put(dir, 'a.txt', [MODERN, row('N')]));
    // Same content, columns in another order: unchanged.
    const reordered = MODERN.split('|');
    const vals = row('N').split('|');
    const perm = reordered.map((_, i) => (i + 3) % reordered.length);
    await impOk(db, 'gsma_tac', await put(dir, 'b.txt', [perm.map((i) => reordered[i]).join('|'), perm.map((i) => vals[i]).join('|')]), {}, 'unchanged');
    const r = await impOk(db, 'gsma_tac', await put(dir, 'c.txt', [MODERN, row('Y')]));
    assert.deepEqual([r.added, r.removed, r.updated], [0, 0, 1]);
    assert.equal((await tacInfo(db, '35209900'))?.extra.NFC, 'Y');
  });
});

test('.gz and .zip inputs are read by their magic bytes and give the same list', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    const text = ['imei', ...K.slice(0, 4).map(imei15)].join('\n') + '\n';
    const g = await impOk(db, 'monitoring_list', await put(dir, 'mon.csv.gz', gz(text)));
    assert.equal(g.packing, 'gzip');
    assert.equal(g.added, 4);
    assert.equal(g.sha256, await sha256(`${dir}/mon.csv.gz`), 'the digest is of the bytes on disk');
    const z = await impOk(db, 'monitoring_list', await put(dir, 'mon.zip', zip({ 'inner/monitoring.csv': text })), {}, 'unchanged');
    assert.equal(z.packing, 'zip');
    assert.equal(z.rows, 4);
    // A gzip with a misleading name is still gzip; a zip whose content changed is a real import.
    const z2 = await impOk(db, 'monitoring_list', await put(dir, 'mon.csv', zip({ 'm.csv': text + imei15(K[4]) + '\n' })));
    assert.deepEqual([z2.packing, z2.added], ['zip', 1]);
    const g2 = await impOk(db, 'monitoring_list', await put(dir, 'plain-name.csv', gz(text)));
    assert.deepEqual([g2.packing, g2.removed], ['gzip', 1]);
    // Folders and macOS resource forks inside a zip are not files.
    const mac = await imp(db, 'monitoring_list', await put(dir, 'mac.zip', zip({ 'lists/': '', '__MACOSX/lists/._m.csv': 'junk', 'lists/m.csv': text + imei15(K[5]) + '\n' })));
    assert.deepEqual([mac.status, mac.packing, mac.added + mac.removed + mac.updated], ['imported', 'zip', 1]);
    // A zip must hold exactly one file.
    const two = await imp(db, 'monitoring_list', await put(dir, 'two.zip', zip({ 'a.csv': text, 'b.csv': text })));
    assert.equal(two.status, 'refused');
    assert.equal(two.problems[0].rule, 'bad_zip');
    assert.match(two.problems[0].message, /exactly one file/);
  });
});

test('generated reference data (modern and legacy catalogue) imports cleanly, row for row', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    const profile = demoProfile();
    const ref = await generateReference({ outDir: `${dir}/m`, profile, seed: 11, models: 60, subscribers: 150, asOf: '2025-06-30' });
    for (const kind of LIST_KINDS) {
      if (kind === 'cell_list') continue; // cells come with observations (generateCountry)
      const r = await impOk(db, kind, ref.files[kind].path);
      assert.equal(r.rows, ref.files[kind].rows, kind);
      assert.equal(r.added, ref.files[kind].rows, `${kind}: generated lists have unique keys`);
      assert.equal((await snapshot(db, kind)).length, ref.files[kind].rows, kind);
    }
    const legacy = await generateReference({ outDir: `${dir}/l`, profile, seed: 11, models: 60, subscribers: 150, asOf: '2025-06-30', headerGeneration: 'legacy' });
    const r = await imp(db, 'gsma_tac', legacy.files.gsma_tac.path);
    assert.notEqual(r.status, 'refused', JSON.stringify(r.problems));
    assert.equal(r.added + r.removed, 0, 'the same TACs');
    assert.equal(r.updated, ref.files.gsma_tac.rows, 'every TAC loses its modern-only columns (extra) and its 5G Bands');
    // Capability survives the change of header generation: 5G in Bands text is still 5G.
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ref_gsma_tac a JOIN ref_gsma_tac b ON a.tac = b.tac AND a.valid_to IS NOT NULL AND b.valid_to IS NULL
       WHERE a.rat_mask <> b.rat_mask`,
    );
    assert.equal(rows[0].n, 0);
  });
});
