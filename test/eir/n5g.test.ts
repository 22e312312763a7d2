import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http2, { type ClientHttp2Session, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import tls from 'node:tls';
import { startN5gServer, type N5gServer, type N5gServerOptions } from '../../src/eir/n5g.ts';
import { createBearerVerifier } from '../../src/eir/oauth.ts';
import { imeiKeyText, imsiText, svnText, type CheckAnswer, type CheckInterface, type EirChecker } from '../../src/eir/types.ts';
import { luhnCheckDigit } from '../../src/identity/luhn.ts';
import { waitUntil } from '../helpers/wait.ts';

const PATH = '/n5g-eir-eic/v1/equipment-status';
const dir = mkdtempSync(join(tmpdir(), 'ceir-n5g-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// Keys (14 digits) and their 15-digit IMEIs with the Luhn check digit.
const W = '35209900176148';
const B = '35209900176155';
const G = '35209900176163';
const U = '35209900176171';
const imei = (key: string) => `${key}${luhnCheckDigit(key)}`;

interface Call {
  imei: string;
  imsi: string | undefined;
  iface: CheckInterface;
  svn: string | undefined;
}

function fakeChecker(table: Record<string, CheckAnswer>): EirChecker & { calls: Call[]; latencies: [CheckInterface, number][] } {
  const calls: Call[] = [];
  const latencies: [CheckInterface, number][] = [];
  return {
    calls,
    latencies,
    check(imeiKey, imsiKey, imsiDigits, iface, svnKey) {
      const [imei, imsi, svn] = [imeiKeyText(imeiKey), imsiText(imsiKey, imsiDigits), svnText(svnKey)];
      calls.push({ imei, imsi, iface, svn });
      if (imei === '99999999999999') throw new Error('index unavailable');
      return table[imei] ?? 'UNKNOWN';
    },
    observeLatency(iface, seconds) {
      latencies.push([iface, seconds]);
    },
    peerChange() {},
  };
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

function request(client: ClientHttp2Session, path: string, headers: OutgoingHttpHeaders = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = client.request({ ':path': path, ...headers });
    let h: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    req.on('response', (hh) => (h = hh));
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', reject);
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      resolve({ status: Number(h[':status']), headers: h, body, json });
    });
    req.end();
  });
}

async function serve(opts: Omit<N5gServerOptions, 'port' | 'host'>): Promise<{ server: N5gServer; client: ClientHttp2Session; get: (path: string, headers?: OutgoingHttpHeaders) => Promise<Answer>; close: () => Promise<void> }> {
  const server = await startN5gServer({ host: '127.0.0.1', port: 0, ...opts });
  const client = http2.connect(`http://127.0.0.1:${server.port}`);
  return {
    server,
    client,
    get: (path, headers) => request(client, path, headers),
    close: async () => {
      client.close();
      await server.close();
    },
  };
}

function assertProblem(r: Answer, status: number, cause: string | undefined, param?: string): void {
  assert.equal(r.status, status, r.body);
  assert.equal(r.headers['content-type'], 'application/problem+json');
  assert.equal(r.json.status, status);
  assert.equal(typeof r.json.title, 'string');
  assert.equal(typeof r.json.detail, 'string');
  assert.equal(r.json.cause, cause);
  if (param) {
    assert.equal(r.json.invalidParams.length, 1);
    assert.equal(r.json.invalidParams[0].param, param);
    assert.ok(r.json.invalidParams[0].reason.length > 10, r.json.invalidParams[0].reason);
  }
}

