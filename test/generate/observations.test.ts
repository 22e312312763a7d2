import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normaliseImei } from '../../src/identity/imei.ts';
import { isTestTac, suspiciousShapes } from '../../src/identity/suspicious.ts';
import { ratMaskFromBands } from '../../src/reference/bands.ts';
import { dayOf, parseGsmaDate } from '../../src/generate/format.ts';
import {
  ANOMALY_LABELS, CELLS_HEADER, CLONE_MIN_KM, countryPeriod, distanceKm, generateCountry, generateObservationFile,
  LEGIT_LABELS, modelSvns, observationHeader, OBSERVATION_HEADER, RAT_CODES, TRUTH_HEADER, TRUTH_LABELS,
  type GeneratedCountry,
} from '../../src/generate/index.ts';
import { malformedImei, planObservations } from '../../src/generate/observation-plan.ts';
import { Rng } from '../../src/generate/prng.ts';
import { buildWorld } from '../../src/generate/world.ts';
import { demoProfile, duplicates, sha256, withTempDir } from './helpers.ts';

const profile = demoProfile();

// ---------------------------------------------------------------- reading what was written

interface Row {
  op: string;
  file: string;
  date: string;
  raw: string;
  key: string;
  imsi: string;
  msisdn: string;
  rat: string;
  cell?: string;
  svn?: string;
}

interface TacInfo {
  model: string;
  type: string;
  allocation: string;
  /** Capability bitmask by the DIRBS band rule (1 = 2G, 2 = 3G, 4 = 4G, 8 = 5G). */
  mask: number;
}

interface Country {
  gen: GeneratedCountry;
  rows: Row[];
  byKey: Map<string, Row[]>;
  truth: { imei: string; label: string; detail: string }[];
  labels: Map<string, Set<string>>;
  tacs: Map<string, TacInfo>;
  registration: Map<string, { status: string; deviceId: string }>;
  stolen: Map<string, { date: string; status: string }>;
  pairing: Set<string>;
  cells: Map<string, [number, number]>;
}

const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');

async function csvRows(path: string): Promise<string[][]> {
  return lines(await readFile(path, 'utf8')).slice(1).map((l) => l.split(','));
}

/** Generation bit of a RAT code (0 for non-cellular codes). */
function ratBit(code: string): number {
  if (['002', '104'].includes(code)) return 1;
  if (['001', '005', '102', '103'].includes(code)) return 2;
  if (['006', '008', '009', '101', '105'].includes(code)) return 4;
  if (code === '010') return 8;
  return 0;
}

const isoCompact = (gsma: string): string => {
  const day = parseGsmaDate(gsma);
  assert.ok(day !== undefined, gsma);
  return new Date(day * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
};

async function load(gen: GeneratedCountry): Promise<Country> {
  const rows: Row[] = [];
  const withLoc = gen.cells !== undefined;
  for (const f of gen.files) {
    const text = lines(await readFile(f.path, 'utf8'));
    const header = text[0].split(',');
    for (const l of text.slice(1)) {
      const v = l.split(',');
      assert.equal(v.length, header.length, `${f.path}: ${l}`);
      const r: Row = { op: f.operator, file: f.path, date: v[0], raw: v[1], key: normaliseImei(v[1]), imsi: v[2], msisdn: v[3], rat: v[4] };
      if (header.includes('cell_id')) r.cell = v[header.indexOf('cell_id')];
      if (header.includes('svn')) r.svn = v[header.indexOf('svn')];
      rows.push(r);
    }
  }
  const byKey = new Map<string, Row[]>();
  for (const r of rows) byKey.set(r.key, [...(byKey.get(r.key) ?? []), r]);
  const truth = (await csvRows(gen.truth.path)).map(([imei, label, detail]) => ({ imei, label, detail }));
  const labels = new Map<string, Set<string>>();
  for (const t of truth) labels.set(t.label, (labels.get(t.label) ?? new Set()).add(t.imei));
  const tacs = new Map<string, TacInfo>();
  const gsma = lines(await readFile(gen.reference.gsma_tac.path, 'utf8'));
  const h = gsma[0].split('|');
  const col = (name: string): number => h.indexOf(name);
  const missing = (v: string): string | null => (v === '' || v.toLowerCase() === 'not known' ? null : v);
  for (const l of gsma.slice(1)) {
    const v = l.split('|');
    tacs.set(v[0], {
      model: `${v[col('Manufacturer (or) Applicant')]}|${v[col('Model Name')]}`,
      type: v[col('Device Type')],
      allocation: isoCompact(v[col('Allocation Date')]),
      mask: ratMaskFromBands(missing(v[col('Bands')]), missing(v[col('5G Bands')])),
    });
  }
  const registration = new Map((await csvRows(gen.reference.registration_list.path)).map((r) => [r[0].slice(0, 14), { status: r[3], deviceId: r[8] }]));
  const stolen = new Map((await csvRows(gen.reference.stolen_list.path)).map((r) => [r[0].slice(0, 14), { date: r[1], status: r[2] }]));
  const pairing = new Set((await csvRows(gen.reference.pairing_list.path)).map((r) => `${r[0].slice(0, 14)}|${r[1]}`));
  const cells = new Map<string, [number, number]>();
  if (withLoc) for (const [id, lat, lon] of await csvRows(gen.cells!.path)) cells.set(id, [Number(lat), Number(lon)]);
  return { gen, rows, byKey, truth, labels, tacs, registration, stolen, pairing, cells };
}

const imsisOf = (rs: Row[]): Set<string> => new Set(rs.map((r) => r.imsi));
const byDate = (rs: Row[]): Map<string, Row[]> => {
  const m = new Map<string, Row[]>();
  for (const r of rs) m.set(r.date, [...(m.get(r.date) ?? []), r]);
  return m;
};
const labelled = (c: Country, label: string): string[] => [...(c.labels.get(label) ?? [])];
const has = (c: Country, key: string, label: string): boolean => c.labels.get(label)?.has(key) ?? false;
const registered = (c: Country, key: string): boolean => {
  const r = c.registration.get(key);
  return r !== undefined && (r.status === '' || r.status === 'whitelist');
};

// ---------------------------------------------------------------- one country for the property tests

let dir = '';
let C: Country;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'openceir-obs-'));
  const gen = await generateCountry({ outDir: dir, profile, seed: 7, subscribers: 1500, withLocation: true, withSoftwareVersion: true, anomalyRate: 0.03 });
  C = await load(gen);
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------- tests

