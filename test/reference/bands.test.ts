import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RAT, ratMaskFromBands, ratNames } from '../../src/reference/bands.ts';

const gens = (bands: string | null, bands5g: string | null = null) => ratNames(ratMaskFromBands(bands, bands5g));

test('4G keywords: LTE, CA_, DC_, WiMAX, UMB', () => {
  for (const b of ['LTE FDD BAND 3', 'LTE TDD BAND 40', 'CA_3A-7A', 'DC_1A-3A', 'WiMAX', 'UMB', 'lte band 20', 'WIMAX 2500']) {
    assert.deepEqual(gens(b), ['4G'], b);
  }
  assert.equal(ratMaskFromBands('LTE', null), RAT.G4);
});

test('3G keywords: WCDMA, HSPA, UMTS, EVDO, CDMA2000, TD-SCDMA', () => {
  for (const b of ['WCDMA FDD Band I', 'HSPA+', 'HSPA', 'UMTS 2100', 'EVDO Rev A', 'CDMA2000', 'TD-SCDMA', 'umts']) {
    assert.deepEqual(gens(b), ['3G'], b);
  }
});

test('2G keywords: GSM, GPRS, EDGE, a standalone CDMA', () => {
  for (const b of ['GSM 900', 'GSM1800', 'GPRS', 'EDGE', 'CDMA 800', ' CDMA ', 'CDMA', 'GSM850,CDMA']) {
    assert.deepEqual(gens(b), ['2G'], b);
  }
});

test('CDMA inside CDMA2000, WCDMA or TD-SCDMA is not 2G', () => {
  assert.deepEqual(gens('CDMA2000 1x'), ['3G']);
  assert.deepEqual(gens('WCDMA'), ['3G']);
  assert.deepEqual(gens('TD-SCDMA'), ['3G']);
  assert.equal(ratMaskFromBands('CDMA2000', null) & RAT.G2, 0);
  // ...but a standalone CDMA next to CDMA2000 still is.
  assert.deepEqual(gens('CDMA 800,CDMA2000'), ['2G', '3G']);
});

test('5G: a non-empty 5G Bands column, or NR in Bands', () => {
  assert.deepEqual(gens('GSM 900', 'n78'), ['2G', '5G']);
  assert.deepEqual(gens(null, 'n1,n3,n78'), ['5G']);
  assert.deepEqual(gens('LTE', '   '), ['4G'], 'a blank 5G Bands is not 5G');
  assert.deepEqual(gens('LTE', ''), ['4G']);
  assert.deepEqual(gens('LTE FDD BAND 1,NR BAND n78'), ['4G', '5G']);
  assert.deepEqual(gens('NR'), ['5G']);
  assert.deepEqual(gens('5G NR n41'), ['5G']);
  // NR only as a word: not inside other words.
  assert.deepEqual(gens('GSM,HENRY,CORNER'), ['2G']);
});

test('a multi-technology Bands string is the union of its generations', () => {
  const b = 'GSM850,GSM900,DCS1800,PCS1900,WCDMA FDD Band I,LTE FDD BAND 1,LTE FDD BAND 3';
  assert.deepEqual(gens(b), ['2G', '3G', '4G']);
  assert.deepEqual(gens(b, 'n78'), ['2G', '3G', '4G', '5G']);
  assert.equal(ratMaskFromBands(b, 'n78'), RAT.G2 | RAT.G3 | RAT.G4 | RAT.G5);
});

test('nothing recognised, or nothing at all, is no capability', () => {
  assert.equal(ratMaskFromBands(null, null), 0);
  assert.equal(ratMaskFromBands('', null), 0);
  assert.equal(ratMaskFromBands('Not Known', null), 0);
  assert.equal(ratMaskFromBands('Bluetooth,WLAN 802.11', null), 0);
  assert.deepEqual(ratNames(0), []);
});

test('ratNames maps every bit in generation order', () => {
  assert.deepEqual(ratNames(RAT.G5 | RAT.G2), ['2G', '5G']);
  assert.deepEqual(ratNames(15), ['2G', '3G', '4G', '5G']);
  assert.deepEqual(ratNames(RAT.G3), ['3G']);
});