describe('equipment-status', () => {
  const checker = fakeChecker({ [W]: 'WHITELISTED', [B]: 'BLACKLISTED', [G]: 'GREYLISTED' });
  let s: Awaited<ReturnType<typeof serve>>;
  before(async () => {
    s = await serve({
      checker,
      extraRoutes: (p) => {
        if (p === '/boom') throw new Error('metrics registry broken');
        return p === '/healthz' ? { status: 200, contentType: 'text/plain; charset=utf-8', body: 'ok\n' } : undefined;
      },
    });
  });
  after(() => s.close());
  const last = () => checker.calls[checker.calls.length - 1];

  test('each equipment status is a 200 application/json answer, and the 14-digit key reaches the checker', async () => {
    for (const [key, status] of [[W, 'WHITELISTED'], [B, 'BLACKLISTED'], [G, 'GREYLISTED']]) {
      const r = await s.get(`${PATH}?pei=imei-${imei(key)}`);
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-type'], 'application/json');
      assert.equal(r.body, JSON.stringify({ status }));
      assert.equal(Number(r.headers['content-length']), r.body.length);
      assert.deepEqual(last(), { imei: key, imsi: undefined, iface: 'n5g', svn: undefined });
    }
  });

  test('unknown equipment is 404 ERROR_EQUIPMENT_UNKNOWN', async () => {
    assertProblem(await s.get(`${PATH}?pei=imei-${imei(U)}`), 404, 'ERROR_EQUIPMENT_UNKNOWN');
    assert.equal(last().imei, U);
  });

  test('a missing pei is 400 MANDATORY_QUERY_PARAM_MISSING', async () => {
    const before = checker.calls.length;
    assertProblem(await s.get(PATH), 400, 'MANDATORY_QUERY_PARAM_MISSING', 'query pei');
    assertProblem(await s.get(`${PATH}?supi=imsi-999011234567890&peix=imei-${imei(W)}`), 400, 'MANDATORY_QUERY_PARAM_MISSING', 'query pei');
    assert.equal(checker.calls.length, before, 'the checker is not asked');
  });

  test('a malformed pei is 400 MANDATORY_QUERY_PARAM_INCORRECT with a reason', async () => {
    const before = checker.calls.length;
    for (const pei of ['imei-1234', `imei-${W}`, `imei-${imei(W)}7`, 'imeisv-3520990017614899', 'mac-00-11-22-33-44-55', 'eui-00-11-22-33-44-55-66-77', 'nonsense', '']) {
      const r = await s.get(`${PATH}?pei=${pei}`);
      assertProblem(r, 400, 'MANDATORY_QUERY_PARAM_INCORRECT', 'query pei');
    }
    const mac = await s.get(`${PATH}?pei=mac-00-11-22-33-44-55`);
    assert.match(mac.json.invalidParams[0].reason, /IMEI and IMEISV/);
    assertProblem(await s.get(`${PATH}?pei=imei-${imei(W)}&pei=imei-${imei(B)}`), 400, 'MANDATORY_QUERY_PARAM_INCORRECT', 'query pei');
    assert.equal(checker.calls.length, before);
  });

  test('imeisv form: the key and the software version reach the checker', async () => {
    const r = await s.get(`${PATH}?pei=imeisv-${B}07`);
    assert.equal(r.json.status, 'BLACKLISTED');
    assert.deepEqual(last(), { imei: B, imsi: undefined, iface: 'n5g', svn: '07' });
  });

  test('15-digit IMEI: the Luhn check digit or a spare 0 is accepted, another digit is refused', async () => {
    assert.equal(luhnCheckDigit(W), 1);
    assert.equal((await s.get(`${PATH}?pei=imei-${W}1`)).json.status, 'WHITELISTED');
    assert.equal((await s.get(`${PATH}?pei=imei-${W}0`)).json.status, 'WHITELISTED');
    const r = await s.get(`${PATH}?pei=imei-${W}2`);
    assertProblem(r, 400, 'MANDATORY_QUERY_PARAM_INCORRECT', 'query pei');
    assert.match(r.json.invalidParams[0].reason, /check digit 2.*Luhn check digit of 35209900176148 is 1/);
  });

  test('supi imsi- gives the IMSI to the checker; gpsi and supported-features are validated', async () => {
    await s.get(`${PATH}?pei=imei-${imei(W)}&supi=imsi-999011234567890&gpsi=msisdn-99912345678&supported-features=1a`);
    assert.deepEqual(last(), { imei: W, imsi: '999011234567890', iface: 'n5g', svn: undefined });
    // Parameter order and percent-encoding do not matter.
    await s.get(`${PATH}?supi=imsi-99902123456789&pei=imei%2D${imei(G)}`);
    assert.deepEqual(last(), { imei: G, imsi: '99902123456789', iface: 'n5g', svn: undefined });
    // A SUPI of another type is valid but carries no IMSI; an external-id GPSI is valid too.
    assert.equal((await s.get(`${PATH}?pei=imei-${imei(W)}&supi=nai-user@example.org&gpsi=extid-a@b`)).status, 200);
    assert.equal(last().imsi, undefined);
  });

  test('a malformed supi, gpsi or supported-features is 400 OPTIONAL_QUERY_PARAM_INCORRECT', async () => {
    const before = checker.calls.length;
    const p = `${PATH}?pei=imei-${imei(W)}`;
    assertProblem(await s.get(`${p}&supi=imsi-12`), 400, 'OPTIONAL_QUERY_PARAM_INCORRECT', 'query supi');
    assertProblem(await s.get(`${p}&supi=999011234567890`), 400, 'OPTIONAL_QUERY_PARAM_INCORRECT', 'query supi');
    assertProblem(await s.get(`${p}&supi=`), 400, 'OPTIONAL_QUERY_PARAM_INCORRECT', 'query supi');
    assertProblem(await s.get(`${p}&gpsi=msisdn-12ab`), 400, 'OPTIONAL_QUERY_PARAM_INCORRECT', 'query gpsi');
    assertProblem(await s.get(`${p}&gpsi=99912345678`), 400, 'OPTIONAL_QUERY_PARAM_INCORRECT', 'query gpsi');
    assertProblem(await s.get(`${p}&supported-features=xyz`), 400, 'OPTIONAL_QUERY_PARAM_INCORRECT', 'query supported-features');
    assertProblem(await s.get(`${p}&supi=%ZZ`), 400, 'OPTIONAL_QUERY_PARAM_INCORRECT', 'query supi');
    assert.equal(checker.calls.length, before);
  });

  test('other methods are 405 with Allow: GET', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'HEAD']) {
      const r = await s.get(`${PATH}?pei=imei-${imei(W)}`, { ':method': method });
      assert.equal(r.status, 405, method);
      assert.equal(r.headers.allow, 'GET');
    }
    const r = await s.get(`${PATH}?pei=imei-${imei(W)}`, { ':method': 'POST' });
    assertProblem(r, 405, undefined);
  });

  test('other paths are 404 problems; extra routes are served', async () => {
    for (const p of ['/', `${PATH}/`, `${PATH}x?pei=imei-${imei(W)}`, `/n5g-eir-eic/v2/equipment-status?pei=imei-${imei(W)}`, '/metrics']) {
      assertProblem(await s.get(p), 404, undefined);
    }
    const h = await s.get('/healthz');
    assert.equal(h.status, 200);
    assert.equal(h.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(h.body, 'ok\n');
    assert.equal((await s.get('/healthz', { ':method': 'POST' })).status, 405);
  });

  test('a failing checker or extra route is 500 SYSTEM_FAILURE, and the server goes on', async () => {
    assertProblem(await s.get(`${PATH}?pei=imei-999999999999990`), 500, 'SYSTEM_FAILURE');
    assertProblem(await s.get('/boom'), 500, 'SYSTEM_FAILURE');
    assert.equal((await s.get(`${PATH}?pei=imei-${imei(W)}`)).status, 200);
  });

  test('latency is observed for every N5g-eir answer, in seconds', async () => {
    const n = checker.latencies.length;
    await s.get(`${PATH}?pei=imei-${imei(W)}`);
    await s.get(PATH);
    await s.get('/healthz');
    assert.equal(checker.latencies.length, n + 2, 'two N5g-eir answers, the extra route is not counted');
    for (const [iface, sec] of checker.latencies.slice(n)) {
      assert.equal(iface, 'n5g');
      assert.ok(sec > 0 && sec < 1, String(sec));
    }
  });

  test('many concurrent streams on one connection', async () => {
    const keys = [W, B, G, U];
    const rs = await Promise.all(Array.from({ length: 200 }, (_, i) => s.get(`${PATH}?pei=imei-${imei(keys[i % 4])}`)));
    assert.deepEqual(
      rs.slice(0, 4).map((r) => r.status),
      [200, 200, 200, 404],
    );
    assert.equal(rs.filter((r) => r.status === 200).length, 150);
  });
});

