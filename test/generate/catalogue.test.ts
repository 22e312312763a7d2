import { test } from 'node:test';
import { isTestTac } from '../../src/identity/index.ts';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  buildCatalogue, catalogueLines, inReservedRange, testTac, unallocatedTac, writeCatalogue,
  GSMA_HEADER_LEGACY, GSMA_HEADER_MODERN, NOT_KNOWN,
} from '../../src/generate/catalogue.ts';
import { dayOf, parseGsmaDate } from '../../src/generate/format.ts';
import { Rng } from '../../src/generate/prng.ts';
import { duplicates, withTempDir } from './helpers.ts';

const cat = buildCatalogue(Rng.fromSeed(11), { models: 3000 });
const modernRows = [...catalogueLines(cat, 'modern')].map((l) => l.slice(0, -1).split('|'));
const col = (name: string) => GSMA_HEADER_MODERN.split('|').indexOf(name);

test('the catalogue has the asked number of models, with 1-6 TACs each', () => {
  assert.equal(cat.models.length, 3000);
  for (const m of cat.models) assert.ok(m.tacs.length >= 1 && m.tacs.length <= 6, `${m.modelName}: ${m.tacs.length}`);
  assert.ok(cat.models.some((m) => m.tacs.length >= 4), 'some models have several TACs');
  assert.equal(cat.tacs.length, cat.models.reduce((s, m) => s + m.tacs.length, 0));
});

test('TACs are 8 digits, unique, sorted, never test TACs, from realistic reporting bodies', () => {
  const tacs = cat.tacs.map((t) => t.tac);
  for (const tac of tacs) {
    assert.match(tac, /^\d{8}$/);
    assert.ok(!tac.startsWith('00'), `test TAC ${tac} in the catalogue`);
  }
  assert.deepEqual(duplicates(tacs), []);
  assert.deepEqual(tacs, [...tacs].sort());
  const bodies = new Map<string, number>();
  for (const t of tacs) bodies.set(t.slice(0, 2), (bodies.get(t.slice(0, 2)) ?? 0) + 1);
  assert.deepEqual([...bodies.keys()].sort(), ['01', '35', '49', '86', '99']);
  assert.ok(bodies.get('35')! > tacs.length * 0.3 && bodies.get('86')! > tacs.length * 0.2, JSON.stringify([...bodies]));
});

test('manufacturer + model name is unique per model and shared by its TACs in the file', () => {
  assert.deepEqual(duplicates(cat.models.map((m) => `${m.manufacturer}|${m.modelName}`)), []);
  const perModel = new Map<string, number>();
  for (const r of modernRows) perModel.set(`${r[1]}|${r[2]}`, (perModel.get(`${r[1]}|${r[2]}`) ?? 0) + 1);
  assert.equal(perModel.size, 3000);
  assert.ok([...perModel.values()].some((n) => n > 1));
});

test('allocation dates are DD-Mon-YYYY between 2005 and the last day', () => {
  const last = dayOf('2026-03-31');
  const years = new Set<number>();
  for (const r of modernRows) {
    const d = r[col('Allocation Date')];
    assert.match(d, /^\d{2}-(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)-\d{4}$/);
    const day = parseGsmaDate(d);
    assert.ok(day !== undefined, `not a date: ${d}`);
    assert.ok(day >= dayOf('2005-01-01') && day <= last, d);
    years.add(Number(d.slice(-4)));
  }
  assert.ok(years.has(2005) && years.has(2026) && years.size >= 20, [...years].join());
});

test('every line has the header\'s column count; device types and Not Known occur', () => {
  const n = GSMA_HEADER_MODERN.split('|').length;
  assert.equal(n, 23);
  for (const r of modernRows) assert.equal(r.length, n, r.join('|'));
  const types = new Set(modernRows.map((r) => r[col('Device Type')]));
  for (const t of ['Smartphone', 'Mobile Phone/Feature phone', 'Tablet', 'Modem', 'Module', 'WLAN Router', 'Wearable', 'Dongle', 'IoT Device']) {
    assert.ok(types.has(t), `missing device type ${t}`);
  }
  assert.ok(modernRows.some((r) => r[col('Marketing Name')] === NOT_KNOWN));
  assert.ok(modernRows.some((r) => r[col('Operating System')] === NOT_KNOWN));
  const makers = new Set(modernRows.map((r) => r[col('Brand Name')]));
  for (const b of ['Samsung', 'Apple', 'TECNO', 'itel', 'Nokia', 'Quectel', 'u-blox']) assert.ok(makers.has(b), b);
});

