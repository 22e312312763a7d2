import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { imeiKeyText, imsiText, svnText, type CheckAnswer, type EirChecker } from '../../src/eir/types.ts';
import { startS13Server, type S13Server, type S13ServerOptions } from '../../src/eir/diameter/peer.ts';
import { S13Client, encodeEcr, readEca, type S13ClientOptions } from '../../src/eir/diameter/client.ts';
import { AVP_FLAG_MANDATORY, FLAG_ERROR, FLAG_PROXIABLE, FLAG_REQUEST, decodeAddress, decodeAvps, decodeGrouped, encodeAvp, encodeMessage, findAvp } from '../../src/eir/diameter/codec.ts';
import { APP_RELAY, APP_S13, VENDOR_3GPP, avp, type AvpName } from '../../src/eir/diameter/dictionary.ts';

const W = '35209900000001';
const B = '35209900000002';
const G = '35209900000003';
const U = '35209900000004';
const TABLE: Record<string, CheckAnswer> = { [W]: 'WHITELISTED', [B]: 'BLACKLISTED', [G]: 'GREYLISTED' };
const THROWS = '35209900000666';

function fakeChecker() {
  const c = {
    calls: [] as [imei: string, imsi: string | undefined, iface: string, svn: string | undefined][],
    latencies: [] as number[],
    peerDeltas: [] as number[],
    check(imeiKey: number, imsiKey: number, imsiDigits: number, iface: 's13' | 'n5g', svnKey: number): CheckAnswer {
      const [imei, imsi, svn] = [imeiKeyText(imeiKey), imsiText(imsiKey, imsiDigits), svnText(svnKey)];
      c.calls.push([imei, imsi, iface, svn]);
      if (imei === THROWS) throw new Error('the index is not loaded');
      return TABLE[imei] ?? 'UNKNOWN';
    },
    observeLatency(_iface: string, seconds: number, count = 1) {
      for (let i = 0; i < count; i++) c.latencies.push(seconds);
    },
    peerChange(delta: 1 | -1) {
      c.peerDeltas.push(delta);
    },
  } satisfies EirChecker & Record<string, unknown>;
  return c;
}

function logSink() {
  const rules: string[] = [];
  return { rules, warn: (obj: object) => void rules.push((obj as { rule: string }).rule) };
}

let hostSeq = 0;
const mme = () => `mme${++hostSeq}.test.example`;

async function startServer(extra: Partial<S13ServerOptions> = {}) {
  const checker = fakeChecker();
  const log = logSink();
  const server = await startS13Server({ port: 0, host: '127.0.0.1', originHost: 'eir.ceir.example', originRealm: 'ceir.example', checker, logger: log, ...extra });
  return { server, checker, log };
}

function client(server: S13Server, extra: Partial<S13ClientOptions> = {}): Promise<S13Client> {
  return S13Client.connect({ port: server.port, originHost: mme(), originRealm: 'test.example', ...extra });
}

/** Resolves when the promise settles within `ms`, else fails. */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)));
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}

function rawSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.on('error', reject);
  });
}

/** Closes clients and waits until they are closed. */
async function shut(...clients: S13Client[]): Promise<void> {
  for (const c of clients) c.close();
  await Promise.all(clients.map((c) => c.closed));
  await sleep(10); // the server sees the close
}

const closedOf = (s: Socket) => new Promise<void>((resolve) => (s.destroyed ? resolve() : s.once('close', () => resolve())));

let shared: Awaited<ReturnType<typeof startServer>>;
before(async () => {
  shared = await startServer();
});
after(async () => {
  await shared.server.close();
});

