import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  AVP_FLAG_MANDATORY,
  AVP_FLAG_VENDOR,
  DiameterDecodeError,
  FLAG_PROXIABLE,
  FLAG_REQUEST,
  FrameSplitter,
  avpLayoutError,
  decodeAddress,
  decodeAvps,
  decodeGrouped,
  decodeHeader,
  decodeMessage,
  decodeValue,
  encodeAddress,
  encodeAvp,
  encodeMessage,
  encodeUnsigned32,
  encodeValue,
  type Avp,
} from '../../src/eir/diameter/codec.ts';
import { APP_S13, CMD_ME_IDENTITY_CHECK, VENDOR_3GPP, avp, avpDef, exampleAvp, isKnownAvp, lookupAvp } from '../../src/eir/diameter/dictionary.ts';
import { encodeEcr } from '../../src/eir/diameter/client.ts';

const msg = (avps: Buffer[], hop = 7, e2e = 9) =>
  encodeMessage({ flags: FLAG_REQUEST | FLAG_PROXIABLE, commandCode: CMD_ME_IDENTITY_CHECK, applicationId: APP_S13, hopByHop: hop, endToEnd: e2e, avps });

/** Every frame a splitter hands over, copied, and the error it ends with. */
function split(chunks: Buffer[], opts = {}): { frames: Buffer[]; error: string | null } {
  const s = new FrameSplitter(opts);
  const frames: Buffer[] = [];
  let error: string | null = null;
  for (const c of chunks) error = s.push(c, (b, o, l) => void frames.push(Buffer.from(b.subarray(o, o + l))));
  return { frames, error };
}

test('the header: 20 bytes, version 1, 24-bit length and command, ids', () => {
  const m = encodeMessage({ flags: 0xc0, commandCode: 324, applicationId: 16777252, hopByHop: 0xdeadbeef, endToEnd: 0x01020304, avps: [avp('Session-Id', 'a;b')] });
  assert.equal(m.length, 20 + 12);
  assert.deepEqual([...m.subarray(0, 8)], [1, 0, 0, 32, 0xc0, 0, 1, 0x44]);
  assert.deepEqual(decodeHeader(m), { version: 1, length: 32, flags: 0xc0, commandCode: 324, applicationId: 16777252, hopByHop: 0xdeadbeef, endToEnd: 0x01020304 });
  const d = decodeMessage(m);
  assert.equal(d.avps.length, 1);
  assert.equal(d.avps[0].data.toString(), 'a;b');
});

test('an ECR is byte for byte what scapy.contrib.diameter builds', () => {
  // built with scapy 2.5: DiamReq(324, drAppId=16777252, drHbHId=3, drEtEId=4, avpList=[AVP(263, val='mme.test;1;2'),
  // AVP(277, val=1), AVP(264, val='mme.test'), AVP(296, val='test'), AVP(283, val='eir'), AVP([1401,10415], val=[
  // AVP([1402,10415], val='35209900176148'), AVP([1403,10415], val='01')]), AVP(1, val='999011234567890')])
  const scapy =
    '010000acc000014401000024000000030000000400000107400000146d6d652e746573743b313b32000001154000000c0000000100000108400000106d6d652e74657374000001284000000c746573740000011b4000000b6569720000000579c0000038000028af0000057ac000001a000028af333532303939303031373631343800000000057bc000000e000028af30310000000000014000001739393930313132333435363738393000';
  const ours = encodeEcr({ imei: '35209900176148', svn: '01', imsi: '999011234567890', sessionId: 'mme.test;1;2' }, { hopByHop: 3, endToEnd: 4 }, { originHost: 'mme.test', originRealm: 'test', destinationRealm: 'eir' });
  assert.equal(ours.toString('hex'), scapy);
});

test('AVP: length excludes the padding, data padded with zeroes to 4 bytes', () => {
  for (let n = 0; n <= 9; n++) {
    const a = encodeAvp(1, Buffer.alloc(n, 0x41), AVP_FLAG_MANDATORY);
    assert.equal(a.length, 8 + Math.ceil(n / 4) * 4, `data of ${n} bytes`);
    assert.equal(a.readUIntBE(5, 3), 8 + n);
    assert.ok(a.subarray(8 + n).every((b) => b === 0), 'padding is zero');
    const [d] = decodeAvps(a);
    assert.equal(d.data.length, n);
    assert.equal(d.flags, AVP_FLAG_MANDATORY);
    assert.equal(d.vendorId, 0);
  }
});