test('bands follow the device type and era', () => {
  const bands = col('Bands');
  const g5 = col('5G Bands');
  for (const r of modernRows.filter((r) => r[col('Device Type')] === 'Mobile Phone/Feature phone')) {
    assert.match(r[bands], /^GSM \d+(,GSM \d+)*$/, 'feature phones are 2G only');
    assert.ok(r[g5] === '' || r[g5] === NOT_KNOWN);
  }
  const phones = modernRows.filter((r) => r[col('Device Type')] === 'Smartphone');
  assert.ok(phones.some((r) => r[bands].includes('WCDMA') && !r[bands].includes('LTE')), 'some 2G/3G-only smartphones');
  const fiveG = phones.filter((r) => /^n\d+(,n\d+)*$/.test(r[g5]));
  assert.ok(fiveG.length > 50, `${fiveG.length} 5G phones`);
  for (const r of fiveG) assert.ok(Number(r[col('Allocation Date')].slice(-4)) >= 2019 && r[bands].includes('LTE'));
  const recent = phones.filter((r) => Number(r[col('Allocation Date')].slice(-4)) >= 2018);
  assert.ok(recent.filter((r) => r[bands].includes('LTE')).length > recent.length * 0.9, 'most recent smartphones are 4G');
});

test('written files carry the exact modern or legacy header', async () => {
  await withTempDir(async (dir) => {
    const modern = join(dir, 'm.txt');
    const legacy = join(dir, 'l.txt');
    assert.equal(await writeCatalogue(modern, cat, 'modern'), cat.tacs.length);
    assert.equal(await writeCatalogue(legacy, cat, 'legacy'), cat.tacs.length);
    const m = (await readFile(modern, 'utf8')).split('\n');
    const l = (await readFile(legacy, 'utf8')).split('\n');
    assert.equal(m[0], GSMA_HEADER_MODERN);
    assert.equal(l[0], GSMA_HEADER_LEGACY);
    assert.ok(l[0].startsWith('TAC|Manufacturer|Model Name|Bands|Allocation Date|Device Type|'));
    assert.equal(m.length, cat.tacs.length + 2); // header + rows + trailing empty string
    const legacyCols = GSMA_HEADER_LEGACY.split('|').length;
    assert.ok(l.slice(1, -1).every((line) => line.split('|').length === legacyCols));
    // 5G capability survives in the legacy generation as NR bands.
    const m5g = cat.models.filter((x) => x.capability.has5g).length;
    assert.ok(m5g > 0 && l.some((line) => line.includes('NR BAND n')));
  });
});

test('test TACs and unallocated TACs for counterfeit cases', () => {
  const r = Rng.fromSeed(99);
  for (let i = 0; i < 500; i++) {
    const t = testTac(r);
    assert.match(t, /^00(10(0[1-9]|1[0-7])\d{2}|(44|86|91)\d{4})$/);
    assert.ok(isTestTac(t), t);
    const u = unallocatedTac(r, cat);
    assert.match(u, /^\d{8}$/);
    assert.ok(!cat.byTac.has(u) && !inReservedRange(u), u);
  }
});

test('same seed gives the same catalogue, another seed a different one', () => {
  const again = [...catalogueLines(buildCatalogue(Rng.fromSeed(11), { models: 3000 }))].join('');
  assert.equal(again, modernRows.map((r) => r.join('|') + '\n').join(''));
  const other = [...catalogueLines(buildCatalogue(Rng.fromSeed(12), { models: 3000 }))].join('');
  assert.notEqual(other, again);
  assert.throws(() => buildCatalogue(Rng.fromSeed(1), { models: 0 }), RangeError);
});
