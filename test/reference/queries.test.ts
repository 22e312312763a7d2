import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CeirError } from '../../src/errors.ts';
import { luhnCheckDigit } from '../../src/identity/luhn.ts';
import { imeiStatus, maskers, parseImeiQuery, tacInfo } from '../../src/reference/queries.ts';
import type { Db } from '../../src/store/db.ts';
import { badLuhn, freshDb, imei15, impOk, keys, put, withTempDir } from './helpers.ts';

const GSMA = 'TAC|Manufacturer|Model Name|Marketing Name|Allocation Date|Device Type|Bands|5G Bands|Organisation Id';
const [A0, A1, A2, A3, A4] = keys('35209900', 5); // Acme A1
const [B0] = keys('35209901', 1); // Acme A1, another TAC
const [C0] = keys('35209902', 1); // Acme A2, TAC barred
const [U0] = keys('99999999', 1); // TAC not in the catalogue
const REG = 'approved_imei,make,model,status,model_number,brand_name,device_type,radio_interface,device_id';

async function seed(db: Db, dir: string): Promise<void> {
  const load = async (kind: Parameters<typeof impOk>[1], lines: string[]) => impOk(db, kind, await put(dir, `${kind}.csv`, lines));
  await load('gsma_tac', [
    GSMA,
    '35209900|Acme|A1|Acme One|05-Mar-2019|Smartphone|GSM 900,LTE FDD BAND 3||ORG-7',
    '35209901|Acme|A1|Acme One|06-Mar-2019|Smartphone|WCDMA|n78|',
    '35209902|Acme|A2|Not Known|07-Mar-2019|Feature Phone|GSM 900||',
    '35209903|Other|A1||08-Mar-2019|Smartphone|EVDO||',
    '35209904|Acme|||09-Mar-2019|Smartphone|LTE||',
    '35209905|Acme|||09-Mar-2019|Smartphone|GSM||',
  ]);
  await load('registration_list', [
    REG,
    `${imei15(A0)},Acme,A1,,A1-X,Acme,Smartphone,LTE,dev-1`,
    `${imei15(A1)},Acme,A1,whitelist,A1-X,Acme,Smartphone,LTE,dev-1`,
    `${imei15(A4)},Acme,A1,,A1-X,Acme,Smartphone,LTE,dev-1`,
    `${imei15(A2)},Acme,A1,provisional,A1-X,Acme,Smartphone,LTE,`,
    `${imei15(B0)},Acme,A1,,,,,,dev-2`,
  ]);
  await load('stolen_list', ['imei,reporting_date,status', `${imei15(A0)},20240105,`, `${imei15(A1)},20240106,pending`, `${imei15(A3)},20240107,blacklist`]);
  await load('pairing_list', ['imei,imsi,msisdn', `${imei15(A0)},999021234567890,99100000002`, `${imei15(A0)},999011234567890,+99100000001`]);
  await load('golden_list', ['golden_imei', imei15(A2)]);
  await load('barred_list', ['imei', imei15(A3)]);
  await load('barred_tac_list', ['tac', '35209902']);
  await load('monitoring_list', ['imei', imei15(A1)]);
  await load('device_association_list', ['uid,imei', `NID-12345,${imei15(A0)}`, `NID-00001,${imei15(A0)}`]);
  await load('subscribers_registration_list', ['uid,imsi', 'NID-12345,999011234567890']);
}

function throwsCeir(fn: () => Promise<unknown>, code: string) {
  return assert.rejects(fn, (e: unknown) => e instanceof CeirError && e.code === code && e.message.length > 0);
}