test('CER/CEA: 2001 with our capabilities, the peer counted', async () => {
  const before = shared.server.peers();
  const c = await client(shared.server);
  const cea = c.cea!;
  assert.equal(cea.flags & FLAG_REQUEST, 0);
  assert.equal(cea.commandCode, 257);
  const get = (code: number, vendor = 0) => findAvp(cea.avps, code, vendor);
  assert.equal(get(268)!.data.readUInt32BE(0), 2001);
  assert.equal(get(264)!.data.toString(), 'eir.ceir.example');
  assert.equal(get(296)!.data.toString(), 'ceir.example');
  assert.equal(decodeAddress(get(257)!.data), '127.0.0.1');
  assert.equal(get(266)!.data.length, 4, 'Vendor-Id');
  assert.equal(get(269)!.data.toString(), 'OpenCEIR');
  assert.equal(get(278)!.data.length, 4, 'Origin-State-Id');
  assert.equal(get(265)!.data.readUInt32BE(0), VENDOR_3GPP);
  assert.equal(get(258)!.data.readUInt32BE(0), APP_S13);
  const vsai = decodeGrouped(get(260)!.data);
  assert.equal(findAvp(vsai, 266)!.data.readUInt32BE(0), VENDOR_3GPP);
  assert.equal(findAvp(vsai, 258)!.data.readUInt32BE(0), APP_S13);
  assert.equal(shared.server.peers(), before + 1);
  assert.equal(shared.checker.peerDeltas.at(-1), 1);
  await c.disconnect();
});

test('CER without a common application: CEA 5010 and the connection closed, not counted', async () => {
  const peers = shared.server.peers();
  const deltas = shared.checker.peerDeltas.length;
  const c = await client(shared.server, { cer: false });
  const cea = await c.capabilitiesExchange([avp('Auth-Application-Id', 16777251), avp('Vendor-Specific-Application-Id', [avp('Vendor-Id', VENDOR_3GPP), avp('Auth-Application-Id', 16777251)])]);
  assert.equal(readEca(cea).resultCode, 5010);
  await within(c.closed, 2000, 'close after 5010');
  assert.equal(shared.server.peers(), peers);
  assert.equal(shared.checker.peerDeltas.length, deltas);
  assert.ok(shared.log.rules.includes('cer_5010'));
  await assert.rejects(S13Client.connect({ port: shared.server.port, originHost: mme(), originRealm: 'x', applicationAvps: [avp('Acct-Application-Id', 3)] }), /5010/);
});

test('CER: the relay application, or S13 only inside Vendor-Specific-Application-Id, is common', async () => {
  const relay = await client(shared.server, { applicationAvps: [avp('Auth-Application-Id', APP_RELAY)] });
  assert.equal((await relay.check(W)).answer, 'WHITELISTED');
  const vsa = await client(shared.server, { applicationAvps: [avp('Vendor-Specific-Application-Id', [avp('Vendor-Id', VENDOR_3GPP), avp('Auth-Application-Id', APP_S13)])] });
  assert.equal((await vsa.check(B)).answer, 'BLACKLISTED');
  await shut(relay, vsa);
});

test('a request before the capabilities exchange closes the connection', async () => {
  const c = await client(shared.server, { cer: false });
  c.sendRaw(c.ecr({ imei: W }));
  await within(c.closed, 2000, 'close');
  assert.ok(shared.log.rules.includes('request_before_cer'));
});

test('DWR/DWA, and DPR/DPA then close', async () => {
  const c = await client(shared.server);
  const peers = shared.server.peers();
  const dwa = await c.watchdog();
  assert.equal(dwa.commandCode, 280);
  assert.equal(readEca(dwa).resultCode, 2001);
  assert.ok(findAvp(dwa.avps, 278), 'Origin-State-Id');
  const dpa = await within(c.disconnect(), 2000, 'DPA and close');
  assert.equal(dpa.commandCode, 282);
  assert.equal(readEca(dpa).resultCode, 2001);
  await sleep(20);
  assert.equal(shared.server.peers(), peers - 1);
  assert.equal(shared.checker.peerDeltas.at(-1), -1);
});