test('AVP: a vendor id sets the V flag and a 12-byte header', () => {
  const a = encodeAvp(1402, Buffer.from('35209900176148'), AVP_FLAG_MANDATORY, VENDOR_3GPP);
  assert.equal(a[4], AVP_FLAG_VENDOR | AVP_FLAG_MANDATORY);
  assert.equal(a.readUIntBE(5, 3), 12 + 14);
  assert.equal(a.readUInt32BE(8), 10415);
  assert.equal(a.length, 28);
  const [d] = decodeAvps(a);
  assert.deepEqual({ code: d.code, flags: d.flags, vendorId: d.vendorId, data: d.data.toString() }, { code: 1402, flags: 0xc0, vendorId: 10415, data: '35209900176148' });
  assert.equal(avp('IMEI', '35209900176148').toString('hex'), a.toString('hex'), 'the dictionary gives IMEI its V and M flags');
});

test('typed values round trip', () => {
  const cases: [Parameters<typeof encodeValue>[0], Parameters<typeof encodeValue>[1], string][] = [
    ['Unsigned32', 0xffffffff, 'ffffffff'],
    ['Integer32', -2, 'fffffffe'],
    ['Enumerated', 2, '00000002'],
    ['Unsigned64', 2n ** 64n - 1n, 'ffffffffffffffff'],
    ['Integer64', -1n, 'ffffffffffffffff'],
    ['UTF8String', 'Grüße', Buffer.from('Grüße').toString('hex')],
    ['DiameterIdentity', 'eir.ceir.example', Buffer.from('eir.ceir.example').toString('hex')],
    ['OctetString', Buffer.from([0, 1, 255]), '0001ff'],
    ['Address', '192.0.2.1', '0001c0000201'],
    ['Address', '2001:db8::1', '000220010db8000000000000000000000001'],
  ];
  for (const [type, value, hex] of cases) {
    const enc = encodeValue(type, value);
    assert.equal(enc.toString('hex'), hex, type);
    assert.deepEqual(decodeValue(type, enc), value, type);
  }
  assert.throws(() => encodeUnsigned32(-1), RangeError);
  assert.throws(() => encodeUnsigned32(2 ** 32), RangeError);
  assert.throws(() => decodeValue('Unsigned32', Buffer.alloc(3)), DiameterDecodeError);
});

test('Address: a 2-byte family then the address, IPv4 and IPv6 forms', () => {
  for (const ip of ['127.0.0.1', '::1', '::', 'fe80::1:2', '2001:db8:0:1:1:1:1:1', '1:0:0:2::3']) assert.equal(decodeAddress(encodeAddress(ip)), ip);
  assert.equal(decodeAddress(encodeAddress('::ffff:10.0.0.1')), '::ffff:a00:1');
  assert.equal(encodeAddress('10.1.2.3').readUInt16BE(0), 1);
  assert.equal(encodeAddress('::1').readUInt16BE(0), 2);
  assert.throws(() => encodeAddress('eir.example'), RangeError);
  assert.throws(() => decodeAddress(Buffer.from([0, 1, 1, 2])), DiameterDecodeError);
  assert.throws(() => decodeAddress(Buffer.from([0, 8, 1, 2, 3, 4])), DiameterDecodeError);
});

test('grouped AVPs nest, each inner AVP padded', () => {
  const ti = avp('Terminal-Information', [avp('IMEI', '35209900176148'), avp('Software-Version', '07')]);
  const [outer] = decodeAvps(ti);
  assert.equal(outer.code, 1401);
  assert.equal(outer.vendorId, 10415);
  const inner = decodeGrouped(outer.data);
  assert.deepEqual(inner.map((a) => [a.code, a.data.toString()]), [[1402, '35209900176148'], [1403, '07']]);
  const failed = avp('Failed-AVP', [ti]);
  const [f] = decodeAvps(failed);
  assert.equal(decodeGrouped(decodeGrouped(f.data)[0].data).length, 2, 'two levels deep');
});

test('the dictionary: base and S13 AVPs, examples of missing AVPs', () => {
  assert.equal(lookupAvp(263)?.name, 'Session-Id');
  assert.equal(lookupAvp(1445, VENDOR_3GPP)?.type, 'Enumerated');
  assert.equal(lookupAvp(1445), undefined, 'Equipment-Status is a 3GPP AVP');
  assert.ok(isKnownAvp(1401, VENDOR_3GPP));
  assert.ok(!isKnownAvp(9999));
  assert.deepEqual(avpDef('Terminal-Information'), { name: 'Terminal-Information', code: 1401, vendorId: 10415, type: 'Grouped', mandatory: true });
  const [ex] = decodeAvps(exampleAvp('Auth-Session-State'));
  assert.deepEqual([ex.code, ex.data.length, ex.data.readUInt32BE(0)], [277, 4, 0]);
  const [sid] = decodeAvps(exampleAvp('Session-Id'));
  assert.equal(sid.data.length, 0);
});