describe('apiRoot prefix', () => {
  test('the resource is served below the deployment prefix only', async () => {
    const s = await serve({ checker: fakeChecker({ [W]: 'WHITELISTED' }), apiPrefix: '/eir1/' });
    try {
      assert.equal((await s.get(`/eir1${PATH}?pei=imei-${imei(W)}`)).status, 200);
      assert.equal((await s.get(`${PATH}?pei=imei-${imei(W)}`)).status, 404);
    } finally {
      await s.close();
    }
  });
});

/** A self-signed certificate for localhost / 127.0.0.1, made with the openssl command line. */
function selfSigned(name: string): { certFile: string; keyFile: string } {
  const certFile = join(dir, `${name}-cert.pem`);
  const keyFile = join(dir, `${name}-key.pem`);
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile,
        '-days', '2', '-subj', `/CN=${name}`, '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
      { stdio: 'pipe' },
    );
  } catch (e) {
    throw new Error(`the openssl command line is needed to make a test certificate (install openssl): ${(e as Error).message}`, { cause: e });
  }
  return { certFile, keyFile };
}

describe('TLS', () => {
  test('HTTP/2 over TLS negotiates ALPN h2 and answers', async () => {
    const cert = selfSigned('localhost');
    const server = await startN5gServer({ host: '127.0.0.1', port: 0, checker: fakeChecker({ [B]: 'BLACKLISTED' }), tls: cert });
    const client = http2.connect(`https://localhost:${server.port}`, { ca: readFileSync(cert.certFile) });
    try {
      const r = await request(client, `${PATH}?pei=imei-${imei(B)}`);
      assert.equal(r.json.status, 'BLACKLISTED');
      assert.equal(client.alpnProtocol, 'h2');
      assert.equal(client.encrypted, true);
      // A client offering only HTTP/1.1 gets no h2 session.
      const alpn = await new Promise<string | false | null>((resolve) => {
        const sock = tls.connect({ host: '127.0.0.1', port: server.port, servername: 'localhost', ca: readFileSync(cert.certFile), ALPNProtocols: ['http/1.1'] });
        sock.on('secureConnect', () => {
          resolve(sock.alpnProtocol);
          sock.destroy();
        });
        sock.on('error', () => resolve(false));
      });
      assert.notEqual(alpn, 'h2');
    } finally {
      client.close();
      await server.close();
    }
  });

  test('with caFile, a client certificate signed by it is required', async () => {
    const cert = selfSigned('localhost');
    const peer = selfSigned('amf');
    const server = await startN5gServer({ host: '127.0.0.1', port: 0, checker: fakeChecker({ [G]: 'GREYLISTED' }), tls: { ...cert, caFile: peer.certFile } });
    try {
      const withCert = http2.connect(`https://localhost:${server.port}`, { ca: readFileSync(cert.certFile), cert: readFileSync(peer.certFile), key: readFileSync(peer.keyFile) });
      assert.equal((await request(withCert, `${PATH}?pei=imei-${imei(G)}`)).json.status, 'GREYLISTED');
      withCert.close();
      const without = http2.connect(`https://localhost:${server.port}`, { ca: readFileSync(cert.certFile) });
      const outcome = await new Promise<string>((resolve) => {
        without.on('error', () => resolve('refused'));
        const req = without.request({ ':path': `${PATH}?pei=imei-${imei(G)}` });
        req.on('response', () => resolve('answered'));
        req.on('error', () => resolve('refused'));
        req.on('close', () => resolve('refused'));
        req.end();
      });
      assert.equal(outcome, 'refused');
      without.destroy();
    } finally {
      await server.close();
    }
  });
});