test('ECR: each status, UNKNOWN as 5422, ECA fields echoed and ours', async () => {
  const c = await client(shared.server);
  for (const [imei, status] of [[W, 0], [B, 1], [G, 2]] as const) {
    const frame = c.ecr({ imei, imsi: '999011234567890', svn: '07' });
    const eca = await c.sendRequest(frame);
    const r = readEca(eca);
    assert.equal(r.resultCode, 2001);
    assert.equal(r.equipmentStatus, status);
    assert.equal(eca.flags, FLAG_PROXIABLE, 'an answer: P copied, no R, no E');
    assert.equal(eca.commandCode, 324);
    assert.equal(eca.applicationId, APP_S13);
    assert.equal(eca.hopByHop, frame.readUInt32BE(12));
    assert.equal(eca.endToEnd, frame.readUInt32BE(16));
    assert.equal(eca.avps[0].code, 263, 'Session-Id first');
    assert.deepEqual(eca.avps[0].data, decodeAvps(frame.subarray(20))[0].data);
    assert.equal(findAvp(eca.avps, 277)!.data.readUInt32BE(0), 1);
    assert.equal(findAvp(eca.avps, 264)!.data.toString(), 'eir.ceir.example');
    assert.equal(findAvp(eca.avps, 296)!.data.toString(), 'ceir.example');
    assert.equal(findAvp(eca.avps, 1445, VENDOR_3GPP)!.flags, 0xc0);
    assert.deepEqual(shared.checker.calls.at(-1), [imei, '999011234567890', 's13', '07']);
  }
  const unknown = readEca(await c.sendRequest(c.ecr({ imei: U })));
  assert.equal(unknown.answer, 'UNKNOWN');
  assert.equal(unknown.resultCode, undefined, 'no Result-Code beside Experimental-Result');
  assert.equal(unknown.experimentalResultCode, 5422);
  assert.equal(unknown.equipmentStatus, undefined);
  const exp = decodeGrouped(findAvp(unknown.message.avps, 297)!.data);
  assert.equal(findAvp(exp, 266)!.data.readUInt32BE(0), VENDOR_3GPP);
  assert.deepEqual(shared.checker.calls.at(-1), [U, undefined, 's13', undefined]);
  // a 15-digit IMEI: the first 14 are the key
  assert.equal((await c.check(`${B}7`)).answer, 'BLACKLISTED');
  assert.equal(shared.checker.calls.at(-1)![0], B);
  await shut(c);
});

test('ECR: latency recorded once per answered ECR', async () => {
  const c = await client(shared.server);
  const n = shared.checker.latencies.length;
  await c.checkMany(Array.from({ length: 300 }, () => ({ imei: W })), 50);
  await c.check({ imei: '123' });
  assert.equal(shared.checker.latencies.length, n + 301);
  assert.ok(shared.checker.latencies.slice(n).every((s) => s >= 0 && s < 5));
  await shut(c);
});

test('5001: an unknown mandatory AVP, at top level or inside Terminal-Information, in Failed-AVP', async () => {
  const c = await client(shared.server);
  const calls = shared.checker.calls.length;
  const top = await c.check({ imei: W, extraAvps: [encodeAvp(9999, Buffer.from('zz'), AVP_FLAG_MANDATORY)] });
  assert.equal(top.resultCode, 5001);
  assert.equal(top.equipmentStatus, undefined);
  assert.deepEqual([top.failedAvp![0].code, top.failedAvp![0].data.toString()], [9999, 'zz']);
  const vendorTop = await c.check({ imei: W, extraAvps: [encodeAvp(1401, Buffer.alloc(0), AVP_FLAG_MANDATORY, 99)] });
  assert.equal(vendorTop.resultCode, 5001, 'the same code with another vendor is another AVP');
  const inner = await c.check({ imei: W, terminalExtraAvps: [encodeAvp(8888, Buffer.from('q'), AVP_FLAG_MANDATORY, VENDOR_3GPP)] });
  assert.equal(inner.resultCode, 5001);
  assert.equal(inner.failedAvp![0].code, 1401);
  const held = decodeGrouped(inner.failedAvp![0].data);
  assert.deepEqual([held[0].code, held[0].vendorId, held[0].data.toString()], [8888, VENDOR_3GPP, 'q']);
  assert.equal(shared.checker.calls.length, calls, 'no check for a refused request');
  // without the M flag an unknown AVP is ignored
  assert.equal((await c.check({ imei: W, extraAvps: [encodeAvp(9999, Buffer.from('zz'))], terminalExtraAvps: [encodeAvp(8888, Buffer.alloc(3), 0, 77)] })).answer, 'WHITELISTED');
  await shut(c);
});