test('AVP layout: truncated headers, too-small lengths and overruns are refused', () => {
  const good = avp('Session-Id', 'x');
  assert.equal(avpLayoutError(good, 0, good.length), null);
  assert.equal(avpLayoutError(good, 0, 4), 'avp_header_truncated');
  const small = Buffer.from(good);
  small.writeUIntBE(4, 5, 3);
  assert.equal(avpLayoutError(small, 0, small.length), 'avp_length_too_small');
  const vendorShort = encodeAvp(5, Buffer.alloc(0), 0);
  vendorShort[4] = AVP_FLAG_VENDOR; // V flag but 8-byte length
  assert.equal(avpLayoutError(vendorShort, 0, vendorShort.length), 'avp_length_too_small');
  const over = Buffer.from(good);
  over.writeUIntBE(200, 5, 3);
  assert.equal(avpLayoutError(over, 0, over.length), 'avp_length_overrun');
  assert.throws(() => decodeAvps(over), (e: DiameterDecodeError) => e.rule === 'avp_length_overrun');
  // the last AVP may omit its padding
  const unpadded = good.subarray(0, 9);
  assert.equal(decodeAvps(unpadded)[0].data.toString(), 'x');
});

test('splitter: every split point of three frames gives the three frames', () => {
  const frames = [msg([avp('Session-Id', 'one')], 1), msg([avp('Session-Id', 'second frame'), avp('User-Name', '999011234567890')], 2), msg([], 3)];
  const stream = Buffer.concat(frames);
  for (let i = 0; i <= stream.length; i++) {
    for (const j of [i, Math.min(stream.length, i + 1), Math.min(stream.length, i + 5), stream.length]) {
      const r = split([stream.subarray(0, i), stream.subarray(i, j), stream.subarray(j)]);
      assert.equal(r.error, null);
      assert.deepEqual(r.frames, frames, `split at ${i} and ${j}`);
    }
  }
});

test('splitter: byte by byte, and coalesced frames in one chunk', () => {
  const frames = Array.from({ length: 50 }, (_, i) => msg([avp('Session-Id', 'x'.repeat(i))], i));
  const stream = Buffer.concat(frames);
  const bytes = [...stream].map((b) => Buffer.from([b]));
  assert.deepEqual(split(bytes).frames, frames);
  assert.deepEqual(split([stream]).frames, frames);
});

test('splitter: frames inside a chunk are handed over in place', () => {
  const stream = Buffer.concat([msg([]), msg([])]);
  const seen: [Buffer, number][] = [];
  new FrameSplitter().push(stream, (b, o) => void seen.push([b, o]));
  assert.deepEqual(seen.map(([b, o]) => [b === stream, o]), [[true, 0], [true, 20]]);
});

test('splitter: garbage breaks the stream with a named rule, and stays broken', () => {
  const good = msg([avp('Session-Id', 'abc')]);
  const withHead = (version: number, len: number) => Buffer.from([version, len >> 16, (len >> 8) & 255, len & 255, 0x80, 0, 1, 0x44, ...Array(12).fill(0)]);
  const cases: [Buffer, string][] = [
    [withHead(2, 20), 'bad_version'],
    [withHead(1, 16), 'length_below_header'],
    [withHead(1, 0), 'length_below_header'],
    [withHead(1, 22), 'length_not_multiple_of_4'],
    [withHead(1, 0xfffffc), 'length_above_maximum'],
  ];
  for (const [bad, rule] of cases) {
    const r = split([good, bad, good]);
    assert.equal(r.error, rule);
    assert.equal(r.frames.length, 1, `${rule}: frames before the garbage are kept, none after`);
  }
  // refused as soon as the first 4 bytes arrive: nothing is buffered for an absurd length
  const s = new FrameSplitter();
  assert.equal(s.push(Buffer.from([1, 0xff, 0xff]), () => {}), null);
  assert.equal(s.push(Buffer.from([0xfc]), () => {}), 'length_above_maximum');
  assert.equal(s.buffered, 4);
  assert.equal(s.push(good, () => assert.fail('no frame after an error')), 'length_above_maximum');
  // a configured maximum
  assert.equal(split([msg([avp('Session-Id', 'x'.repeat(100))])], { maxMessageBytes: 64 }).error, 'length_above_maximum');
  // an AVP overrunning its message
  const over = Buffer.from(good);
  over.writeUIntBE(0xffff, 20 + 5, 3);
  assert.equal(split([over]).error, 'avp_length_overrun');
  assert.equal(split([over], { checkAvps: false }).frames.length, 1, 'unless AVPs are not checked');
});