// --- OAuth2 ------------------------------------------------------------------------------------

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
type Signer = (data: Buffer) => Buffer;
function jwt(header: object, claims: object, signer: Signer): string {
  const data = `${b64(header)}.${b64(claims)}`;
  return `${data}.${signer(Buffer.from(data)).toString('base64url')}`;
}
const rsSigner = (key: KeyObject): Signer => (d) => sign('sha256', d, key);
const esSigner = (key: KeyObject): Signer => (d) => sign('sha256', d, { key, dsaEncoding: 'ieee-p1363' });
const edSigner = (key: KeyObject): Signer => (d) => sign(null, d, key);
const nowS = () => Math.floor(Date.now() / 1000);
const good = () => ({ iss: 'nrf-1', sub: 'amf-1', aud: '5G_EIR', scope: 'n5g-eir-eic', exp: nowS() + 600 });

describe('OAuth2 bearer tokens', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pemFile = join(dir, 'nrf-rsa.pem');
  writeFileSync(pemFile, rsa.publicKey.export({ type: 'spki', format: 'pem' }));
  const checker = fakeChecker({ [W]: 'WHITELISTED' });
  let s: Awaited<ReturnType<typeof serve>>;
  before(async () => {
    s = await serve({
      checker,
      oauth: { keyFile: pemFile },
      extraRoutes: (p) => (p === '/healthz' ? { status: 200, contentType: 'text/plain', body: 'ok' } : undefined),
    });
  });
  after(() => s.close());
  const q = `${PATH}?pei=imei-${imei(W)}`;
  const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

  test('a valid RS256 token is accepted, and accepted again from the cache', async () => {
    const t = jwt({ alg: 'RS256', typ: 'JWT' }, good(), rsSigner(rsa.privateKey));
    assert.equal((await s.get(q, bearer(t))).json.status, 'WHITELISTED');
    assert.equal((await s.get(q, bearer(t))).json.status, 'WHITELISTED');
    const arr = jwt({ alg: 'RS256' }, { ...good(), aud: ['nf-instance-7', '5G_EIR'], scope: 'nnrf-disc n5g-eir-eic' }, rsSigner(rsa.privateKey));
    assert.equal((await s.get(q, bearer(arr))).status, 200, 'aud as an array, scope among others');
  });

  test('no token: 401 with a Bearer challenge and no error code', async () => {
    const r = await s.get(q);
    assertProblem(r, 401, undefined);
    assert.equal(r.headers['www-authenticate'], 'Bearer realm="5G_EIR"');
    assert.equal((await s.get(q, { authorization: 'Basic dXNlcjpwdw==' })).status, 401);
  });

  const refused: [string, () => string][] = [
    ['expired', () => jwt({ alg: 'RS256' }, { ...good(), exp: nowS() - 120 }, rsSigner(rsa.privateKey))],
    ['not yet valid', () => jwt({ alg: 'RS256' }, { ...good(), nbf: nowS() + 600 }, rsSigner(rsa.privateKey))],
    ['without exp', () => jwt({ alg: 'RS256' }, { ...good(), exp: undefined }, rsSigner(rsa.privateKey))],
    ['for another audience', () => jwt({ alg: 'RS256' }, { ...good(), aud: 'UDM' }, rsSigner(rsa.privateKey))],
    ['with a bad signature', () => jwt({ alg: 'RS256' }, good(), rsSigner(other.privateKey))],
    ['with a tampered payload', () => {
      const [h, , sig] = jwt({ alg: 'RS256' }, good(), rsSigner(rsa.privateKey)).split('.');
      return `${h}.${b64({ ...good(), scope: 'n5g-eir-eic admin' })}.${sig}`;
    }],
    ['unsigned (alg none)', () => `${b64({ alg: 'none' })}.${b64(good())}.`],
    ['HS256 with the public key as the secret', () => {
      const secret = rsa.publicKey.export({ type: 'spki', format: 'pem' });
      return jwt({ alg: 'HS256' }, good(), (d) => createHmac('sha256', secret).update(d).digest());
    }],
    ['not a JWT', () => 'abc.def'],
  ];
  for (const [what, make] of refused) {
    test(`a token ${what} is 401 invalid_token`, async () => {
      const r = await s.get(q, bearer(make()));
      assertProblem(r, 401, undefined);
      assert.match(String(r.headers['www-authenticate']), /^Bearer realm="5G_EIR", error="invalid_token", error_description="[^"\\]+"$/);
    });
  }

  test('a token without the n5g-eir-eic scope is 403 insufficient_scope', async () => {
    const r = await s.get(q, bearer(jwt({ alg: 'RS256' }, { ...good(), scope: 'nudm-sdm' }, rsSigner(rsa.privateKey))));
    assertProblem(r, 403, undefined);
    assert.equal(r.headers['www-authenticate'], 'Bearer realm="5G_EIR", error="insufficient_scope", scope="n5g-eir-eic"');
  });

  test('refused requests never reach the checker; extra routes need no token', async () => {
    const n = checker.calls.length;
    await s.get(q);
    await s.get(q, bearer('x.y.z'));
    assert.equal(checker.calls.length, n);
    assert.equal((await s.get('/healthz')).body, 'ok');
  });
});