test('5005: each missing AVP, with an example in Failed-AVP', async () => {
  const c = await client(shared.server);
  const cases: [AvpName, number][] = [
    ['Session-Id', 263],
    ['Origin-Host', 264],
    ['Origin-Realm', 296],
    ['Destination-Realm', 283],
    ['Auth-Session-State', 277],
    ['Terminal-Information', 1401],
    ['IMEI', 1401],
  ];
  for (const [name, code] of cases) {
    const r = await c.check({ imei: W, omit: [name] });
    assert.equal(r.resultCode, 5005, name);
    assert.equal(r.failedAvp![0].code, code, name);
    if (name === 'IMEI') assert.equal(decodeGrouped(r.failedAvp![0].data)[0].code, 1402, 'the IMEI inside Terminal-Information');
    if (name === 'Auth-Session-State') assert.equal(r.failedAvp![0].data.length, 4, 'zero-filled at the minimum length');
  }
  await shut(c);
});

test('5004: a bad IMEI, Software-Version or IMSI', async () => {
  const c = await client(shared.server);
  for (const [input, failed] of [
    [{ imei: '3520990000001' }, 1402],
    [{ imei: '3520990000001A' }, 1402],
    [{ imei: '3520990000000123' }, 1402],
    [{ imei: W, svn: '1' }, 1403],
    [{ imei: W, svn: 'ab' }, 1403],
    [{ imei: W, imsi: '99901abc' }, 1],
    [{ imei: W, imsi: '9990112345678901' }, 1],
  ] as const) {
    const r = await c.check(input);
    assert.equal(r.resultCode, 5004, JSON.stringify(input));
    const f = r.failedAvp![0];
    assert.equal(f.code === 1401 ? decodeGrouped(f.data)[0].code : f.code, failed);
  }
  const bad = await c.check({ imei: 'ABCDEFGHIJKLMN' });
  assert.equal(decodeGrouped(bad.failedAvp![0].data)[0].data.toString(), 'ABCDEFGHIJKLMN', 'Failed-AVP carries the offending value');
  await shut(c);
});

test('a failing checker answers 5012 and the connection goes on', async () => {
  const c = await client(shared.server);
  assert.equal((await c.check(THROWS)).resultCode, 5012);
  assert.equal((await c.check(W)).answer, 'WHITELISTED');
  await shut(c);
});

test('3007 for an unsupported application, 3001 for an unknown command, both with the E bit', async () => {
  const c = await client(shared.server);
  const app = await c.check({ imei: W, applicationId: 16777251 });
  assert.equal(app.resultCode, 3007);
  assert.ok(app.message.flags & FLAG_ERROR);
  const ids = c.nextIds();
  const cmd = await c.sendRequest(
    encodeMessage({ flags: FLAG_REQUEST | FLAG_PROXIABLE, commandCode: 999, applicationId: APP_S13, ...ids, avps: [avp('Session-Id', 'x;1'), avp('Origin-Host', 'a'), avp('Origin-Realm', 'b')] }),
  );
  assert.equal(readEca(cmd).resultCode, 3001);
  assert.ok(cmd.flags & FLAG_ERROR);
  assert.equal(cmd.commandCode, 999);
  assert.equal(findAvp(cmd.avps, 263)!.data.toString(), 'x;1');
  assert.equal((await c.check(G)).answer, 'GREYLISTED', 'the connection stays open');
  await shut(c);
});

test('Proxy-Info is echoed in the answer', async () => {
  const c = await client(shared.server);
  const proxy = avp('Proxy-Info', [avp('Proxy-Host', 'dra.test.example'), avp('Proxy-State', Buffer.from('state-1'))]);
  const r = await c.check({ imei: G, extraAvps: [proxy] });
  assert.equal(r.answer, 'GREYLISTED');
  const echoed = findAvp(r.message.avps, 284)!;
  assert.deepEqual(avp('Proxy-Info', [Buffer.from(echoed.data)]), proxy);
  await shut(c);
});