test('same seed → byte-identical files; another seed → different; per-month files split the same rows', async () => {
  await withTempDir(async (tmp) => {
    const opts = { profile, subscribers: 400, models: 400, start: '20260120', days: 25, withLocation: true, withSoftwareVersion: true };
    const a = await generateCountry({ ...opts, outDir: join(tmp, 'a'), seed: 3 });
    await generateCountry({ ...opts, outDir: join(tmp, 'b'), seed: 3 });
    const c = await generateCountry({ ...opts, outDir: join(tmp, 'c'), seed: 4 });
    const m = await generateCountry({ ...opts, outDir: join(tmp, 'm'), seed: 3, perMonthFiles: true });
    const names = (await readdir(join(tmp, 'a'))).sort();
    assert.deepEqual((await readdir(join(tmp, 'b'))).sort(), names);
    assert.ok(names.includes('truth.csv') && names.includes('cells.csv') && names.includes('gsma_tac.txt'));
    for (const n of names) assert.equal(await sha256(join(tmp, 'a', n)), await sha256(join(tmp, 'b', n)), n);
    for (const f of a.files) {
      const other = c.files.find((x) => x.operator === f.operator)!;
      assert.notEqual(await sha256(f.path), await sha256(other.path), `${f.operator} should depend on the seed`);
    }
    // One file per operator per month: Jan 20-31 and Feb 1-13; together, the same rows in the same order.
    assert.deepEqual(m.files.map((f) => `${f.operator}:${f.from}-${f.to}`).sort(), profile.operators.flatMap((o) => [`${o.id}:20260120-20260131`, `${o.id}:20260201-20260213`]).sort());
    for (const op of profile.operators) {
      const whole = lines(await readFile(a.files.find((f) => f.operator === op.id)!.path, 'utf8'));
      const parts = m.files.filter((f) => f.operator === op.id).sort((x, y) => (x.from < y.from ? -1 : 1));
      const joined: string[] = [];
      for (const p of parts) {
        const pl = lines(await readFile(p.path, 'utf8'));
        assert.equal(pl[0], whole[0]);
        assert.equal(pl.length - 1, p.rows);
        joined.push(...pl.slice(1));
      }
      assert.deepEqual(joined, whole.slice(1), op.id);
    }
    assert.equal(await sha256(m.truth.path), await sha256(a.truth.path));
    // Reference files are exactly generateReference's for the same world.
    assert.equal(a.asOf, '2026-02-14');
  });
});