test('tacInfo: catalogue entry, TAC and model capability, extra columns; unknown TAC is null; bad TAC is an error', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    await seed(db, dir);
    const a = await tacInfo(db, '35209900');
    assert.deepEqual(a, {
      tac: '35209900', manufacturer: 'Acme', model_name: 'A1', marketing_name: 'Acme One', brand_name: null, allocation_date: '2019-03-05',
      device_type: 'Smartphone', bands: 'GSM 900,LTE FDD BAND 3', bands_5g: null, radio_interface: null, operating_system: null,
      rats: ['2G', '4G'], model_rats: ['2G', '3G', '4G', '5G'], model_tacs: 2, extra: { 'Organisation Id': 'ORG-7' },
    });
    const b = await tacInfo(db, '35209901');
    assert.deepEqual([b?.rats, b?.model_rats, b?.model_tacs, b?.extra], [['3G', '5G'], ['2G', '3G', '4G', '5G'], 2, {}]);
    // Same model name, other manufacturer: another model.
    const o = await tacInfo(db, '35209903');
    assert.deepEqual([o?.rats, o?.model_rats, o?.model_tacs], [['3G'], ['3G'], 1]);
    const c = await tacInfo(db, '35209902');
    assert.equal(c?.marketing_name, null);
    assert.deepEqual(c?.model_rats, ['2G']);
    // A TAC without a model name is not grouped with others lacking one.
    const n = await tacInfo(db, '35209904');
    assert.deepEqual([n?.model_name, n?.rats, n?.model_rats, n?.model_tacs], [null, ['4G'], ['4G'], 1]);
    assert.equal(await tacInfo(db, '99999999'), null);
    await throwsCeir(() => tacInfo(db, '3520990'), 'CEIR_ERR_INVALID_TAC');
    await throwsCeir(() => tacInfo(db, '3520990A'), 'CEIR_ERR_INVALID_TAC');
    await throwsCeir(() => tacInfo(db, '352099001'), 'CEIR_ERR_INVALID_TAC');
    await throwsCeir(() => tacInfo(db, "35209900' OR '1'='1"), 'CEIR_ERR_INVALID_TAC');
  });
});

test('tacInfo: only the current catalogue counts (a removed TAC is gone; the model union shrinks with it)', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    await seed(db, dir);
    await impOk(db, 'gsma_tac', await put(dir, 'tac2.txt', [
      GSMA,
      '35209900|Acme|A1|Acme One|05-Mar-2019|Smartphone|GSM 900,LTE FDD BAND 3||ORG-7',
      '35209902|Acme|A2|Not Known|07-Mar-2019|Feature Phone|GSM 900||',
      '35209903|Other|A1||08-Mar-2019|Smartphone|EVDO||',
      '35209904|Acme|||09-Mar-2019|Smartphone|LTE||',
      '35209905|Acme|||09-Mar-2019|Smartphone|GSM||',
    ]));
    assert.equal(await tacInfo(db, '35209901'), null);
    const a = await tacInfo(db, '35209900');
    assert.deepEqual([a?.model_rats, a?.model_tacs], [['2G', '4G'], 1]);
  });
});

test('imeiStatus: registered device with its other IMEIs, stolen, paired, associated', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    await seed(db, dir);
    const s = await imeiStatus(db, imei15(A0));
    assert.equal(s.input, imei15(A0));
    assert.equal(s.imei_norm, A0);
    assert.equal(s.tac, '35209900');
    assert.deepEqual(s.identifier, { form: 'imei15', check_digit: { given: luhnCheckDigit(A0), expected: luhnCheckDigit(A0), valid: true }, software_version: null });
    assert.equal(s.catalogue?.model_name, 'A1');
    assert.deepEqual(s.catalogue?.model_rats, ['2G', '3G', '4G', '5G']);
    assert.ok(s.registration);
    assert.equal(s.registration.registered, true);
    assert.equal(s.registration.status, null);
    assert.equal(s.registration.device_id, 'dev-1');
    assert.deepEqual(s.registration.other_imeis, [A1, A4], 'same device_id, not itself, not another device');
    assert.match(s.registration.since, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(s.stolen);
    assert.deepEqual([s.stolen.stolen, s.stolen.status, s.stolen.reporting_date], [true, null, '2024-01-05']);
    assert.deepEqual(s.pairings.map((p) => [p.imsi, p.msisdn]), [['999011234567890', '99100000001'], ['999021234567890', '99100000002']]);
    assert.deepEqual(s.associations.map((a) => a.uid), ['NID-00001', 'NID-12345']);
    assert.deepEqual([s.golden, s.barred, s.monitored], [false, { imei: false, tac: false }, false]);
    assert.deepEqual(s.suspicious, []);
  });
});

