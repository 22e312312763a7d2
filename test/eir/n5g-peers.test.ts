/**
 * N5g-eir against real HTTP/2 peers: curl (prior knowledge and TLS with ALPN) and nghttp. The
 * tools must be installed: a missing one fails the test with the package to install.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startN5gServer, type N5gServer } from '../../src/eir/n5g.ts';
import { imeiKeyText, imsiText, type CheckAnswer, type EirChecker } from '../../src/eir/types.ts';
import { luhnCheckDigit } from '../../src/identity/luhn.ts';

const PATH = '/n5g-eir-eic/v1/equipment-status';
const W = '35209900176148';
const B = '35209900176155';
const U = '35209900176171';
const imei = (key: string) => `${key}${luhnCheckDigit(key)}`;
const dir = mkdtempSync(join(tmpdir(), 'ceir-n5g-peers-'));

const TOOLS: Record<string, string> = {
  curl: 'curl (Debian/Ubuntu: apt-get install curl; it must be built with HTTP/2 support)',
  nghttp: 'nghttp (Debian/Ubuntu: apt-get install nghttp2-client)',
  openssl: 'openssl (Debian/Ubuntu: apt-get install openssl)',
};

function requireTool(name: string): void {
  try {
    execFileSync(name, [name === 'openssl' ? 'version' : '--version'], { stdio: 'pipe' });
  } catch {
    assert.fail(`${name} is not installed; these tests need it: install ${TOOLS[name]}`);
  }
}

/** Run a peer without blocking the event loop (the server under test shares it). */
function run(cmd: string, args: string[], withStderr = false): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { encoding: 'utf8', timeout: 15_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(withStderr ? stdout + stderr : stdout);
    });
  });
}

const calls: { imei: string; imsi: string | undefined }[] = [];
const table: Record<string, CheckAnswer> = { [W]: 'WHITELISTED', [B]: 'BLACKLISTED' };
const checker: EirChecker = {
  check(imeiKey, imsi, imsiDigits) {
    const imei = imeiKeyText(imeiKey);
    calls.push({ imei, imsi: imsiText(imsi, imsiDigits) });
    return table[imei] ?? 'UNKNOWN';
  },
  observeLatency() {},
  peerChange() {},
};

let plain: N5gServer;
let secure: N5gServer;
let certFile: string;

before(async () => {
  for (const t of Object.keys(TOOLS)) requireTool(t);
  certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile,
      '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
    { stdio: 'pipe' },
  );
  plain = await startN5gServer({ host: '127.0.0.1', port: 0, checker });
  secure = await startN5gServer({ host: '127.0.0.1', port: 0, checker, tls: { certFile, keyFile } });
});
after(async () => {
  await plain?.close();
  await secure?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** curl's answer: body, then a last line "<status> <http version> <content type>". */
function split(out: string): { body: string; status: number; version: string; type: string } {
  const nl = out.lastIndexOf('\n');
  const [status, version, type] = out.slice(nl + 1).split(' ');
  return { body: out.slice(0, nl), status: Number(status), version, type };
}
const W_OUT = '\n%{http_code} %{http_version} %{content_type}';

test('curl --http2-prior-knowledge: statuses, unknown equipment and a bad pei', async () => {
  const base = `http://127.0.0.1:${plain.port}${PATH}`;
  const ok = split(await run('curl', ['-sS', '--http2-prior-knowledge', '-w', W_OUT, `${base}?pei=imei-${imei(B)}&supi=imsi-999011234567890`]));
  assert.deepEqual(ok, { body: '{"status":"BLACKLISTED"}', status: 200, version: '2', type: 'application/json' });
  assert.deepEqual(calls.at(-1), { imei: B, imsi: '999011234567890' });

  const unknown = split(await run('curl', ['-sS', '--http2-prior-knowledge', '-w', W_OUT, `${base}?pei=imeisv-${U}03`]));
  assert.equal(unknown.status, 404);
  assert.equal(unknown.type, 'application/problem+json');
  assert.equal(JSON.parse(unknown.body).cause, 'ERROR_EQUIPMENT_UNKNOWN');

  const bad = split(await run('curl', ['-sS', '--http2-prior-knowledge', '-w', W_OUT, `${base}?pei=imei-12`]));
  assert.equal(bad.status, 400);
  assert.equal(JSON.parse(bad.body).cause, 'MANDATORY_QUERY_PARAM_INCORRECT');

  const post = await run('curl', ['-sS', '--http2-prior-knowledge', '-i', '-X', 'POST', `${base}?pei=imei-${imei(W)}`]);
  assert.match(post, /^HTTP\/2 405/);
  assert.match(post, /^allow: GET\r?$/m);
});

test('nghttp (nghttp2-client) over cleartext HTTP/2', async () => {
  const url = `http://127.0.0.1:${plain.port}${PATH}?pei=imei-${imei(W)}`;
  assert.equal((await run('nghttp', [url])).trim(), '{"status":"WHITELISTED"}');
  const verbose = await run('nghttp', ['-v', url]);
  assert.match(verbose, /:status: 200/);
  assert.match(verbose, /content-type: application\/json/);
  const missing = await run('nghttp', ['-v', `http://127.0.0.1:${plain.port}${PATH}`]);
  assert.match(missing, /:status: 400/);
  assert.match(missing, /MANDATORY_QUERY_PARAM_MISSING/);
  // Several requests multiplexed on one connection.
  const many = await run('nghttp', ['-n', '-s', '-m', '20', url]);
  assert.match(many, /responseEnd/);
});

test('curl --http2 over TLS negotiates HTTP/2 (ALPN h2) with the self-signed certificate', async () => {
  const url = `https://localhost:${secure.port}${PATH}?pei=imei-${imei(B)}`;
  const r = split(await run('curl', ['-sS', '--http2', '--cacert', certFile, '--resolve', `localhost:${secure.port}:127.0.0.1`, '-w', W_OUT, url]));
  assert.deepEqual(r, { body: '{"status":"BLACKLISTED"}', status: 200, version: '2', type: 'application/json' });
  const verbose = await run('curl', ['-sS', '-v', '-o', '/dev/null', '--http2', '--cacert', certFile, '--resolve', `localhost:${secure.port}:127.0.0.1`, url], true);
  assert.match(verbose, /ALPN.*accepted.*h2|ALPN, server accepted to use h2/);
  assert.match(verbose, /SSL certificate verify ok/);
});

test('nghttp over TLS', async () => {
  const out = await run('nghttp', ['-v', `https://127.0.0.1:${secure.port}${PATH}?pei=imei-${imei(W)}`]);
  assert.match(out, /The negotiated protocol: h2/);
  assert.match(out, /\{"status":"WHITELISTED"\}/);
});