test('the optional columns only add columns: the same rows with or without them', async () => {
  await withTempDir(async (tmp) => {
    const opts = { profile, seed: 12, subscribers: 300, models: 300, days: 6 };
    const bare = await generateCountry({ ...opts, outDir: join(tmp, 'bare') });
    const full = await generateCountry({ ...opts, outDir: join(tmp, 'full'), withLocation: true, withSoftwareVersion: true });
    for (const f of bare.files) {
      const a = lines(await readFile(f.path, 'utf8')).slice(1);
      const b = lines(await readFile(full.files.find((x) => x.operator === f.operator)!.path, 'utf8')).slice(1);
      assert.ok(a.length > 100);
      assert.deepEqual(b.map((l) => l.split(',').slice(0, 5).join(',')), a, f.operator);
    }
    const strip = (g: GeneratedCountry): Record<string, number> => ({ ...g.truth.labels, unknown_software_version: 0 });
    assert.deepEqual(strip(full), strip(bare));
    assert.ok(full.truth.labels.unknown_software_version > 0);
  });
});

test('file names, headers and reported counts are exact', async () => {
  const { gen } = C;
  assert.equal(gen.start, '20260301');
  assert.equal(gen.end, '20260330');
  assert.equal(gen.asOf, '2026-03-31');
  const names = (await readdir(dir)).filter((n) => /_\d{8}_\d{8}\.csv$/.test(n)).sort();
  assert.deepEqual(names, profile.operators.map((o) => `${o.id}_20260301_20260330.csv`).sort());
  assert.equal(observationHeader({ withLocation: true, withSoftwareVersion: true }), 'date,imei,imsi,msisdn,rat,cell_id,svn');
  assert.equal(observationHeader(), OBSERVATION_HEADER);
  assert.equal(OBSERVATION_HEADER, 'date,imei,imsi,msisdn,rat');
  for (const f of gen.files) {
    const text = lines(await readFile(f.path, 'utf8'));
    assert.equal(text[0], 'date,imei,imsi,msisdn,rat,cell_id,svn');
    assert.equal(text.length - 1, f.rows, f.path);
    assert.ok(f.rows > 1000, `${f.path}: ${f.rows} rows`);
  }
  assert.equal(gen.rows, C.rows.length);
  assert.equal(lines(await readFile(gen.truth.path, 'utf8'))[0], TRUTH_HEADER);
  assert.equal(lines(await readFile(gen.cells!.path, 'utf8'))[0], CELLS_HEADER);
  assert.equal(gen.truth.rows, C.truth.length);
  for (const l of TRUTH_LABELS) assert.equal(gen.truth.labels[l], labelled(C, l).length, l);

  await withTempDir(async (tmp) => {
    const plain = await generateCountry({ outDir: tmp, profile, seed: 2, subscribers: 100, models: 300, days: 3 });
    for (const f of plain.files) assert.equal(lines(await readFile(f.path, 'utf8'))[0], 'date,imei,imsi,msisdn,rat');
    assert.equal(plain.cells, undefined);
    assert.ok(!(await readdir(tmp)).includes('cells.csv'));
    assert.equal(plain.truth.labels.unknown_software_version, 0, 'no software version, no unknown version');
  });
});

test('rows: dates in the file period and in order, clean keys, valid RATs, unique per day', () => {
  const files = new Map<string, Row[]>();
  for (const r of C.rows) files.set(r.file, [...(files.get(r.file) ?? []), r]);
  assert.equal(files.size, profile.operators.length);
  const malformed = new Set(labelled(C, 'malformed'));
  assert.ok(malformed.size > 0);
  const prefixes = profile.operators.flatMap((o) => o.mcc_mnc);
  let foreign = 0;
  for (const [file, rs] of files) {
    const [, from, to] = /_(\d{8})_(\d{8})\.csv$/.exec(file)!;
    let prev = '';
    for (const r of rs) {
      assert.match(r.date, /^\d{8}$/);
      assert.ok(r.date >= from && r.date <= to, `${r.date} outside ${from}-${to}`);
      assert.ok(r.date >= prev, `${file}: ${r.date} after ${prev}`);
      prev = r.date;
      if (!malformed.has(r.key)) assert.match(r.key, /^\d{14}$/, `unlabelled malformed IMEI ${r.raw}`);
      else assert.doesNotMatch(r.key, /^\d{14}$/);
      assert.match(r.raw, /^[0-9A-Za-z]{8,16}$/);
      const codes = r.rat.split('|');
      assert.ok(codes.every((c) => RAT_CODES.includes(c)), r.rat);
      assert.deepEqual([...codes].sort(), codes, `RAT list not in order: ${r.rat}`);
      assert.deepEqual(duplicates(codes), []);
      assert.match(r.imsi, /^\d{14,15}$/);
      assert.match(r.msisdn, /^\d{8,15}$/);
      assert.match(r.svn!, /^\d{2}$/);
      assert.notEqual(r.svn, '99');
      assert.ok(C.cells.has(r.cell!), `unknown cell ${r.cell}`);
      if (!prefixes.some((p) => r.imsi.startsWith(p))) foreign++;
    }
    assert.deepEqual(duplicates(rs.map((r) => `${r.date}|${r.raw}|${r.imsi}|${r.msisdn}`)), [], file);
    assert.deepEqual(duplicates(rs.map((r) => `${r.date}|${r.key}|${r.imsi}|${r.msisdn}`)), [], file);
  }
  // Roamers exist but stay far below the quality gates (10% / 20%).
  assert.ok(foreign > 0 && foreign < C.rows.length * 0.05, `${foreign} roaming rows`);
  // Operators write the IMEI differently (15 digits with Luhn, 14 digits, a spare 0), all normalising to one key.
  const lengths = new Set(C.rows.filter((r) => !malformed.has(r.key)).map((r) => `${r.op}:${r.raw.length}`));
  assert.ok(lengths.has('alpha:15') && lengths.has('beta:14') && lengths.has('gamma:15'), [...lengths].join());
});