test('imeiStatus: whitelist status is registered, other statuses are provisional; pending is not stolen; monitored; golden', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    await seed(db, dir);
    const s1 = await imeiStatus(db, A1);
    assert.equal(s1.identifier.form, 'imei14');
    assert.equal(s1.identifier.check_digit, null);
    assert.deepEqual([s1.registration?.registered, s1.registration?.status, s1.registration?.other_imeis], [true, 'whitelist', [A0, A4]]);
    assert.deepEqual([s1.stolen?.stolen, s1.stolen?.status], [false, 'pending']);
    assert.equal(s1.monitored, true);
    assert.deepEqual(s1.pairings, []);

    const s2 = await imeiStatus(db, `${A2}05`);
    assert.deepEqual(s2.identifier, { form: 'imeisv', check_digit: null, software_version: '05' });
    assert.deepEqual([s2.registration?.registered, s2.registration?.status, s2.registration?.other_imeis], [false, 'provisional', []]);
    assert.equal(s2.golden, true);
    assert.equal(s2.stolen, null);

    const s3 = await imeiStatus(db, imei15(A3));
    assert.deepEqual([s3.stolen?.stolen, s3.stolen?.status], [true, 'blacklist']);
    assert.deepEqual(s3.barred, { imei: true, tac: false });
    assert.equal(s3.registration, null);

    const b = await imeiStatus(db, imei15(B0));
    assert.deepEqual(b.registration?.other_imeis, [], 'alone on its device');
  });
});

test('imeiStatus: a barred TAC bars every IMEI under it; an unknown IMEI has nothing', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    await seed(db, dir);
    const c = await imeiStatus(db, imei15(C0));
    assert.deepEqual(c.barred, { imei: false, tac: true });
    assert.deepEqual(c.catalogue?.rats, ['2G']);
    const u = await imeiStatus(db, imei15(U0));
    assert.equal(u.catalogue, null);
    assert.deepEqual(
      [u.registration, u.stolen, u.pairings, u.golden, u.barred, u.monitored, u.associations],
      [null, null, [], false, { imei: false, tac: false }, false, []],
    );
  });
});

test('imeiStatus: a wrong check digit is reported, not refused; formatting is accepted; garbage is an error', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    await seed(db, dir);
    const s = await imeiStatus(db, badLuhn(A0));
    const given = Number(badLuhn(A0)[14]);
    assert.deepEqual(s.identifier.check_digit, { given, expected: luhnCheckDigit(A0), valid: false });
    assert.equal(s.imei_norm, A0);
    assert.equal(s.registration?.registered, true, 'looked up by its 14-digit key all the same');
    const f = await imeiStatus(db, `IMEI: ${A0.slice(0, 2)}-${A0.slice(2, 8)}-${A0.slice(8)}-${badLuhn(A0)[14]}`);
    assert.equal(f.imei_norm, A0);
    assert.equal(f.identifier.check_digit?.valid, false);
    assert.equal((await imeiStatus(db, ` ${imei15(A0)} `)).imei_norm, A0);
    // A 5G PEI prefix is formatting like `IMEI:`.
    assert.equal((await imeiStatus(db, `imei-${imei15(A0)}`)).imei_norm, A0);
    for (const bad of ['', 'abc', '123', '35209900000000123', `${A0}99`, 'imeisv:x35209900000000']) {
      await throwsCeir(() => imeiStatus(db, bad), 'CEIR_ERR_INVALID_IMEI');
    }
    assert.equal(parseImeiQuery(badLuhn(A0)).ok, true);
  });
});

