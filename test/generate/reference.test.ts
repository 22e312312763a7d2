import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { luhnValid } from '../../src/identity/luhn.ts';
import { generateReference, type GeneratedReference } from '../../src/generate/index.ts';
import { LIST_HEADERS, LIST_NAMES } from '../../src/generate/reference-lists.ts';
import { GSMA_HEADER_LEGACY, GSMA_HEADER_MODERN } from '../../src/generate/catalogue.ts';
import { demoProfile, duplicates, readCsv, sha256, withTempDir } from './helpers.ts';

const profile = demoProfile();

async function hashes(ref: GeneratedReference): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, f] of Object.entries(ref.files)) out[name] = await sha256(f.path);
  return out;
}

test('same seed → byte-identical files; another seed → different files', async () => {
  await withTempDir(async (dir) => {
    const a = await hashes(await generateReference({ outDir: `${dir}/a`, profile, seed: 5 }));
    const b = await hashes(await generateReference({ outDir: `${dir}/b`, profile, seed: 5 }));
    const c = await hashes(await generateReference({ outDir: `${dir}/c`, profile, seed: 6 }));
    assert.equal(Object.keys(a).length, 10);
    assert.deepEqual(a, b);
    for (const name of ['gsma_tac', 'registration_list', 'stolen_list', 'pairing_list', 'subscribers_registration_list']) {
      assert.notEqual(a[name], c[name], `${name} should depend on the seed`);
    }
  });
});

test('all files are written with exact headers and the reported row counts', async () => {
  await withTempDir(async (dir) => {
    const ref = await generateReference({ outDir: dir, profile, seed: 1 });
    const names = (await readdir(dir)).sort();
    assert.deepEqual(names, ['gsma_tac.txt', ...LIST_NAMES.map((n) => `${n}.csv`)].sort());
    const gsma = (await readFile(ref.files.gsma_tac.path, 'utf8')).split('\n');
    assert.equal(gsma[0], GSMA_HEADER_MODERN);
    assert.equal(gsma.length - 2, ref.files.gsma_tac.rows);
    for (const name of LIST_NAMES) {
      const { header, rows } = await readCsv(ref.files[name].path);
      assert.equal(header, LIST_HEADERS[name], name);
      assert.equal(rows.length, ref.files[name].rows, name);
      assert.ok(rows.length > 0, `${name} is empty`);
      assert.ok(rows.every((r) => r.length === header.split(',').length), `${name}: column count`);
    }
    assert.equal(LIST_HEADERS.registration_list, 'approved_imei,make,model,status,model_number,brand_name,device_type,radio_interface,device_id');
    assert.equal(LIST_HEADERS.stolen_list, 'imei,reporting_date,status');
  });
});

test('every IMEI is 15 digits with a valid Luhn digit, from a catalogue TAC, unique per list', async () => {
  await withTempDir(async (dir) => {
    const ref = await generateReference({ outDir: dir, profile, seed: 3 });
    const tacs = ref.world.catalogue.byTac;
    const imeiColumn = { registration_list: 0, stolen_list: 0, pairing_list: 0, golden_list: 0, barred_list: 0, monitoring_list: 0, device_association_list: 1 } as const;
    for (const [name, c] of Object.entries(imeiColumn)) {
      const { rows } = await readCsv(ref.files[name as keyof typeof imeiColumn].path);
      const imeis = rows.map((r) => r[c]);
      for (const imei of imeis) {
        assert.ok(luhnValid(imei), `${name}: ${imei} is not a Luhn-valid 15-digit IMEI`);
        assert.ok(tacs.has(imei.slice(0, 8)), `${name}: ${imei} has no catalogue TAC`);
      }
      assert.deepEqual(duplicates(imeis), [], `${name}: duplicate IMEIs`);
    }
    const keyed = { subscribers_registration_list: (r: string[]) => r[1], barred_tac_list: (r: string[]) => r[0], pairing_list: (r: string[]) => `${r[0]}|${r[1]}` };
    for (const [name, key] of Object.entries(keyed)) {
      const { rows } = await readCsv(ref.files[name as keyof typeof keyed].path);
      assert.deepEqual(duplicates(rows.map(key)), [], `${name}: duplicate keys`);
    }
    const barredTacs = (await readCsv(ref.files.barred_tac_list.path)).rows.map((r) => r[0]);
    assert.ok(barredTacs.every((t) => tacs.has(t)));
  });
});