test('realistic behaviour: most subscribers seen on most days, one device each', () => {
  const days = new Map<string, Set<string>>();
  for (const r of C.rows) days.set(r.imsi, (days.get(r.imsi) ?? new Set()).add(r.date));
  const counts = [...days.values()].map((s) => s.size).sort((a, b) => a - b);
  const median = counts[Math.floor(counts.length / 2)];
  assert.ok(median >= 24, `median days seen ${median}`);
  const imeisPerImsi = new Map<string, Set<string>>();
  for (const r of C.rows) imeisPerImsi.set(r.imsi, (imeisPerImsi.get(r.imsi) ?? new Set()).add(r.key));
  const one = [...imeisPerImsi.values()].filter((s) => s.size === 1).length;
  assert.ok(one > imeisPerImsi.size * 0.9, `${one}/${imeisPerImsi.size} subscribers with one device`);
  const changers = [...imeisPerImsi.values()].filter((s) => s.size === 2).length;
  assert.ok(changers > 0, 'some subscribers change phones');
});

test('every label is present, once per (imei, label), sorted, and legitimate cases outnumber nothing odd', () => {
  for (const l of TRUTH_LABELS) assert.ok(labelled(C, l).length > 0, `no ${l} in truth.csv`);
  assert.deepEqual(duplicates(C.truth.map((t) => `${t.imei}|${t.label}`)), []);
  const sorted = [...C.truth].sort((a, b) => (a.imei < b.imei ? -1 : a.imei > b.imei ? 1 : a.label < b.label ? -1 : 1));
  assert.deepEqual(C.truth, sorted);
  for (const t of C.truth) {
    assert.ok((TRUTH_LABELS as readonly string[]).includes(t.label), t.label);
    assert.ok(C.byKey.has(t.imei), `${t.imei} (${t.label}) never observed`);
  }
  // Injected anomalies stay a few percent of the IMEIs seen (unregistered world devices aside).
  const injected = new Set(C.truth.filter((t) => (ANOMALY_LABELS as readonly string[]).includes(t.label) && t.label !== 'unregistered_import').map((t) => t.imei));
  assert.ok(injected.size < C.byKey.size * 0.06, `${injected.size} of ${C.byKey.size}`);
  assert.equal(LEGIT_LABELS.length + ANOMALY_LABELS.length, TRUTH_LABELS.length);
});

test('cloned: 6-20 IMSIs, two at once in distant cities, owner registered, some paired', () => {
  const keys = labelled(C, 'cloned');
  assert.ok(keys.length >= 3);
  let paired = 0;
  for (const k of keys) {
    const rs = C.byKey.get(k)!;
    const n = imsisOf(rs).size;
    assert.ok(n >= 6 && n <= 20, `${k}: ${n} IMSIs`);
    const together = [...byDate(rs).values()].filter((d) => imsisOf(d).size >= 2);
    assert.ok(together.length >= 2, `${k}: ${together.length} days with 2+ IMSIs`);
    // Time/distance conflicts: on most such days two of its users are ≥ 300 km apart.
    const far = together.filter((d) => d.some((a) => d.some((b) => {
      const [la, lo] = C.cells.get(a.cell!)!;
      const [lb, lob] = C.cells.get(b.cell!)!;
      return a.imsi !== b.imsi && distanceKm(la, lo, lb, lob) >= CLONE_MIN_KM;
    })));
    assert.ok(far.length >= together.length * 0.6, `${k}: in distant places on ${far.length} of ${together.length} days`);
    assert.ok(registered(C, k), `${k}: the owner's IMEI is not registered`);
    if ([...imsisOf(rs)].some((imsi) => C.pairing.has(`${k}|${imsi}`))) paired++;
  }
  assert.ok(paired >= 1, 'some clones have a pairing for the legitimate subscriber');
});