describe('OAuth2 verifier', () => {
  test('ES256 from a JWK file and EdDSA from a JWK set (chosen by kid)', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const ed = generateKeyPairSync('ed25519');
    const jwkFile = join(dir, 'nrf-ec.jwk.json');
    writeFileSync(jwkFile, JSON.stringify(ec.publicKey.export({ format: 'jwk' })));
    const es = createBearerVerifier({ keyFile: jwkFile });
    assert.equal(es(`Bearer ${jwt({ alg: 'ES256' }, good(), esSigner(ec.privateKey))}`), undefined);
    assert.equal(es(`Bearer ${jwt({ alg: 'RS256' }, good(), esSigner(ec.privateKey))}`)?.status, 401, 'alg must match the key');
    assert.equal(es(`Bearer ${jwt({ alg: 'ES256' }, good(), edSigner(ed.privateKey))}`)?.status, 401);

    const set = { keys: [{ ...ec.publicKey.export({ format: 'jwk' }), kid: 'k-ec' }, { ...ed.publicKey.export({ format: 'jwk' }), kid: 'k-ed', alg: 'EdDSA' }] };
    const v = createBearerVerifier({ key: set, audience: ['5G_EIR', 'eir-instance-1'] });
    assert.equal(v(`Bearer ${jwt({ alg: 'EdDSA', kid: 'k-ed' }, { ...good(), aud: 'eir-instance-1' }, edSigner(ed.privateKey))}`), undefined);
    assert.equal(v(`Bearer ${jwt({ alg: 'ES256', kid: 'k-ec' }, good(), esSigner(ec.privateKey))}`), undefined);
    assert.equal(v(`Bearer ${jwt({ alg: 'EdDSA', kid: 'k-ec' }, good(), edSigner(ed.privateKey))}`)?.status, 401, 'kid names a key of another type');
    assert.equal(v(`Bearer ${jwt({ alg: 'EdDSA', kid: 'nope' }, good(), edSigner(ed.privateKey))}`)?.status, 401);
    assert.equal(v(`Bearer ${jwt({ alg: 'EdDSA' }, good(), edSigner(ed.privateKey))}`)?.status, 401, 'several keys and no kid');
  });

  test('a cached token is refused once it expires; clock skew is allowed', () => {
    const ed = generateKeyPairSync('ed25519');
    let t = 1_700_000_000_000;
    const v = createBearerVerifier({ key: ed.publicKey, clockSkewSeconds: 5, now: () => t });
    const h = `Bearer ${jwt({ alg: 'EdDSA' }, { ...good(), exp: t / 1000 + 60 }, edSigner(ed.privateKey))}`;
    assert.equal(v(h), undefined);
    t += 64_000;
    assert.equal(v(h), undefined, 'within the skew');
    t += 2_000;
    assert.equal(v(h)?.status, 401, 'the cache honours exp');
    assert.match(v(h)!.problem.detail, /expired/);
    const early = `Bearer ${jwt({ alg: 'EdDSA' }, { ...good(), nbf: t / 1000 + 3, exp: t / 1000 + 60 }, edSigner(ed.privateKey))}`;
    assert.equal(v(early), undefined, 'nbf within the skew');
  });

  test('keys that cannot verify RS256, ES256 or EdDSA are refused at start', () => {
    assert.throws(() => createBearerVerifier({ key: generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey }), /P-256/);
    assert.throws(() => createBearerVerifier({ key: generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey }), /2048/);
    assert.throws(() => createBearerVerifier({}), /keyFile or key/);
  });
});