test('registration list: statuses, dual-SIM device_ids group exactly 2 IMEIs of one model', async () => {
  await withTempDir(async (dir) => {
    const ref = await generateReference({ outDir: dir, profile, seed: 4 });
    const { rows } = await readCsv(ref.files.registration_list.path);
    const statuses = new Map<string, number>();
    const groups = new Map<string, string[][]>();
    for (const r of rows) {
      statuses.set(r[3], (statuses.get(r[3]) ?? 0) + 1);
      assert.match(r[8], /^DEV\d{6,}$/);
      groups.set(r[8], [...(groups.get(r[8]) ?? []), r]);
    }
    assert.deepEqual([...statuses.keys()].sort(), ['', 'provisional', 'whitelist']);
    assert.ok(statuses.get('provisional')! < rows.length * 0.15);
    const byId = new Map(ref.world.devices.map((d) => [d.deviceId, d]));
    let pairs = 0;
    for (const [id, g] of groups) {
      const device = byId.get(id)!;
      assert.equal(g.length, device.model.imeiQuantity, `${id}: ${g.length} IMEIs`);
      if (g.length === 2) {
        pairs++;
        assert.notEqual(g[0][0], g[1][0]);
        assert.deepEqual(g[0].slice(1), g[1].slice(1), `${id}: both rows describe the same device`);
      }
      assert.deepEqual(g.map((r) => r[0]), device.imeis);
      assert.equal(g[0][4], device.model.modelName);
      assert.equal(g[0][6], device.model.deviceType);
    }
    assert.ok(pairs > 100, `${pairs} dual-SIM devices`);
  });
});

test('stolen, pairing and subscriber data follow the profile', async () => {
  await withTempDir(async (dir) => {
    const ref = await generateReference({ outDir: dir, profile, seed: 8, subscribers: 3000 });
    assert.equal(ref.world.subscribers.length, 3000);
    const stolen = (await readCsv(ref.files.stolen_list.path)).rows;
    for (const [, date, status] of stolen) {
      assert.match(date, /^20(2[4-6])(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$/);
      assert.ok(['', 'blacklist', 'pending'].includes(status), status);
    }
    const prefixes = profile.operators.flatMap((o) => o.mcc_mnc);
    const checkSub = (imsi: string, msisdn: string) => {
      assert.match(imsi, /^\d{15}$/);
      assert.ok(prefixes.some((p) => imsi.startsWith(p)), `IMSI ${imsi} of no operator`);
      assert.match(msisdn, /^\d{8,15}$/);
      assert.ok(profile.country.calling_codes.some((c) => msisdn.startsWith(c)), msisdn);
    };
    for (const [, imsi, msisdn] of (await readCsv(ref.files.pairing_list.path)).rows) checkSub(imsi, msisdn);
    for (const s of ref.world.subscribers) checkSub(s.imsi, s.msisdn);
    assert.deepEqual(duplicates(ref.world.subscribers.map((s) => s.msisdn)), []);
    const ops = new Set(ref.world.subscribers.map((s) => s.operator.id));
    assert.deepEqual([...ops].sort(), profile.operators.map((o) => o.id).sort());
    // Association links a national ID to a device one of its SIMs uses.
    const used = new Set(ref.world.subscribers.flatMap((s) => s.devices.flatMap((d) => ref.world.devices[d].imeis.map((i) => `${s.uid}|${i}`))));
    const assoc = (await readCsv(ref.files.device_association_list.path)).rows;
    assert.ok(assoc.length > 0 && assoc.every(([uid, imei]) => used.has(`${uid}|${imei}`)));
    // A flagged device is on one list only: no stolen IMEI is golden.
    const golden = new Set((await readCsv(ref.files.golden_list.path)).rows.map((r) => r[0]));
    assert.ok(stolen.every(([imei]) => !golden.has(imei)));
  });
});

test('legacy header generation and size options', async () => {
  await withTempDir(async (dir) => {
    const ref = await generateReference({ outDir: dir, profile, seed: 2, models: 200, subscribers: 50, headerGeneration: 'legacy' });
    const first = (await readFile(ref.files.gsma_tac.path, 'utf8')).split('\n', 1)[0];
    assert.equal(first, GSMA_HEADER_LEGACY);
    assert.equal(ref.world.catalogue.models.length, 200);
    assert.equal(ref.world.subscribers.length, 50);
    for (const name of LIST_NAMES) assert.ok(ref.files[name].rows > 0, `${name} empty in a small world`);
  });
});