test('duplicates: the same (Origin-Host, End-to-End id) gets the same answer without a second check', async () => {
  const host = mme();
  const c = await client(shared.server, { originHost: host });
  const e2e = 0x5a5a0001;
  const calls = () => shared.checker.calls.filter((x) => x[0] === G).length;
  const n = calls();
  const first = await c.sendRequest(c.ecr({ imei: G, endToEnd: e2e }));
  const again = await c.sendRequest(c.ecr({ imei: G, endToEnd: e2e, retransmitted: true }));
  assert.notEqual(first.hopByHop, again.hopByHop);
  assert.equal(again.endToEnd, e2e);
  const sameButHop = (a: Buffer, b: Buffer) => Buffer.concat([a.subarray(0, 12), a.subarray(16)]).equals(Buffer.concat([b.subarray(0, 12), b.subarray(16)]));
  assert.ok(sameButHop(first.raw, again.raw), 'the same answer bytes, with the new hop-by-hop id');
  // after a failover: another connection of the same Origin-Host
  const c2 = await client(shared.server, { originHost: host });
  const third = await c2.sendRequest(c2.ecr({ imei: G, endToEnd: e2e, retransmitted: true, sessionId: `${host};${e2e};s13` }));
  assert.ok(sameButHop(first.raw, third.raw));
  assert.equal(calls(), n + 1, 'one check');
  // another originator with the same id is another request
  const other = await client(shared.server);
  await other.check({ imei: G, endToEnd: e2e });
  assert.equal(calls(), n + 2);
  await shut(c, c2, other);
});

test('ECA bytes: Session-Id of each length, request padding not echoed, small and large reads alike', async () => {
  const c = await client(shared.server);
  const expected = (frame: Buffer, sessionId: string) =>
    encodeMessage({
      flags: FLAG_PROXIABLE,
      commandCode: 324,
      applicationId: APP_S13,
      hopByHop: frame.readUInt32BE(12),
      endToEnd: frame.readUInt32BE(16),
      avps: [avp('Session-Id', sessionId), avp('Result-Code', 2001), avp('Auth-Session-State', 1), avp('Origin-Host', 'eir.ceir.example'), avp('Origin-Realm', 'ceir.example'), avp('Equipment-Status', 0)],
    });
  const build = (k: number) => {
    const sessionId = `s;${'x'.repeat(k)}`;
    const frame = c.ecr({ imei: W, sessionId });
    // garbage in the padding of the request's Session-Id (receivers ignore it)
    const sidLen = frame.readUIntBE(25, 3);
    for (let i = 20 + sidLen; i & 3; i++) frame[i] = 0xff;
    return { frame, sessionId };
  };
  // one frame per write (small reads), then many in one write (a read of several KiB)
  for (let k = 0; k < 8; k++) {
    const { frame, sessionId } = build(k);
    assert.deepEqual((await c.sendRequest(frame)).raw, expected(frame, sessionId), `Session-Id of ${k + 2} bytes`);
  }
  const batch = Array.from({ length: 40 }, (_, i) => build(i % 8));
  const answers = Promise.all(batch.map(({ frame }) => c.expect(frame.readUInt32BE(12))));
  c.sendRaw(Buffer.concat(batch.map((b) => b.frame)));
  const got = await answers;
  batch.forEach(({ frame, sessionId }, i) => assert.deepEqual(got[i].raw, expected(frame, sessionId), `batched ${i}`));
  await shut(c);
});

test('duplicates: Origin-Hosts that share a prefix or differ in their last byte are told apart', async () => {
  const c = await client(shared.server);
  const imei = '35209900000777';
  const calls = () => shared.checker.calls.filter((x) => x[0] === imei).length;
  const e2e = 0x6b6b0001;
  const frame = (originHost: string, poison: boolean) => {
    const f = encodeEcr({ imei, endToEnd: e2e }, { hopByHop: c.nextIds().hopByHop, endToEnd: e2e }, { originHost, originRealm: 'test.example', destinationRealm: 'ceir.example' });
    if (poison) {
      // garbage in the padding of Origin-Host must not make it another host
      for (const a of decodeAvps(f.subarray(20)).filter((x) => x.code === 264)) {
        const at = f.indexOf(a.data) + a.data.length;
        for (let i = at; i & 3; i++) f[i] = 0xee;
      }
    }
    return f;
  };
  const hosts = ['relayed.test.a', 'relayed.test.ab', 'relayed.test.abc', 'relayed.test.abd', 'relayed.test.abcd', 'relayed.test.abce', 'relayed.test.bbcd'];
  const n = calls();
  for (const h of hosts) assert.equal(readEca(await c.sendRequest(frame(h, false))).experimentalResultCode, 5422);
  assert.equal(calls(), n + hosts.length, 'a check per Origin-Host');
  for (const h of hosts) assert.equal(readEca(await c.sendRequest(frame(h, true))).experimentalResultCode, 5422);
  assert.equal(calls(), n + hosts.length, 'the same (Origin-Host, End-to-End id) again: no check');
  await shut(c);
});

