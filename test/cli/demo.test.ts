import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ceirServer, cliEnv } from '../helpers/cli.ts';

// What `npm start` runs: the demo country is generated, imported, and served.
test('ceir demo loads the demo country and serves the API on a printed port', async () => {
  const { env } = cliEnv('demo');
  const server = await ceirServer(env, /listening on (http:\/\/\S+)/, 'demo', '--port', '0');
  try {
    const base = server.match[1];
    const out = server.output();
    assert.match(out, /gsma_tac from gsma_tac\.txt \(plain, full\): imported/);
    assert.match(out, /stolen_list from stolen_list\.csv \(plain, full\): imported/);
    const health = await fetch(`${base}/healthz`);
    assert.equal(health.status, 200);
    const stolen = /curl \S+\/v1\/imei\/(\d{14})\s+\(a stolen phone\)/.exec(out);
    assert.ok(stolen, `the banner names a stolen phone:\n${out}`);
    const s = (await (await fetch(`${base}/v1/imei/${stolen[1]}`)).json()) as { stolen: { stolen: boolean } };
    assert.equal(s.stolen.stolen, true);
  } finally {
    await server.stop();
  }
  // A second start finds the data already there and does not load it again.
  const again = await ceirServer(env, /listening on (http:\/\/\S+)/, 'demo', '--port', '0');
  try {
    assert.doesNotMatch(again.output(), /loading the demo country/);
  } finally {
    await again.stop();
  }
});