test('no unlabelled IMEI looks duplicated; family phones and dual-SIM phones stay under the thresholds', () => {
  const dup = new Set([...labelled(C, 'cloned'), ...labelled(C, 'transient_imei')]);
  for (const [k, rs] of C.byKey) {
    if (dup.has(k)) continue;
    const n = imsisOf(rs).size;
    assert.ok(n < 5, `${k}: ${n} IMSIs but not labelled cloned/transient`);
    // DIRBS duplicate_daily_avg: sum over days of distinct IMSIs / days seen
    const perDay = [...byDate(rs).values()].map((d) => imsisOf(d).size);
    assert.ok(perDay.reduce((a, b) => a + b, 0) / perDay.length < 2, `${k}: daily average ≥ 2`);
  }
  const family = labelled(C, 'family_shared');
  assert.ok(family.length >= 5);
  for (const k of family) {
    const rs = C.byKey.get(k)!;
    assert.equal(imsisOf(rs).size, 2, k);
    for (const [date, d] of byDate(rs)) assert.equal(imsisOf(d).size, 1, `${k}: two SIMs on ${date}`);
  }
  const dual = labelled(C, 'dual_sim');
  assert.ok(dual.length >= 10);
  const world = C.gen.world;
  const deviceOf = new Map(world.devices.flatMap((d) => d.imeis.map((i) => [i.slice(0, 14), d] as const)));
  let twoOps = 0;
  for (const k of dual) {
    const d = deviceOf.get(k)!;
    assert.equal(d.imeis.length, 2, k);
    const [a, b] = d.imeis.map((i) => i.slice(0, 14));
    assert.ok(has(C, a, 'dual_sim') && has(C, b, 'dual_sim'), `${d.deviceId}: both IMEIs labelled`);
    const ia = imsisOf(C.byKey.get(a)!);
    const ib = imsisOf(C.byKey.get(b)!);
    assert.equal(ia.size, 1);
    assert.equal(ib.size, 1);
    assert.notDeepEqual(ia, ib, 'two SIMs');
    if (C.registration.has(a)) assert.equal(C.registration.get(a)!.deviceId, C.registration.get(b)!.deviceId);
    const opsA = new Set(C.byKey.get(a)!.map((r) => r.op));
    const opsB = new Set(C.byKey.get(b)!.map((r) => r.op));
    if ([...opsA].some((o) => !opsB.has(o))) twoOps++;
  }
  assert.ok(twoOps > 0, 'some dual-SIM phones use two operators');
});

test('a malformed raw IMEI never normalises to a well-formed key, whatever the draws', () => {
  // Hex digits drawn over the letter could leave 14 digits first (21 of the 1 277 malformed
  // IMEIs of a 1 M-subscriber country): a 'malformed' label on a well-formed key.
  const rng = Rng.fromSeed(7);
  for (let i = 0; i < 20_000; i++) {
    const raw = malformedImei(rng);
    assert.doesNotMatch(normaliseImei(raw), /^\d{14}$/, raw);
  }
});

test('TAC anomalies: counterfeit, test TAC, suspicious shape, malformed, seen before allocation', () => {
  for (const k of labelled(C, 'counterfeit')) {
    assert.match(k, /^\d{14}$/);
    assert.ok(!C.tacs.has(k.slice(0, 8)), `${k}: TAC is in the catalogue`);
  }
  for (const k of labelled(C, 'test_tac')) {
    assert.ok(isTestTac(k.slice(0, 8)), k);
    assert.ok(suspiciousShapes(k).includes('test_tac'));
  }
  for (const t of C.truth.filter((x) => x.label === 'suspicious_shape')) {
    assert.ok((suspiciousShapes(t.imei) as string[]).includes(t.detail), `${t.imei}: ${t.detail}`);
  }
  for (const k of labelled(C, 'malformed')) {
    assert.doesNotMatch(k, /^\d{14}$/);
    for (const r of C.byKey.get(k)!) assert.equal(normaliseImei(r.raw), k);
  }
  // Every 14-digit IMEI whose TAC is unknown is labelled counterfeit (so detection can be scored).
  for (const k of C.byKey.keys()) {
    if (/^\d{14}$/.test(k) && !C.tacs.has(k.slice(0, 8))) assert.ok(has(C, k, 'counterfeit'), `${k}: unknown TAC, not labelled`);
  }
  const sba = labelled(C, 'seen_before_allocation');
  assert.ok(sba.length >= 1);
  for (const [k, rs] of C.byKey) {
    const tac = C.tacs.get(k.slice(0, 8));
    if (!tac) continue;
    const first = rs.reduce((m, r) => (r.date < m ? r.date : m), '99999999');
    if (has(C, k, 'seen_before_allocation')) assert.ok(first < tac.allocation, `${k}: first ${first}, allocated ${tac.allocation}`);
    else assert.ok(first >= tac.allocation, `${k}: seen ${first} before allocation ${tac.allocation} but not labelled`);
  }
});