test('5004: a non-digit anywhere in the IMEI', async () => {
  const c = await client(shared.server);
  const n = shared.checker.calls.length;
  for (let i = 0; i < 15; i++) {
    for (const ch of ['/', ':', '?', 'p', ' ', '\x7f']) {
      const imei = `${W}9`.slice(0, i) + ch + `${W}9`.slice(i + 1);
      assert.equal((await c.check(imei)).resultCode, 5004, JSON.stringify(imei));
    }
  }
  assert.equal(shared.checker.calls.length, n, 'no check');
  assert.equal((await c.check('00000000000000')).answer, 'UNKNOWN');
  assert.equal(shared.checker.calls.at(-1)![0], '00000000000000');
  assert.equal((await c.check('99999999999999')).answer, 'UNKNOWN');
  assert.equal(shared.checker.calls.at(-1)![0], '99999999999999');
  await shut(c);
});

test('pipelined ECRs are answered in order', async () => {
  const c = await client(shared.server);
  const imeis = [W, B, G, U];
  const inputs = Array.from({ length: 4000 }, (_, i) => ({ imei: imeis[i % 4], imsi: `99901${String(i).padStart(10, '0')}` }));
  let chunks = 0;
  c.socket.on('data', () => chunks++);
  const results = await c.checkMany(inputs, 256);
  assert.deepEqual(
    results.map((r) => r.answer),
    inputs.map((x) => TABLE[x.imei] ?? 'UNKNOWN'),
  );
  assert.ok(chunks < inputs.length / 4, `answers come batched (${chunks} chunks for ${inputs.length} answers)`);
  await shut(c);
});

test('a peer that stops reading: backpressure, then every answer intact and in order', async () => {
  const c = await client(shared.server);
  const imeis = [W, B, G, U];
  const inputs = Array.from({ length: 30_000 }, (_, i) => ({ imei: imeis[(i * 7) % 4], sessionId: `s;${i};${'x'.repeat(i % 50)}` }));
  c.socket.pause();
  const results = c.checkMany(inputs, inputs.length);
  await sleep(300);
  c.socket.resume();
  const rs = await results;
  rs.forEach((r, i) => {
    assert.equal(r.answer, TABLE[inputs[i].imei] ?? 'UNKNOWN');
    assert.equal(r.message.avps[0].data.toString(), inputs[i].sessionId);
  });
  await shut(c);
});

test('many peers at once', async () => {
  const peers = shared.server.peers();
  const clients = await Promise.all(Array.from({ length: 30 }, () => client(shared.server)));
  assert.equal(shared.server.peers(), peers + 30);
  const results = await Promise.all(clients.map((c, i) => c.checkMany(Array.from({ length: 200 }, (_, j) => ({ imei: [W, B, G, U][(i + j) % 4] })), 16)));
  results.forEach((rs, i) => rs.forEach((r, j) => assert.equal(r.answer, TABLE[[W, B, G, U][(i + j) % 4]] ?? 'UNKNOWN')));
  await Promise.all(clients.map((c) => c.disconnect()));
  await sleep(20);
  assert.equal(shared.server.peers(), peers);
});

