/**
 * Random and mutated frames (bit flips, truncations, absurd lengths, broken AVP lengths, random
 * bytes, arbitrary TCP chunking) thrown at the S13 port from several connections at once, while a
 * well-behaved peer keeps checking and must keep getting correct answers. The server runs in this
 * process: anything thrown out of it would end the test run.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import fc from 'fast-check';
import { NO_SVN, imeiKeyText, type CheckAnswer } from '../../src/eir/types.ts';
import { startS13Server } from '../../src/eir/diameter/peer.ts';
import { S13Client, encodeEcr } from '../../src/eir/diameter/client.ts';
import { FLAG_PROXIABLE, FLAG_REQUEST, FrameSplitter, decodeMessage, encodeMessage, findAvp, readU24 } from '../../src/eir/diameter/codec.ts';
import { APP_S13, VENDOR_3GPP, avp } from '../../src/eir/diameter/dictionary.ts';
import { waitUntil } from '../helpers/wait.ts';

const TABLE: Record<string, CheckAnswer> = { '35209900000001': 'WHITELISTED', '35209900000002': 'BLACKLISTED', '35209900000003': 'GREYLISTED' };
const IMEIS = [...Object.keys(TABLE), '35209900000004'];
const KNOWN_RESULTS = new Set([2001, 3001, 3007, 3008, 5001, 5004, 5005, 5010, 5012, 5014]);
const SEED = Number(process.env.CEIR_FUZZ_SEED ?? Date.now() % 1_000_000);
const RUNS_PER_CONNECTION = Number(process.env.CEIR_FUZZ_RUNS ?? 150);
const CONNECTIONS = 4;

const origin = { originHost: 'fuzz.test.example', originRealm: 'test.example', destinationRealm: 'ceir.example' };
const ids = (n: number) => ({ hopByHop: n, endToEnd: 0x7000_0000 + n });
const base = (commandCode: number, avps: Buffer[], n: number) =>
  encodeMessage({ flags: FLAG_REQUEST, commandCode, applicationId: 0, ...ids(n), avps: [avp('Origin-Host', origin.originHost), avp('Origin-Realm', origin.originRealm), ...avps] });
const CER = base(257, [avp('Host-IP-Address', '127.0.0.1'), avp('Vendor-Id', 0), avp('Product-Name', 'fuzz'), avp('Auth-Application-Id', APP_S13)], 1);
const CORPUS = [
  encodeEcr({ imei: IMEIS[0], imsi: '999011234567890', svn: '01' }, ids(2), origin),
  encodeEcr({ imei: `${IMEIS[1]}5` }, ids(3), origin),
  encodeEcr({ imei: IMEIS[2], extraAvps: [avp('Proxy-Info', [avp('Proxy-Host', 'dra.example'), avp('Proxy-State', Buffer.from('s'))])] }, ids(4), origin),
  encodeEcr({ imei: IMEIS[3], terminalExtraAvps: [avp('3GPP2-MEID', Buffer.alloc(7, 1))] }, ids(5), origin),
  CER,
  base(280, [], 6),
  base(282, [avp('Disconnect-Cause', 2)], 7),
  encodeMessage({ flags: FLAG_REQUEST | FLAG_PROXIABLE, commandCode: 999, applicationId: APP_S13, ...ids(8), avps: [avp('Session-Id', 'x')] }),
];

/** The offsets of the AVP headers of a frame, walking grouped AVPs of vendor 10415 too. */
function avpOffsets(frame: Buffer): number[] {
  const out: number[] = [];
  const walk = (start: number, end: number) => {
    for (let p = start; p + 8 <= end; ) {
      const len = readU24(frame, p + 5);
      if (len < 8) return;
      out.push(p);
      if (frame.readUInt32BE(p) === 1401 && frame[p + 4] & 0x80) walk(p + 12, Math.min(end, p + len));
      p += (len + 3) & ~3;
    }
  };
  walk(20, frame.length);
  return out;
}