test('RAT: inconsistent_rat uses a generation the model lacks; nothing else does; IoT modules on LPWAN', () => {
  const inconsistent = labelled(C, 'inconsistent_rat');
  assert.ok(inconsistent.length >= 1);
  for (const [k, rs] of C.byKey) {
    const tac = C.tacs.get(k.slice(0, 8));
    if (!tac) continue;
    const used = rs.reduce((m, r) => r.rat.split('|').reduce((mm, c) => mm | ratBit(c), m), 0);
    const outside = used & ~tac.mask;
    if (has(C, k, 'inconsistent_rat')) {
      assert.equal(tac.mask & 12, 0, `${k}: model is 4G/5G capable`);
      assert.ok(outside & 4, `${k}: no 4G RAT used`);
    } else {
      assert.equal(outside, 0, `${k} (${tac.model}): RAT mask ${used} outside capability ${tac.mask}`);
    }
  }
  const iot = labelled(C, 'iot');
  assert.ok(iot.length >= 5);
  let lpwan = 0;
  for (const k of iot) {
    const tac = C.tacs.get(k.slice(0, 8))!;
    assert.ok(['Module', 'IoT Device'].includes(tac.type), tac.type);
    const rs = C.byKey.get(k)!;
    if (rs.some((r) => /00[89]/.test(r.rat))) lpwan++;
  }
  assert.ok(lpwan > 0, 'some IoT modules on NB-IoT / LTE-M');
  const iotDays = iot.map((k) => new Set(C.byKey.get(k)!.map((r) => r.date)).size).sort((a, b) => a - b);
  assert.ok(iotDays[Math.floor(iotDays.length / 2)] >= 25, 'IoT modules report on most days');
});

test('transient IMEI: one operator, several new MSISDNs a day, in arithmetic progression', () => {
  const keys = labelled(C, 'transient_imei');
  assert.ok(keys.length >= 1);
  for (const k of keys) {
    const rs = C.byKey.get(k)!;
    assert.equal(new Set(rs.map((r) => r.op)).size, 1);
    const msisdns = [...new Set(rs.map((r) => r.msisdn))].map(Number).sort((a, b) => a - b);
    const days = byDate(rs);
    assert.ok(msisdns.length / days.size >= 2, 'at least 2 MSISDNs a day on average');
    const step = msisdns[1] - msisdns[0];
    assert.ok(step > 0);
    for (let i = 1; i < msisdns.length; i++) assert.equal(msisdns[i] - msisdns[i - 1], step, `${k}: not an arithmetic progression`);
    // every MSISDN on one day only: a new SIM every day
    const first = new Map<number, string>();
    for (const r of rs) {
      const d = first.get(Number(r.msisdn));
      assert.ok(d === undefined || d === r.date);
      first.set(Number(r.msisdn), r.date);
    }
  }
});

test('lists: stolen phones reappear with a new SIM, imports are unregistered, clones registered', () => {
  const world = C.gen.world;
  const owners = new Map<string, Set<string>>();
  for (const s of world.subscribers) for (const d of s.devices) for (const i of world.devices[d].imeis) owners.set(i.slice(0, 14), (owners.get(i.slice(0, 14)) ?? new Set()).add(s.imsi));
  const stolen = labelled(C, 'stolen_reappearing');
  assert.ok(stolen.length >= 1);
  for (const k of stolen) {
    const e = C.stolen.get(k);
    assert.ok(e, `${k} not on the stolen list`);
    assert.ok(e.status === '' || e.status === 'blacklist', e.status);
    const after = C.byKey.get(k)!.filter((r) => r.date > e.date);
    assert.ok(after.some((r) => !owners.get(k)!.has(r.imsi)), `${k}: no new SIM after the theft`);
  }
  // A stolen phone is never seen with its owner's SIM after the report.
  for (const [k, e] of C.stolen) {
    for (const r of C.byKey.get(k) ?? []) if (r.date >= e.date) assert.ok(!owners.get(k)?.has(r.imsi), `${k}: owner still uses it after the report`);
  }
  const unreg = labelled(C, 'unregistered_import');
  assert.ok(unreg.some((k) => !owners.has(k)), 'injected imports');
  const exempt = new Set(profile.exempted_device_types);
  for (const k of unreg) {
    const tac = C.tacs.get(k.slice(0, 8));
    assert.ok(tac, `${k}: not a catalogue TAC`);
    assert.ok(!registered(C, k), `${k} is registered`);
    assert.ok(!exempt.has(tac.type));
  }
  // ...and every seen, unregistered, non-exempt home device is labelled.
  const roamers = new Set([...labelled(C, 'roamer_international'), ...labelled(C, 'roamer_national')]);
  for (const k of C.byKey.keys()) {
    const tac = C.tacs.get(k.slice(0, 8));
    if (tac && !registered(C, k) && !exempt.has(tac.type) && !roamers.has(k)) assert.ok(has(C, k, 'unregistered_import'), `${k} unregistered, unlabelled`);
  }
});

