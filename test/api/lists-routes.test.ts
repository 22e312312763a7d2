import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildApi } from '../../src/api/server.ts';
import { buildCountry } from '../lists/fixture.ts';
import { ENGINE, freshDb, lists, profileWith, testKey, withTempDir } from '../lists/helpers.ts';

test(`[${ENGINE}] GET /v1/lists serves the signed list versions, behind a token when one is set`, async (t) => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    await buildCountry(db, dir);
    const key = await testKey();
    const out = join(dir, 'out');
    await lists(db, { out, key, now: new Date('2025-03-01T06:00:00Z') });
    await lists(db, { out, key, now: new Date('2025-03-02T06:00:00Z') });
    const open = await buildApi({ db, profile: profileWith(), lists: { dir: out } });
    const closed = await buildApi({ db, profile: profileWith(), lists: { dir: out, token: 's3cret' } });
    try {
      await t.test('the versions, newest last, with their base and folders', async () => {
        const r = await open.inject({ url: '/v1/lists' });
        assert.equal(r.statusCode, 200);
        const body = r.json() as { latest: number; versions: { version: number; base_version: number | null; folders: string[] }[] };
        assert.equal(body.latest, 2);
        assert.deepEqual(body.versions.map((v) => [v.version, v.base_version]), [[1, null], [2, 1]]);
        assert.deepEqual(body.versions[1].folders, ['alpha', 'beta', 'blocklist', 'eir', 'gamma']);
      });

      await t.test('one version: each folder\'s files', async () => {
        const r = await open.inject({ url: '/v1/lists/2' });
        assert.equal(r.statusCode, 200);
        assert.ok((r.json() as { files: Record<string, string[]> }).files.blocklist.includes('manifest.jws'));
      });

      await t.test('a file, byte for byte, with its type and an immutable cache lifetime', async () => {
        const r = await open.inject({ url: '/v1/lists/1/blocklist/blacklist.csv' });
        assert.equal(r.statusCode, 200);
        assert.equal(r.headers['content-type'], 'text/csv; charset=utf-8');
        assert.match(String(r.headers['cache-control']), /immutable/);
        assert.equal(r.body, readFileSync(join(out, '1', 'blocklist', 'blacklist.csv'), 'utf8'));
        const jws = await open.inject({ url: '/v1/lists/1/alpha/manifest.jws' });
        assert.equal(jws.headers['content-type'], 'application/jose');
      });

      await t.test('unknown versions and files are 404, bad names 400, problem documents', async () => {
        for (const [url, status] of [['/v1/lists/9', 404], ['/v1/lists/1/alpha/nope.csv', 404], ['/v1/lists/x', 400], ['/v1/lists/1/..%2F..%2Fetc/passwd', 400], ['/v1/lists/1/.hidden/manifest.json', 400]] as const) {
          const r = await open.inject({ url });
          assert.equal(r.statusCode, status, url);
          assert.equal(r.headers['content-type'], 'application/problem+json; charset=utf-8', url);
        }
      });

      await t.test('with a token: 401 without it or with another, 200 with it', async () => {
        assert.equal((await closed.inject({ url: '/v1/lists' })).statusCode, 401);
        assert.equal((await closed.inject({ url: '/v1/lists/1/blocklist/blacklist.csv', headers: { authorization: 'Bearer wrong!' } })).statusCode, 401);
        const r = await closed.inject({ url: '/v1/lists/1/blocklist/blacklist.csv', headers: { authorization: 'Bearer s3cret' } });
        assert.equal(r.statusCode, 200);
        assert.equal((await closed.inject({ url: '/v1/lists' })).json().code, 'CEIR_ERR_UNAUTHORIZED');
      });
    } finally {
      await open.close();
      await closed.close();
    }
  });
});