test('imeiStatus: suspicious identifier shapes are listed with descriptions', async () => {
  const db = await freshDb();
  const shapes = async (v: string) => (await imeiStatus(db, v)).suspicious.map((x) => x.shape);
  assert.deepEqual(await shapes('00000000000000'), ['all_zeros']);
  assert.deepEqual(await shapes('77777777777777'), ['repeated_digit']);
  assert.deepEqual(await shapes('12345678901234'), ['ascending_run']);
  assert.deepEqual(await shapes('98765432109876'), ['descending_run']);
  assert.deepEqual(await shapes('00101234567890'), ['test_tac']);
  assert.deepEqual(await shapes('00441234567890'), ['test_tac']);
  assert.deepEqual(await shapes(imei15(A0)), []);
  const s = await imeiStatus(db, '00000000000000');
  assert.match(s.suspicious[0].description, /zero/);
});

test('imeiStatus with { mask: true } hides IMSI, MSISDN and national-ID digits; without it shows them', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    await seed(db, dir);
    const plain = await imeiStatus(db, imei15(A0));
    const masked = await imeiStatus(db, imei15(A0), { mask: true });
    assert.deepEqual(masked.pairings.map((p) => [p.imsi, p.msisdn]), [['99901********90', '99******001'], ['99902********90', '99******002']]);
    assert.deepEqual(masked.associations.map((a) => a.uid), ['NI*******', 'NI*******']);
    const text = JSON.stringify(masked);
    for (const p of plain.pairings) {
      assert.ok(!text.includes(p.imsi), 'no IMSI in clear');
      assert.ok(!text.includes(p.msisdn), 'no MSISDN in clear');
    }
    assert.ok(!text.includes('NID-12345'));
    // Everything else is the same.
    assert.deepEqual({ ...masked, pairings: [], associations: [] }, { ...plain, pairings: [], associations: [] });
    assert.equal(maskers.imsi('99901123456789'), '99901*******89');
    assert.equal(maskers.uid('NID-1'), 'NI***');
  });
});

test('maskers never give a value away, whatever its length, and keep its length', () => {
  const digits = '123456789012345';
  for (const [name, mask, max] of [['imsi', maskers.imsi, 15], ['msisdn', maskers.msisdn, 15], ['uid', maskers.uid, 64]] as const) {
    for (let n = 1; n <= max; n++) {
      const v = digits.repeat(5).slice(0, n);
      const m = mask(v);
      assert.equal(m.length, n, `${name} of length ${n}: ${m}`);
      assert.notEqual(m, v, `${name} of length ${n} shown in clear`);
      assert.ok(m.includes('*'), `${name} of length ${n}: ${m}`);
    }
  }
  assert.equal(maskers.msisdn('9912'), '****', 'a short MSISDN is hidden whole');
  assert.equal(maskers.uid('AB'), '**');
  assert.equal(maskers.msisdn('99100000001'), '99******001');
});

test('imeiStatus reads only current entries: a removed stolen report and pairing no longer show', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    await seed(db, dir);
    await impOk(db, 'stolen_list', await put(dir, 'd.csv', ['imei,reporting_date,status,change_type', `${imei15(A0)},,,remove`]), { delta: true });
    await impOk(db, 'pairing_list', await put(dir, 'p.csv', ['imei,imsi,msisdn,change_type', `${imei15(A0)},999011234567890,,remove`]), { delta: true });
    await impOk(db, 'registration_list', await put(dir, 'r.csv', [`${REG},change_type`, `${imei15(A1)},Acme,A1,whitelist,A1-X,Acme,Smartphone,LTE,dev-9,update`]), { delta: true });
    const s = await imeiStatus(db, imei15(A0));
    assert.equal(s.stolen, null);
    assert.deepEqual(s.pairings.map((p) => p.imsi), ['999021234567890']);
    assert.deepEqual(s.registration?.other_imeis, [A4], 'A1 moved to another device');
  });
});
