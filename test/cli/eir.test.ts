/**
 * `ceir eir` as an operator runs it: on a lists folder, verified with the CEIR's public key, told
 * of a new version by SIGHUP; and its refusals (usage, no version, a version failing verification).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { luhnCheckDigit } from '../../src/identity/luhn.ts';
import { buildCountry, K, STATES } from '../lists/fixture.ts';
import { classifyFixture, ENGINE, freshDb, lists, testKey, withTempDir } from '../lists/helpers.ts';
import { ceir, ceirServer, cliEnv } from '../helpers/cli.ts';
import { waitUntil } from '../helpers/wait.ts';

const curl = async (url: string) => JSON.parse((await promisify(execFile)('curl', ['-s', '--http2-prior-knowledge', url])).stdout) as { status: string };

test(`[${ENGINE}] ceir eir serves a lists folder, follows a new version on SIGHUP, and refuses what it cannot trust`, async (t) => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    await buildCountry(db, dir);
    const key = await testKey();
    const out = join(dir, 'lists');
    await lists(db, { out, key });
    const pub = join(dir, 'ceir.pub.pem');
    writeFileSync(pub, key.publicPem);
    const { env } = cliEnv('eir');

    await t.test('usage errors exit 2, no list version exits 1', () => {
      assert.equal(ceir(env, 'eir', '--policy', 'strict', '--lists', out, '--public-key', pub).code, 2);
      assert.equal(ceir(env, 'eir', '--operator', 'delta', '--lists', out, '--public-key', pub).code, 2);
      assert.equal(ceir(env, 'eir', '--http2', '70000', '--lists', out, '--public-key', pub).code, 2);
      const empty = join(dir, 'empty');
      mkdirSync(empty);
      const r = ceir(env, 'eir', '--lists', empty, '--public-key', pub, '--http2', '0');
      assert.equal(r.code, 1);
      assert.match(r.stderr, /no list version/);
    });

    await t.test('serves, and swaps to a new version when told (SIGHUP)', async () => {
      const eir = await ceirServer(env, /EIR serving list version/, 'eir', '--lists', out, '--public-key', pub, '--http2', '0', '--diameter', '0', '--no-record');
      try {
        const port = /N5g-eir \(HTTP\/2, prior knowledge\) on http:\/\/[^:]+:(\d+)\//.exec(eir.output())![1];
        assert.match(eir.output(), /EIR Diameter S13 on \S+:\d+ \(TCP\)/);
        const url = (imei: string) => `http://127.0.0.1:${port}/n5g-eir-eic/v1/equipment-status?pei=imei-${imei}${luhnCheckDigit(imei)}`;
        assert.equal((await curl(url(K[1]))).status, 'BLACKLISTED');
        await classifyFixture(db, '2025-03-02', STATES.filter((s) => !(s.imei === K[1] && s.cond === 'stolen')));
        await lists(db, { out, key });
        process.kill(eir.pid, 'SIGHUP');
        let status = '';
        await waitUntil(async () => (status = (await curl(url(K[1]))).status) === 'WHITELISTED', { timeoutMs: 10_000, everyMs: 100 });
        assert.equal(status, 'WHITELISTED', 'K1 released in version 2');
        assert.match(eir.output(), /serving list version 2 .*deltas applied to 1/);
      } finally {
        await eir.stop();
      }
    });

    await t.test('a newest version failing verification is refused at start: exit 3, naming the file', () => {
      appendFileSync(join(out, '2', 'blocklist', 'blacklist.csv'), `${K[12]},20250101,forged\n`);
      const r = ceir(env, 'eir', '--lists', out, '--public-key', pub, '--http2', '0');
      assert.equal(r.code, 3);
      assert.match(r.stderr, /blacklist\.csv/);
    });
  });
});