type Op = { kind: 'flip'; at: number } | { kind: 'truncate'; at: number } | { kind: 'length'; value: number } | { kind: 'avpLength'; which: number; value: number } | { kind: 'overwrite'; at: number; bytes: Uint8Array };

function mutate(frame: Buffer, ops: Op[]): Buffer {
  let b = Buffer.from(frame);
  for (const op of ops) {
    if (b.length === 0) break;
    switch (op.kind) {
      case 'flip':
        b[(op.at >> 3) % b.length] ^= 1 << (op.at & 7);
        break;
      case 'truncate':
        b = b.subarray(0, op.at % (b.length + 1));
        break;
      case 'length':
        if (b.length >= 4) b.writeUIntBE(op.value, 1, 3);
        break;
      case 'avpLength': {
        const offs = avpOffsets(b);
        if (offs.length) b.writeUIntBE(op.value, offs[op.which % offs.length] + 5, 3);
        break;
      }
      case 'overwrite':
        for (let i = 0; i < op.bytes.length; i++) b[(op.at + i) % b.length] = op.bytes[i];
        break;
    }
  }
  return b;
}

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('length' as const), value: fc.oneof(fc.integer({ min: 0, max: 0xffffff }), fc.constantFrom(0, 4, 19, 20, 21, 0xfffffc, 65540)) }),
  fc.record({ kind: fc.constant('avpLength' as const), which: fc.nat(), value: fc.oneof(fc.integer({ min: 0, max: 0xffffff }), fc.integer({ min: 0, max: 40 })) }),
  fc.record({ kind: fc.constant('overwrite' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
);

const caseArb = fc.record({
  cer: fc.boolean(),
  payload: fc.oneof(
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 400 }).map((a) => Buffer.from(a)) },
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...CORPUS), fc.array(opArb, { minLength: 1, maxLength: 4 })).map(([f, ops]) => mutate(f, ops)) },
  ),
  /** a valid ECR after the payload: answered if the stream survived */
  tail: fc.boolean(),
  cuts: fc.array(fc.nat(), { maxLength: 6 }),
});

function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
  });
}

/** Sends the case, then waits until the server closes or goes quiet; returns what it sent back. */
async function throwAt(port: number, c: { cer: boolean; payload: Buffer; tail: boolean; cuts: number[] }): Promise<{ received: Buffer; closedByServer: boolean }> {
  const s = await openSocket(port);
  s.on('error', () => {});
  const received: Buffer[] = [];
  let closedByServer = false;
  let last = Date.now();
  s.on('data', (d: Buffer) => {
    received.push(d);
    last = Date.now();
  });
  s.on('end', () => (closedByServer = true));
  const closed = new Promise<void>((r) => s.once('close', () => r()));
  const stream = Buffer.concat([c.cer ? CER : Buffer.alloc(0), c.payload, c.tail ? CORPUS[0] : Buffer.alloc(0)]);
  const points = [...new Set(c.cuts.map((x) => x % (stream.length + 1)))].sort((a, b) => a - b);
  let at = 0;
  for (const p of [...points, stream.length]) {
    if (p > at && !s.destroyed) s.write(stream.subarray(at, p));
    at = p;
    await new Promise((r) => setImmediate(r));
  }
  const start = Date.now();
  while (!s.destroyed && !closedByServer && Date.now() - start < 500 && Date.now() - last < 40) await new Promise((r) => setTimeout(r, 10));
  s.destroy();
  await closed;
  return { received: Buffer.concat(received), closedByServer };
}

