/**
 * The truth file agrees with the reference lists: every IMEI seen that the stolen list lists with
 * a stolen status is labelled `stolen`, and no IMEI the reference data blocks (barred list,
 * stolen list, barred TAC; golden IMEIs excepted) carries a legitimate label. Labelling this way
 * changes only truth.csv: the reference and observation files are pinned to the hashes the
 * generator wrote before these labels existed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { normaliseImei } from '../../src/identity/imei.ts';
import { generateCountry, LEGIT_LABELS, type GenerateCountryOptions, type GeneratedCountry } from '../../src/generate/index.ts';
import { demoProfile, sha256, withTempDir } from './helpers.ts';

const profile = demoProfile();

type Config = Omit<GenerateCountryOptions, 'outDir' | 'profile'>;

/** The example of the bug report: seed 1, 5000 subscribers, both optional columns. */
const SEED1: Config = { seed: 1, subscribers: 5000, withLocation: true, withSoftwareVersion: true };
/** A small world (a roamer on a barred TAC there). */
const SMALL: Config = { seed: 3, subscribers: 300, models: 300, days: 5, withLocation: true, withSoftwareVersion: true };

/**
 * SHA-256 of every file but truth.csv, as written by the generator before the `stolen` label and
 * the legitimate-label filter (demo profile). A change here means the rows changed, not the truth.
 */
const PINNED: Record<string, Record<string, string>> = {
  SEED1: {
    'alpha_20260301_20260330.csv': '7a159aeaeddc2e9c6e4fe3279a778c9618a9c97c9061aeabd4617782106c4b86',
    'barred_list.csv': 'a9894699f2aec215280ed0be571baeae956da8e2ca23008dea1f7addb61c848f',
    'barred_tac_list.csv': '97c4149b40c0f18e3c4295b5b7cae7a9b3dbb2417d05d17eb513d1f847bf6465',
    'beta_20260301_20260330.csv': '2ce322f05951b23ec8afe8c3f812f9e30703b3c248e4164bd98735ad424f6d34',
    'cells.csv': '2cb0202166c8df14cb1b0770183557126a00b45c136fbb587e675dfdbc0ff36b',
    'device_association_list.csv': '31f3f838757b2af248ca4f5dbecc45211d7ceab35ad9a6173c5cf18cd5e3ca8a',
    'gamma_20260301_20260330.csv': 'eea977128f983b9fba6ed3ac1971a0ac74a14b15907dcb93ba56bdc51a2bb212',
    'golden_list.csv': '726b63f093f0669e2e2e56bf2cb3705598c27386e6482465df7e0ff2a39841dd',
    'gsma_tac.txt': '9f7e8ebf4680cc0530a78c8b771302c093c29602d092fc9a5b6eaaf515909b58',
    'monitoring_list.csv': '6b9e5a45c771083b8f5fe68cb4737eca342dc810b587cc5caf4bdedabaccf78d',
    'pairing_list.csv': 'd366c25d388a4e23bea0e7bbeb65c63da7d1fba2e9930b4be58f9c0f94ff1aea',
    'registration_list.csv': 'e3c11630a0d2ccb8057aeab96b602018e887aab32cdbc49a30af0cdc809e7f1c',
    'stolen_list.csv': '9e2b4ba26407f26f653cce500277c6468e857c398a52856eeeb1b263eb65e56c',
    'subscribers_registration_list.csv': 'f7bbbcae22c9a2a639144db45c8c105ee176a513a6b68cdf860658ebca29efb2',
  },
  SMALL: {
    'alpha_20260326_20260330.csv': '723b25a12fe7375e1875adfcdb446d4156025cac39bb7e5bd8e7cc9180d65b2f',
    'barred_list.csv': '55d6a8da636b764a7efa3e91ed298ff2c723f0c4a61850b0b8442155e6290731',
    'barred_tac_list.csv': '2ee8475f7da96da6a2b7226eabfbf6b64d48060561be2df13f52848d418f80fe',
    'beta_20260326_20260330.csv': 'bc106d3152bd9f255dd15ac5738b31b9b0436194e4a7ed8e09241bd0ba2d422c',
    'cells.csv': 'efff8a8611b904653c6f6aa7e97a4f6b9a696b316ddc29d97cf917a7c584bfeb',
    'device_association_list.csv': 'd8fe3ac6e22cabf5400da10b37ff5757cefb0ef9b440e38a08142b7790c0b349',
    'gamma_20260326_20260330.csv': 'af0cb8583002554c66ac7bfd3aa10613652cabf6489deca390a463aed5807120',
    'golden_list.csv': '8c78b70e5051f61277358f7632db5abcd1b9b3f49e5c9757ed52f891dd3a9dc0',
    'gsma_tac.txt': '1db3e698d799776ed3afea862e42006f5fef9534299f75751362e6cd81f3c435',
    'monitoring_list.csv': '31ac17e1df3759d73fb567c5ac5dfe1eeeea3905595116fde5592a8c526c3749',
    'pairing_list.csv': 'b8bb93c492c67b42f297cdd5a9cdec3815f30c7a8465e470b02b3dbc469092ad',
    'registration_list.csv': '3d4cc2b23c3934da96c5f70d8e615a3f66587e6c5b8433bafd1bf82002f54c3f',
    'stolen_list.csv': '8fe776839b6da0a1dfd3dbdfa3b1c812cc4aa6de1a99b39494bff6b4ca3dff65',
    'subscribers_registration_list.csv': '97de58aa6838e2bb238d385ed74da7b7fbbf4f145994bf1232b9e479dc540fd5',
  },
};