// --- overload --------------------------------------------------------------------------------

describe('overload', () => {
  test('above the request budget: 429 NF_CONGESTION_RISK with Retry-After', async () => {
    const s = await serve({ checker: fakeChecker({ [W]: 'WHITELISTED' }), overload: { maxRequestsPerSecond: 2, retryAfterSeconds: 7 } });
    try {
      const q = `${PATH}?pei=imei-${imei(W)}`;
      assert.equal((await s.get(q)).status, 200);
      assert.equal((await s.get(q)).status, 200);
      const r = await s.get(q);
      assertProblem(r, 429, 'NF_CONGESTION_RISK');
      assert.equal(r.headers['retry-after'], '7');
      await new Promise((done) => setTimeout(done, 600));
      assert.equal((await s.get(q)).status, 200, 'the bucket refills');
    } finally {
      await s.close();
    }
  });

  test('while the event loop lags: 503 NF_CONGESTION with Retry-After, then service resumes', async () => {
    // A threshold well above the scheduling noise of a busy machine, and a stall well above it.
    const s = await serve({ checker: fakeChecker({ [W]: 'WHITELISTED' }), overload: { maxEventLoopDelayMs: 60, retryAfterSeconds: 3 } });
    try {
      const q = `${PATH}?pei=imei-${imei(W)}`;
      assert.equal((await s.get(q)).status, 200);
      const until = performance.now() + 400;
      while (performance.now() < until) {
        // Block the event loop, as a stuck server would.
      }
      await new Promise((done) => setTimeout(done, 25));
      const r = await s.get(q);
      assertProblem(r, 503, 'NF_CONGESTION');
      assert.equal(r.headers['retry-after'], '3');
      // The lag halves each 20 ms tick once the loop runs freely: service resumes within a few ticks.
      let status = 503;
      await waitUntil(async () => (status = (await s.get(q)).status) !== 503, { timeoutMs: 3000 });
      assert.equal(status, 200, 'service resumes once the loop runs freely');
    } finally {
      await s.close();
    }
  });
});
