import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { ceirServer, cliEnv } from '../helpers/cli.ts';
import { waitUntil } from '../helpers/wait.ts';

// What `npm start` runs: the demo country is generated, imported, and served.
test('ceir demo loads the demo country and serves the API on a printed port', async () => {
  const { env } = cliEnv('demo');
  const server = await ceirServer(env, /equipment checks:/, 'demo', '--port', '0', '--eir-http2', '0', '--eir-diameter', '0');
  try {
    const out = server.output();
    const base = /listening on (http:\/\/\S+)/.exec(out)![1];
    assert.match(out, /gsma_tac from gsma_tac\.txt \(plain, full\): imported/);
    assert.match(out, /stolen_list from stolen_list\.csv \(plain, full\): imported/);
    const health = await fetch(`${base}/healthz`);
    assert.equal(health.status, 200);
    const stolen = /curl \S+\/v1\/imei\/(\d{14})\s+\(a stolen phone\)/.exec(out);
    assert.ok(stolen, `the banner names a stolen phone:\n${out}`);
    const s = (await (await fetch(`${base}/v1/imei/${stolen[1]}`)).json()) as { stolen: { stolen: boolean } };
    assert.equal(s.stolen.stolen, true);

    // The EIR runs on the demo's lists: each printed curl line gives the answer it announces.
    // The banner is printed as the last line is written: wait for its three check lines.
    const checkLines = () => [...server.output().matchAll(/^\s+curl --http2-prior-knowledge '([^']+)'\s+\([^:]+: (\w+)\)$/gm)];
    await waitUntil(() => checkLines().length >= 3);
    const checks = checkLines();
    assert.deepEqual(checks.map((c) => c[2]), ['BLACKLISTED', 'GREYLISTED', 'WHITELISTED'], server.output());
    for (const [, url, want] of checks) {
      const { stdout } = await promisify(execFile)('curl', ['-s', '--http2-prior-knowledge', url]);
      assert.deepEqual(JSON.parse(stdout), { status: want }, url);
    }
  } finally {
    await server.stop();
  }
  // A second start finds the data already there and does not load it again.
  const again = await ceirServer(env, /listening on (http:\/\/\S+)/, 'demo', '--port', '0', '--no-eir');
  try {
    assert.doesNotMatch(again.output(), /loading the demo country/);
  } finally {
    await again.stop();
  }
});