const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');
const dataRows = async (path: string): Promise<string[][]> => lines(await readFile(path, 'utf8')).slice(1).map((l) => l.split(','));
const isStolenStatus = (status: string): boolean => status === '' || status === 'blacklist';

interface Facts {
  /** IMEI key → first and last day seen (`YYYYMMDD`). */
  seen: Map<string, { first: string; last: string }>;
  labels: Map<string, Set<string>>;
  stolen: Map<string, { date: string; status: string }>;
  barred: Set<string>;
  golden: Set<string>;
  barredTacs: Set<string>;
}

async function facts(gen: GeneratedCountry): Promise<Facts> {
  const seen = new Map<string, { first: string; last: string }>();
  for (const f of gen.files) {
    for (const [date, raw] of await dataRows(f.path)) {
      const key = normaliseImei(raw);
      const s = seen.get(key);
      if (!s) seen.set(key, { first: date, last: date });
      else {
        if (date < s.first) s.first = date;
        if (date > s.last) s.last = date;
      }
    }
  }
  const labels = new Map<string, Set<string>>();
  for (const [imei, label] of await dataRows(gen.truth.path)) labels.set(label, (labels.get(label) ?? new Set()).add(imei));
  const keys = async (path: string): Promise<Set<string>> => new Set((await dataRows(path)).map((r) => r[0].slice(0, 14)));
  return {
    seen,
    labels,
    stolen: new Map((await dataRows(gen.reference.stolen_list.path)).map(([imei, date, status]) => [imei.slice(0, 14), { date, status }])),
    barred: await keys(gen.reference.barred_list.path),
    golden: await keys(gen.reference.golden_list.path),
    barredTacs: new Set((await dataRows(gen.reference.barred_tac_list.path)).map((r) => r[0])),
  };
}

/** Why the reference data blocks a key, or undefined (the golden list is never blocked). */
function blockedBy(F: Facts, key: string): string | undefined {
  if (F.golden.has(key)) return undefined;
  if (F.barred.has(key)) return 'barred list';
  const s = F.stolen.get(key);
  if (s && isStolenStatus(s.status)) return `stolen list (${s.status || 'empty'})`;
  return F.barredTacs.has(key.slice(0, 8)) ? 'barred TAC' : undefined;
}