test('software version: unknown versions are never used by other handsets of the model', () => {
  const unknown = labelled(C, 'unknown_software_version');
  assert.ok(unknown.length >= 1);
  const byModel = new Map<string, Map<string, Set<string>>>(); // model → svn → keys
  for (const r of C.rows) {
    const tac = C.tacs.get(r.key.slice(0, 8));
    if (!tac) continue;
    const m = byModel.get(tac.model) ?? new Map<string, Set<string>>();
    m.set(r.svn!, (m.get(r.svn!) ?? new Set()).add(r.key));
    byModel.set(tac.model, m);
  }
  for (const k of unknown) {
    const m = byModel.get(C.tacs.get(k.slice(0, 8))!.model)!;
    const mine = new Set(C.byKey.get(k)!.map((r) => r.svn!));
    for (const svn of mine) assert.deepEqual([...m.get(svn)!], [k], `${k}: svn ${svn} shared with other handsets`);
  }
  // Everyone else runs one of the model's own versions.
  const models = new Map(C.gen.world.catalogue.tacs.map((t) => [t.tac, t.model]));
  for (const r of C.rows) {
    const model = models.get(r.key.slice(0, 8));
    if (!model || has(C, r.key, 'unknown_software_version')) continue;
    assert.ok(modelSvns(model).includes(r.svn!), `${r.key}: svn ${r.svn}`);
  }
});

test('roamers: foreign MCC and calling code; national roamers on a non-participating MNC', () => {
  const prefixes = profile.operators.flatMap((o) => o.mcc_mnc);
  const intl = labelled(C, 'roamer_international');
  assert.ok(intl.length >= 5);
  for (const k of intl) {
    for (const r of C.byKey.get(k)!) {
      assert.ok(!profile.country.mcc.includes(r.imsi.slice(0, 3)), r.imsi);
      assert.ok(!profile.country.calling_codes.some((cc) => r.msisdn.startsWith(cc)), r.msisdn);
    }
  }
  const national = labelled(C, 'roamer_national');
  assert.ok(national.length >= 1);
  for (const k of national) {
    for (const r of C.byKey.get(k)!) {
      assert.ok(profile.country.mcc.includes(r.imsi.slice(0, 3)), r.imsi);
      assert.ok(!prefixes.some((p) => r.imsi.startsWith(p)), `${r.imsi} belongs to an operator`);
      assert.ok(profile.country.calling_codes.some((cc) => r.msisdn.startsWith(cc)));
    }
  }
  // Home subscribers' IMSIs belong to the operator whose file they are in.
  const roam = new Set([...intl, ...national]);
  for (const r of C.rows) {
    if (roam.has(r.key)) continue;
    const op = profile.operators.find((o) => o.id === r.op)!;
    assert.ok(op.mcc_mnc.some((p) => r.imsi.startsWith(p)), `${r.imsi} in ${r.op}'s file`);
  }
});

test('anomaly rate is configurable; zero injects none', async () => {
  await withTempDir(async (tmp) => {
    const base = { profile, seed: 5, subscribers: 800, models: 500, days: 10 };
    const none = await generateCountry({ ...base, outDir: join(tmp, 'none'), anomalyRate: 0 });
    const many = await generateCountry({ ...base, outDir: join(tmp, 'many'), anomalyRate: 0.1 });
    for (const l of ANOMALY_LABELS) {
      assert.equal(none.injected[l], 0, l);
      // the world's own unregistered devices, and its stolen-listed ones seen before their report
      if (l === 'unregistered_import' || l === 'stolen') continue;
      assert.equal(none.truth.labels[l], 0, l);
    }
    const sum = (g: GeneratedCountry): number => ANOMALY_LABELS.reduce((s, l) => s + g.injected[l], 0);
    assert.ok(sum(many) >= 70, `${sum(many)} anomalies at 10%`);
    assert.ok(many.truth.labels.cloned > none.truth.labels.cloned);
    await assert.rejects(generateCountry({ ...base, outDir: join(tmp, 'bad'), anomalyRate: 2 }), RangeError);
  });
});