test('splitter: a handler returning false stops it', () => {
  const s = new FrameSplitter();
  let n = 0;
  assert.equal(s.push(Buffer.concat([msg([]), msg([]), msg([])]), () => ++n < 2), 'stopped');
  assert.equal(n, 2);
});

// ---------------------------------------------------------------- properties

const avpArb = fc.record({
  code: fc.integer({ min: 0, max: 0xffffffff }),
  flags: fc.constantFrom(0, AVP_FLAG_MANDATORY, 0x20, 0x60),
  vendorId: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 0xffffffff })),
  data: fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)),
});
const messageArb = fc.record({
  flags: fc.integer({ min: 0, max: 255 }),
  commandCode: fc.integer({ min: 0, max: 0xffffff }),
  applicationId: fc.integer({ min: 0, max: 0xffffffff }),
  hopByHop: fc.integer({ min: 0, max: 0xffffffff }),
  endToEnd: fc.integer({ min: 0, max: 0xffffffff }),
  avps: fc.array(avpArb, { maxLength: 8 }),
});
const norm = (a: { code: number; flags: number; vendorId: number; data: Buffer }): Avp => ({
  code: a.code,
  flags: a.vendorId ? a.flags | AVP_FLAG_VENDOR : a.flags,
  vendorId: a.vendorId,
  data: a.data,
});

test('property: messages round trip through encode and decode', () => {
  fc.assert(
    fc.property(messageArb, (m) => {
      const bytes = encodeMessage({ ...m, avps: m.avps.map((a) => encodeAvp(a.code, a.data, a.flags, a.vendorId)) });
      assert.equal(bytes.length % 4, 0);
      const d = decodeMessage(bytes);
      assert.deepEqual({ ...d, avps: d.avps.map((a) => ({ ...a, data: Buffer.from(a.data) })) }, { ...m, version: 1, length: bytes.length, avps: m.avps.map(norm) });
    }),
  );
});

test('property: grouped AVPs round trip', () => {
  fc.assert(
    fc.property(fc.array(avpArb, { maxLength: 6 }), (inner) => {
      const g = encodeAvp(1401, Buffer.concat(inner.map((a) => encodeAvp(a.code, a.data, a.flags, a.vendorId))), AVP_FLAG_MANDATORY, VENDOR_3GPP);
      const [outer] = decodeAvps(g);
      assert.deepEqual(decodeGrouped(outer.data).map((a) => ({ ...a, data: Buffer.from(a.data) })), inner.map(norm));
    }),
  );
});

test('property: any chunking of a stream of messages gives back the same messages', () => {
  fc.assert(
    fc.property(fc.array(messageArb, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 12 }), (ms, cuts) => {
      const frames = ms.map((m) => encodeMessage({ ...m, avps: m.avps.map((a) => encodeAvp(a.code, a.data, a.flags, a.vendorId)) }));
      const stream = Buffer.concat(frames);
      const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
      const chunks: Buffer[] = [];
      let at = 0;
      for (const p of [...points, stream.length]) {
        chunks.push(stream.subarray(at, p));
        at = p;
      }
      const r = split(chunks, { maxMessageBytes: 1 << 20 });
      assert.equal(r.error, null);
      assert.deepEqual(r.frames, frames);
    }),
  );
});

test('property: the splitter never throws on arbitrary bytes, and what it hands over is well formed', () => {
  const good = msg([avp('Session-Id', 'seed'), avp('Terminal-Information', [avp('IMEI', '35209900176148')])]);
  const bytesArb = fc.oneof(
    fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
    // mutations of a valid frame: a flipped bit, a truncation, a different length field
    fc.tuple(fc.nat(good.length * 8 - 1), fc.nat(good.length)).map(([bit, cut]) => {
      const b = Buffer.from(good);
      b[bit >> 3] ^= 1 << (bit & 7);
      return Buffer.concat([b.subarray(0, cut), good]);
    }),
    fc.integer({ min: 0, max: 0xffffff }).map((len) => {
      const b = Buffer.from(good);
      b.writeUIntBE(len, 1, 3);
      return b;
    }),
  );
  fc.assert(
    fc.property(fc.array(bytesArb, { minLength: 1, maxLength: 4 }), (chunks) => {
      const s = new FrameSplitter();
      for (const c of chunks) {
        const err = s.push(c, (b, o, l) => {
          assert.equal(b[o], 1);
          assert.equal(b.readUIntBE(o + 1, 3), l);
          assert.equal(l % 4, 0);
          assert.ok(l >= 20 && l <= 65536);
          assert.equal(avpLayoutError(b, o + 20, o + l), null);
          assert.equal(decodeMessage(b, o, l).length, l, 'a handed-over frame always decodes');
        });
        assert.ok(err === null || typeof err === 'string');
      }
    }),
    { numRuns: 500 },
  );
});