function checkStolen(F: Facts, name: string): { before: number; after: number } {
  const want = [...F.seen.keys()].filter((k) => {
    const s = F.stolen.get(k);
    return s !== undefined && isStolenStatus(s.status);
  });
  const got = F.labels.get('stolen') ?? new Set<string>();
  for (const k of want) assert.ok(got.has(k), `${name}: ${k} seen, on the stolen list (${F.stolen.get(k)!.status || 'empty'}), not labelled stolen`);
  assert.deepEqual([...got].sort(), [...want].sort(), `${name}: stolen label on an IMEI not seen or not stolen-listed`);
  for (const k of F.labels.get('stolen_reappearing') ?? []) assert.ok(got.has(k), `${name}: ${k} stolen_reappearing but not stolen`);
  // Seen before the report (the owner, until the theft) and after it (a new SIM) both count.
  let before = 0;
  let after = 0;
  for (const k of want) {
    const { first, last } = F.seen.get(k)!;
    if (first < F.stolen.get(k)!.date) before++;
    if (last >= F.stolen.get(k)!.date) after++;
  }
  return { before, after };
}

function checkLegit(F: Facts, name: string): number {
  let legit = 0;
  for (const label of LEGIT_LABELS) {
    for (const k of F.labels.get(label) ?? []) {
      legit++;
      const why = blockedBy(F, k);
      assert.equal(why, undefined, `${name}: ${k} labelled ${label} but blocked by the ${why}`);
    }
  }
  return legit;
}

async function hashesBut(dir: string, except: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of (await readdir(dir)).sort()) if (f !== except) out[f] = await sha256(join(dir, f));
  return out;
}

test('seed 1 × 5000: every seen stolen-status IMEI is labelled stolen; no blocked IMEI is legitimate; rows unchanged', async () => {
  await withTempDir(async (tmp) => {
    const gen = await generateCountry({ outDir: tmp, profile, ...SEED1 });
    const F = await facts(gen);
    const { before, after } = checkStolen(F, 'seed 1');
    assert.ok(before >= 1, 'some stolen IMEIs seen before their report');
    assert.ok(after >= 1, 'some stolen IMEIs seen after their report');
    assert.ok(checkLegit(F, 'seed 1') > 100);
    // The reference data does block some devices that would otherwise be legitimate cases:
    // seen barred modules and a national roamer on a barred TAC (labelled before this fix).
    const blockedSeen = [...F.seen.keys()].filter((k) => blockedBy(F, k) !== undefined);
    assert.ok(blockedSeen.some((k) => F.barred.has(k)), 'a barred IMEI is seen');
    assert.ok(blockedSeen.some((k) => F.barredTacs.has(k.slice(0, 8))), 'an IMEI on a barred TAC is seen');
    // Pending reports are not stolen.
    const pending = [...F.seen.keys()].filter((k) => F.stolen.get(k)?.status === 'pending');
    for (const k of pending) assert.ok(!F.labels.get('stolen')!.has(k), `${k}: pending, labelled stolen`);
    assert.equal(gen.truth.labels.stolen, F.labels.get('stolen')!.size);
    assert.equal(gen.injected.stolen, 0);
    assert.deepEqual(await hashesBut(tmp, 'truth.csv'), PINNED.SEED1);
  });
});

test('small world and other seeds: the same two properties; rows unchanged; truth deterministic', async () => {
  await withTempDir(async (tmp) => {
    const small = await generateCountry({ outDir: join(tmp, 'small'), profile, ...SMALL });
    const F = await facts(small);
    checkStolen(F, 'small');
    checkLegit(F, 'small');
    assert.deepEqual(await hashesBut(join(tmp, 'small'), 'truth.csv'), PINNED.SMALL);
    const again = await generateCountry({ outDir: join(tmp, 'again'), profile, ...SMALL });
    assert.equal(await sha256(again.truth.path), await sha256(small.truth.path));

    const others: Config[] = [
      { seed: 7, subscribers: 1500, anomalyRate: 0.03 },
      { seed: 2, subscribers: 2000, days: 45, perMonthFiles: true },
      { seed: 11, subscribers: 3000, models: 800, anomalyRate: 0.1 },
    ];
    for (const [i, c] of others.entries()) {
      const gen = await generateCountry({ outDir: join(tmp, `o${i}`), profile, ...c });
      const G = await facts(gen);
      checkStolen(G, `seed ${c.seed}`);
      checkLegit(G, `seed ${c.seed}`);
    }
  });
});