test('fuzzed frames from several connections: the server stays up and a good peer keeps getting correct answers', { timeout: 120_000 }, async () => {
  const violations: string[] = [];
  let peersOpen = 0;
  const rules = new Map<string, number>();
  const server = await startS13Server({
    logger: { warn: (o: object) => void rules.set((o as { rule: string }).rule, (rules.get((o as { rule: string }).rule) ?? 0) + 1) },
    port: 0,
    host: '127.0.0.1',
    originHost: 'eir.ceir.example',
    originRealm: 'ceir.example',
    checker: {
      check(imei, imsi, imsiDigits, iface, svn) {
        const int = (v: number, below: number) => Number.isInteger(v) && v >= 0 && v < below;
        if (!int(imei, 1e14) || !(imsiDigits === 0 ? imsi === 0 : imsiDigits >= 5 && imsiDigits <= 15 && int(imsi, 10 ** imsiDigits)) || !(svn === NO_SVN || int(svn, 100)) || iface !== 's13') {
          violations.push(JSON.stringify([imei, imsi, imsiDigits, iface, svn]));
        }
        return TABLE[imeiKeyText(imei)] ?? 'UNKNOWN';
      },
      observeLatency() {},
      peerChange(d) {
        peersOpen += d;
      },
    },
  });
  const good = await S13Client.connect({ port: server.port, originHost: 'good.test.example', originRealm: 'test.example' });
  let stop = false;
  let checks = 0;
  const goodLoop = (async () => {
    while (!stop) {
      const imei = IMEIS[checks % 4];
      const r = await good.check({ imei, imsi: '999011234567890' });
      assert.equal(r.answer, TABLE[imei] ?? 'UNKNOWN');
      checks++;
    }
  })();

  let answered = 0;
  let closes = 0;
  const fuzzers = Array.from({ length: CONNECTIONS }, (_, i) =>
    fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const { received, closedByServer } = await throwAt(server.port, c);
        if (closedByServer) closes++;
        // whatever the server sent is well-formed Diameter: answers, or its own DWR/DPR
        const splitter = new FrameSplitter();
        const err = splitter.push(received, (b, o, l) => {
          const m = decodeMessage(b, o, l);
          if (m.flags & FLAG_REQUEST) {
            assert.ok([280, 282].includes(m.commandCode), `the server only requests DWR and DPR, got ${m.commandCode}`);
            return;
          }
          answered++;
          const rc = findAvp(m.avps, 268);
          const exp = findAvp(m.avps, 297);
          assert.ok(rc || exp, 'an answer carries Result-Code or Experimental-Result');
          if (rc) assert.ok(KNOWN_RESULTS.has(rc.data.readUInt32BE(0)), `Result-Code ${rc.data.readUInt32BE(0)}`);
          if (findAvp(m.avps, 1445, VENDOR_3GPP)) assert.equal(rc?.data.readUInt32BE(0), 2001);
        });
        assert.equal(err, null, 'the server never sends a malformed frame');
        assert.equal(splitter.buffered, 0, 'nor a partial one');
      }),
      { numRuns: RUNS_PER_CONNECTION, seed: SEED + i, endOnFailure: true },
    ),
  );
  try {
    await Promise.all(fuzzers);
  } finally {
    stop = true;
    await goodLoop;
  }
  assert.ok(good.isOpen, 'the good peer was never disconnected');
  assert.ok(checks > 50, `the good peer kept checking (${checks} checks)`);
  assert.ok(answered > 20 && closes > 20, `some fuzz frames were answered (${answered}), some connections closed (${closes})`);
  assert.deepEqual(violations, [], 'the checker only ever gets well-formed identifiers');
  assert.equal(rules.get('internal_error'), undefined, 'no fuzz case reached an unexpected exception');
  // a new peer is still welcome, and the peer count is back to the good peer
  const late = await S13Client.connect({ port: server.port, originHost: 'late.test.example', originRealm: 'test.example' });
  assert.equal((await late.check(IMEIS[1])).answer, 'BLACKLISTED');
  await late.disconnect();
  await waitUntil(() => server.peers() <= 1, { everyMs: 20 });
  assert.equal(server.peers(), 1);
  assert.equal(peersOpen, 1);
  await good.disconnect();
  await server.close();
  console.log(`# fuzz seed ${SEED}: ${RUNS_PER_CONNECTION * CONNECTIONS} cases, ${answered} answers, ${closes} closes, ${checks} good checks; rules ${JSON.stringify(Object.fromEntries(rules))}`);
});