test('period and asOf: the world is always after the last observation day', () => {
  assert.deepEqual(countryPeriod({}), { start: dayOf('2026-03-01'), end: dayOf('2026-03-30'), asOf: dayOf('2026-03-31') });
  const p = countryPeriod({ start: '20250110', days: 5 });
  assert.equal(p.end - p.start, 4);
  assert.equal(p.asOf, p.end + 1);
  assert.throws(() => countryPeriod({ start: '20260330', days: 5, asOf: '2026-04-02' }), RangeError);
  assert.throws(() => countryPeriod({ start: '2026-03-30' }), RangeError);
  assert.throws(() => countryPeriod({ days: 0 }), RangeError);
  const world = buildWorld({ profile, seed: 1, subscribers: 20, models: 100 });
  assert.throws(() => planObservations(world, { start: world.asOfDay - 3, end: world.asOfDay }), RangeError);
});

test('bulk observation file: exactly N rows, date order, repetition, unique per day, deterministic', async () => {
  await withTempDir(async (tmp) => {
    const opts = { seed: 9, operatorMccMnc: '99902', start: '20260227', days: 7 };
    const res = await generateObservationFile(join(tmp, 'a.csv'), 20_003, opts);
    assert.equal(res.rows, 20_003);
    assert.equal(res.from, '20260227');
    assert.equal(res.to, '20260305');
    const text = lines(await readFile(join(tmp, 'a.csv'), 'utf8'));
    assert.equal(text[0], OBSERVATION_HEADER);
    const rows = text.slice(1).map((l) => l.split(','));
    assert.equal(rows.length, 20_003);
    let prev = '';
    const perDay = new Map<string, number>();
    const daysOf = new Map<string, number>();
    for (const [date, imei, imsi, msisdn, rat] of rows) {
      assert.ok(date >= prev);
      prev = date;
      assert.ok(date >= res.from && date <= res.to);
      assert.match(imei, /^\d{15}$/);
      assert.ok(imsi.startsWith('99902') && imsi.length === 15, imsi);
      assert.ok(msisdn.startsWith('99'), msisdn);
      assert.ok(rat.split('|').every((c) => RAT_CODES.includes(c)), rat);
      perDay.set(date, (perDay.get(date) ?? 0) + 1);
      daysOf.set(imsi, (daysOf.get(imsi) ?? 0) + 1);
    }
    assert.deepEqual([...perDay.keys()], ['20260227', '20260228', '20260301', '20260302', '20260303', '20260304', '20260305']);
    assert.ok([...perDay.values()].every((n) => n === 2857 || n === 2858), [...perDay.values()].join());
    assert.deepEqual(duplicates(rows.map((r) => `${r[0]}|${r[1]}|${r[2]}|${r[3]}`)), []);
    assert.equal(daysOf.size, res.subscribers);
    const mean = rows.length / daysOf.size;
    assert.ok(mean >= 5 && mean <= 7, `each subscriber on ${mean.toFixed(2)} of 7 days`);
    await generateObservationFile(join(tmp, 'b.csv'), 20_003, opts);
    assert.equal(await sha256(join(tmp, 'a.csv')), await sha256(join(tmp, 'b.csv')));
    await generateObservationFile(join(tmp, 'c.csv'), 20_003, { ...opts, seed: 10 });
    assert.notEqual(await sha256(join(tmp, 'a.csv')), await sha256(join(tmp, 'c.csv')));
    const zero = await generateObservationFile(join(tmp, 'z.csv'), 0, opts);
    assert.equal(zero.rows, 0);
    assert.equal(await readFile(join(tmp, 'z.csv'), 'utf8'), OBSERVATION_HEADER + '\n');
    const tiny = await generateObservationFile(join(tmp, 't.csv'), 3, opts);
    assert.equal(lines(await readFile(tiny.path, 'utf8')).length - 1, 3);
    await assert.rejects(generateObservationFile(join(tmp, 'x.csv'), -1, opts), RangeError);
    await assert.rejects(generateObservationFile(join(tmp, 'x.csv'), 10, { ...opts, start: '2026-02-27' }), RangeError);
  });
});