test('frames split byte by byte, and several frames in one write', async () => {
  const c = await client(shared.server);
  const frames = [c.ecr({ imei: W }), c.ecr({ imei: B }), c.ecr({ imei: U })];
  const answers = Promise.all(frames.map((f) => c.expect(f.readUInt32BE(12))));
  for (const byte of Buffer.concat(frames)) {
    c.sendRaw(Buffer.from([byte]));
    await new Promise((r) => setImmediate(r));
  }
  assert.deepEqual((await answers).map((m) => readEca(m).answer), ['WHITELISTED', 'BLACKLISTED', 'UNKNOWN']);
  const more = [c.ecr({ imei: G }), c.ecr({ imei: W })];
  const coalesced = Promise.all(more.map((f) => c.expect(f.readUInt32BE(12))));
  c.sendRaw(Buffer.concat(more));
  assert.deepEqual((await coalesced).map((m) => readEca(m).answer), ['GREYLISTED', 'WHITELISTED']);
  await shut(c);
});

test('a garbage frame closes only that connection; another peer keeps working', async () => {
  const good = await client(shared.server);
  const garbage: Buffer[] = [
    Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
    Buffer.from([1, 0xff, 0xff, 0xfc]), // an absurd length: refused before it is buffered
    Buffer.from([1, 0, 0, 22, 0x80, 0, 1, 0x44, ...Array(14).fill(0)]),
    Buffer.from([1, 0, 0, 8]),
  ];
  const overrun = good.ecr({ imei: W });
  overrun.writeUIntBE(0xfff0, 20 + 5, 3);
  garbage.push(overrun);
  for (const g of garbage) {
    const bad = await client(shared.server);
    const answer = bad.check(W).catch(() => 'closed');
    bad.sendRaw(g);
    await within(bad.closed, 2000, `close after ${g.subarray(0, 8).toString('hex')}`);
    assert.equal((await good.check(B)).answer, 'BLACKLISTED');
    void answer;
  }
  // before any CER too
  const raw = await rawSocket(shared.server.port);
  raw.write(Buffer.alloc(64, 0xff));
  await within(closedOf(raw), 2000, 'raw garbage');
  assert.ok(['bad_version', 'length_above_maximum', 'length_not_multiple_of_4', 'avp_length_overrun'].every((r) => shared.log.rules.includes(r)));
  assert.equal((await good.check(G)).answer, 'GREYLISTED');
  await shut(good);
});

test('a frame above maxMessageBytes closes the connection', async () => {
  const { server, log } = await startServer({ maxMessageBytes: 256 });
  const c = await client(server);
  assert.equal((await c.check(W)).answer, 'WHITELISTED');
  void c.check({ imei: W, extraAvps: [avp('Error-Message', 'x'.repeat(300))] }).catch(() => {});
  await within(c.closed, 2000, 'close');
  assert.ok(log.rules.includes('length_above_maximum'));
  await server.close();
});

test('watchdog: our DWR after Tw of silence; no DWA closes the peer; no CER closes too', async () => {
  const { server, checker, log } = await startServer({ watchdogSeconds: 0.15 });
  const alive = await client(server);
  const silent = await client(server, { answerWatchdog: false });
  const raw = await rawSocket(server.port);
  assert.equal(server.peers(), 2);
  await within(silent.closed, 2000, 'the peer without DWA is closed');
  assert.ok(silent.dwrReceived >= 1);
  assert.ok(log.rules.includes('watchdog_timeout'));
  await within(closedOf(raw), 2000, 'no CER');
  assert.ok(log.rules.includes('no_cer'));
  await sleep(400);
  assert.ok(alive.isOpen);
  assert.ok(alive.dwrReceived >= 2, `DWRs received: ${alive.dwrReceived}`);
  assert.equal(server.peers(), 1);
  assert.deepEqual(checker.peerDeltas, [1, 1, -1]);
  assert.equal((await alive.check(W)).answer, 'WHITELISTED');
  await server.close();
});

test('close(): DPR to each peer, then everything closed', async () => {
  const { server, checker } = await startServer();
  const clients = await Promise.all([client(server), client(server)]);
  await within(server.close(), 3000, 'close');
  await Promise.all(clients.map((c) => within(c.closed, 1000, 'client closed')));
  assert.deepEqual(clients.map((c) => c.dprReceived), [1, 1]);
  assert.equal(server.peers(), 0);
  assert.deepEqual(checker.peerDeltas, [1, 1, -1, -1]);
});
