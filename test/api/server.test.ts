import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/server.ts';
import { importList } from '../../src/reference/importer.ts';
import type { ListKind } from '../../src/reference/lists.ts';
import { demoProfile, freshDb } from '../helpers/store.ts';

const dir = mkdtempSync(join(tmpdir(), 'ceir-api-'));
let app: FastifyInstance;

const FILES: [ListKind, string, string][] = [
  ['gsma_tac', 'tac.txt', 'TAC|Manufacturer (or) Applicant|Model Name|Marketing Name|Brand Name|Allocation Date|Device Type|Bands|5G Bands|Secret Column\n35209900|Acme Inc|X1|Acme One|Acme|05-Mar-2019|Smartphone|GSM 900,LTE FDD BAND 3|Not Known|kept\n35209901|Acme Inc|X1|Acme One|Acme|05-Mar-2020|Smartphone|GSM 900|n78|\n'],
  ['stolen_list', 'stolen.csv', 'imei,reporting_date,status\n352099001761481,20240105,\n'],
  ['pairing_list', 'pairing.csv', 'imei,imsi,msisdn\n352099001761481,999011234567890,99912345678\n'],
];

before(async () => {
  const db = await freshDb();
  for (const [kind, name, content] of FILES) {
    writeFileSync(join(dir, name), content);
    const r = await importList(db, { kind, file: join(dir, name), profile: demoProfile() });
    assert.equal(r.status, 'imported', JSON.stringify(r.problems));
  }
  app = await buildApi({ db, profile: demoProfile() });
});
after(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('GET /healthz', async () => {
  const r = await app.inject({ url: '/healthz' });
  assert.equal(r.statusCode, 200);
  assert.equal(r.json().status, 'ok');
  assert.equal(r.json().country, 'Demoland');
});

test('GET /v1/tac/{tac} gives the catalogue entry and the model capability over its TACs', async () => {
  const r = await app.inject({ url: '/v1/tac/35209900' });
  assert.equal(r.statusCode, 200);
  const t = r.json();
  assert.equal(t.manufacturer, 'Acme Inc');
  assert.equal(t.bands_5g, null, '"Not Known" is stored as missing');
  assert.deepEqual(t.rats, ['2G', '4G']);
  assert.deepEqual(t.model_rats, ['2G', '4G', '5G'], 'the other TAC of the model brings 5G');
  assert.equal(t.model_tacs, 2);
  assert.deepEqual(t.extra, { 'Secret Column': 'kept' });
});

test('GET /v1/imei/{imei} is the reference status, with other people\'s data masked', async () => {
  const r = await app.inject({ url: '/v1/imei/352099001761481' });
  assert.equal(r.statusCode, 200);
  const s = r.json();
  assert.equal(s.imei_norm, '35209900176148');
  assert.equal(s.stolen.stolen, true);
  assert.equal(s.stolen.reporting_date, '2024-01-05');
  assert.equal(s.catalogue.model_name, 'X1');
  assert.equal(s.pairings.length, 1);
  assert.equal(s.pairings[0].imsi, '99901********90');
  assert.equal(s.pairings[0].msisdn, '99******678');
  assert.ok(!JSON.stringify(s).includes('1234567890'), 'the full IMSI never leaves the server');
});

test('errors are problem documents with stable codes', async () => {
  const bad = await app.inject({ url: '/v1/imei/12ab' });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.headers['content-type'] as string, /application\/problem\+json/);
  assert.equal(bad.json().code, 'CEIR_ERR_INVALID_IMEI');
  const unknown = await app.inject({ url: '/v1/tac/12345678' });
  assert.equal(unknown.statusCode, 404);
  assert.equal(unknown.json().code, 'CEIR_ERR_NOT_FOUND');
  const badTac = await app.inject({ url: '/v1/tac/12' });
  assert.equal(badTac.statusCode, 400);
  assert.equal(badTac.json().code, 'CEIR_ERR_INVALID_TAC');
  const noRoute = await app.inject({ url: '/v2/nothing' });
  assert.equal(noRoute.statusCode, 404);
  assert.equal(noRoute.json().code, 'CEIR_ERR_NOT_FOUND');
});
