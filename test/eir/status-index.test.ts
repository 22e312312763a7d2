import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { imeiNumber, imsiNumber, ImeiTable, PairTable, StatusIndex, tacOfNumber, type EirPolicy } from '../../src/eir/status-index.ts';
import type { CheckAnswer } from '../../src/eir/types.ts';

const I = (s: string): number => imeiNumber(s);
const BLOCKED = I('35209900000001');
const NOTIFIED = I('35209900000002');
const MONITORED = I('35209900000003');
const PAIRED = I('35209900000004');
const KNOWN = I('35209900000005');
const KNOWN_TAC = I('86000001123456');
const STRANGER = I('99000000000009');
const IMSI = imsiNumber('999010000000001');
const OTHER_IMSI = imsiNumber('999010000000002');

test('imeiNumber: exactly 14 digits, else NaN', () => {
  assert.equal(imeiNumber('35209900176148'), 35209900176148);
  assert.equal(imeiNumber('00000000000000'), 0);
  assert.equal(imeiNumber('99999999999999'), 99999999999999);
  assert.equal(imeiNumber('01234567890123'), 1234567890123);
  for (const bad of ['', '3520990017614', '352099001761482', '3520990017614a', ' 35209900176148', '3520990017614/', '3520990017614:']) {
    assert.ok(Number.isNaN(imeiNumber(bad)), bad);
  }
  fc.assert(fc.property(fc.stringMatching(/^[0-9]{14}$/), (s) => imeiNumber(s) === Number(s)));
  assert.equal(tacOfNumber(imeiNumber('86000001999999')), 86000001);
});

test('imsiNumber: 5 to 15 digits, else NaN', () => {
  assert.equal(imsiNumber('999010000000001'), 999010000000001);
  assert.equal(imsiNumber('21401'), 21401);
  for (const bad of ['', '2140', '9990100000000011', '99901x', '-9990']) assert.ok(Number.isNaN(imsiNumber(bad)), bad);
});

test('blocked: add, remove, counts', () => {
  const ix = new StatusIndex();
  assert.equal(ix.addBlocked(BLOCKED), true);
  assert.equal(ix.addBlocked(BLOCKED), false, 'already blocked');
  assert.equal(ix.isBlocked(BLOCKED), true);
  assert.equal(ix.isBlocked(NOTIFIED), false);
  assert.equal(ix.counts().blocked, 1);
  assert.equal(ix.counts().listedImeis, 1);
  assert.equal(ix.removeBlocked(BLOCKED), true);
  assert.equal(ix.removeBlocked(BLOCKED), false, 'not blocked any more');
  assert.equal(ix.isBlocked(BLOCKED), false);
  assert.deepEqual(ix.counts(), { listedImeis: 0, blocked: 0, notifiedImeis: 0, notifications: 0, monitored: 0, exceptionPairs: 0, exceptions: 0, knownImeis: 0, knownTacs: 0 });
});

test('notifications: a count per IMEI, removing one row keeps the others greylisted', () => {
  const ix = new StatusIndex();
  assert.equal(ix.addNotification(NOTIFIED), 1);
  assert.equal(ix.addNotification(NOTIFIED), 2);
  assert.equal(ix.addNotification(NOTIFIED), 3);
  assert.deepEqual([ix.counts().notifiedImeis, ix.counts().notifications], [1, 3]);
  assert.equal(ix.removeNotification(NOTIFIED), 2);
  assert.equal(ix.decide(NOTIFIED, NaN, 'permissive'), 'GREYLISTED');
  assert.equal(ix.removeNotification(NOTIFIED), 1);
  assert.equal(ix.decide(NOTIFIED, NaN, 'permissive'), 'GREYLISTED');
  assert.equal(ix.removeNotification(NOTIFIED), 0);
  assert.equal(ix.decide(NOTIFIED, NaN, 'permissive'), 'WHITELISTED');
  assert.equal(ix.removeNotification(NOTIFIED), -1, 'none left: nothing removed');
  assert.deepEqual([ix.counts().notifiedImeis, ix.counts().notifications, ix.counts().listedImeis], [0, 0, 0]);
});

test('notifications: counts past the in-slot 15 (a cloned IMEI seen with many subscribers), beside the other flags', () => {
  const ix = new StatusIndex();
  ix.addBlocked(NOTIFIED);
  ix.addMonitored(NOTIFIED);
  for (let n = 1; n <= 40; n++) assert.equal(ix.addNotification(NOTIFIED), n);
  assert.equal(ix.notificationCount(NOTIFIED), 40);
  for (let n = 39; n >= 0; n--) {
    assert.equal(ix.removeNotification(NOTIFIED), n);
    assert.equal(ix.notificationCount(NOTIFIED), n);
    assert.equal(ix.isBlocked(NOTIFIED), true);
    assert.equal(ix.isMonitored(NOTIFIED), true);
  }
  assert.equal(ix.counts().notifications, 0);
  assert.equal(ix.counts().listedImeis, 1, 'still blocked and monitored');
  ix.removeBlocked(NOTIFIED);
  ix.removeMonitored(NOTIFIED);
  assert.equal(ix.counts().listedImeis, 0);
  assert.equal(ix.bytes() > 0, true);
});

test('exceptions: (IMEI, IMSI) pairs with a row count', () => {
  const ix = new StatusIndex();
  assert.equal(ix.addException(PAIRED, IMSI), 1);
  assert.equal(ix.addException(PAIRED, IMSI), 2, 'same pair on another row (another MSISDN or operator)');
  assert.equal(ix.exceptionCount(PAIRED, OTHER_IMSI), 0);
  assert.deepEqual([ix.counts().exceptionPairs, ix.counts().exceptions], [1, 2]);
  assert.equal(ix.removeException(PAIRED, IMSI), 1);
  assert.equal(ix.removeException(PAIRED, IMSI), 0);
  assert.equal(ix.removeException(PAIRED, IMSI), -1);
  assert.deepEqual([ix.counts().exceptionPairs, ix.counts().exceptions], [0, 0]);
});

test('known IMEIs and TACs', () => {
  const ix = new StatusIndex();
  assert.equal(ix.addKnownImei(KNOWN), true);
  assert.equal(ix.addKnownImei(KNOWN), false);
  assert.equal(ix.addKnownTac(86000001), true);
  assert.equal(ix.addKnownTac(86000001), false);
  assert.equal(ix.isKnownImei(KNOWN), true);
  assert.equal(ix.isKnownTac(86000001), true);
  assert.equal(ix.isKnownTac(86000002), false);
  assert.deepEqual([ix.counts().knownImeis, ix.counts().knownTacs], [1, 1]);
  assert.throws(() => ix.addKnownTac(100_000_000), /not an 8-digit/);
  assert.equal(ix.removeKnownTac(86000001), true);
  assert.equal(ix.removeKnownImei(KNOWN), true);
  assert.equal(ix.removeKnownImei(KNOWN), false);
  assert.deepEqual([ix.counts().knownImeis, ix.counts().knownTacs], [0, 0]);
});

function fixture(): StatusIndex {
  const ix = new StatusIndex();
  ix.addBlocked(BLOCKED);
  ix.addNotification(NOTIFIED);
  ix.addMonitored(MONITORED);
  ix.addBlocked(PAIRED);
  ix.addException(PAIRED, IMSI);
  ix.addException(STRANGER, IMSI);
  ix.addKnownImei(KNOWN);
  ix.addKnownImei(BLOCKED);
  ix.addKnownTac(86000001);
  return ix;
}

test('decide: every branch of DOMAIN §7 under both policies', () => {
  const ix = fixture();
  const cases: [string, number, number, CheckAnswer, CheckAnswer][] = [
    // name, imei, imsi, permissive, restrictive
    ['exception pair on a blocked IMEI', PAIRED, IMSI, 'WHITELISTED', 'WHITELISTED'],
    ['blocked IMEI with another subscriber', PAIRED, OTHER_IMSI, 'BLACKLISTED', 'BLACKLISTED'],
    ['blocked IMEI without IMSI', PAIRED, NaN, 'BLACKLISTED', 'BLACKLISTED'],
    ['blocked, also registered: blocked wins', BLOCKED, NaN, 'BLACKLISTED', 'BLACKLISTED'],
    ['notified', NOTIFIED, IMSI, 'GREYLISTED', 'GREYLISTED'],
    ['monitored', MONITORED, NaN, 'GREYLISTED', 'GREYLISTED'],
    ['registered IMEI', KNOWN, NaN, 'WHITELISTED', 'WHITELISTED'],
    ['IMEI of a known TAC', KNOWN_TAC, NaN, 'WHITELISTED', 'WHITELISTED'],
    ['unknown IMEI', I('35209900000099'), NaN, 'WHITELISTED', 'UNKNOWN'],
    ['unknown IMEI with an exception pair', STRANGER, IMSI, 'WHITELISTED', 'WHITELISTED'],
    ['unknown IMEI, exception for another IMSI', STRANGER, OTHER_IMSI, 'WHITELISTED', 'UNKNOWN'],
    ['not an IMEI (NaN)', NaN, NaN, 'WHITELISTED', 'UNKNOWN'],
  ];
  for (const [name, imei, imsi, permissive, restrictive] of cases) {
    assert.equal(ix.decide(imei, imsi, 'permissive'), permissive, `${name}, permissive`);
    assert.equal(ix.decide(imei, imsi, 'restrictive'), restrictive, `${name}, restrictive`);
  }
  assert.equal(ix.decide(I('35209900000099'), NaN, 'restrictive', 'GREYLISTED'), 'GREYLISTED', 'the unknown answer is configurable');
  assert.equal(ix.decide(KNOWN, NaN, 'restrictive', 'GREYLISTED'), 'WHITELISTED');
  assert.equal(new StatusIndex().decide(KNOWN, NaN, 'restrictive'), 'UNKNOWN', 'an empty index knows nothing');
});

test('clone is copy-on-write: the clone changes, the original does not (and the other way round)', () => {
  const a = fixture();
  const before = a.counts();
  const b = a.clone();
  assert.equal(b.removeBlocked(BLOCKED), true);
  b.addBlocked(STRANGER);
  b.removeException(PAIRED, IMSI);
  b.addNotification(NOTIFIED);
  b.removeKnownTac(86000001);
  b.removeKnownImei(KNOWN);
  assert.equal(a.decide(BLOCKED, NaN, 'permissive'), 'BLACKLISTED');
  assert.equal(a.decide(STRANGER, NaN, 'permissive'), 'WHITELISTED');
  assert.equal(a.decide(PAIRED, IMSI, 'permissive'), 'WHITELISTED');
  assert.equal(a.notificationCount(NOTIFIED), 1);
  assert.equal(a.decide(KNOWN_TAC, NaN, 'restrictive'), 'WHITELISTED');
  assert.equal(a.decide(KNOWN, NaN, 'restrictive'), 'WHITELISTED');
  assert.deepEqual(a.counts(), before);
  assert.equal(b.decide(BLOCKED, NaN, 'permissive'), 'WHITELISTED');
  assert.equal(b.decide(STRANGER, NaN, 'permissive'), 'BLACKLISTED');
  assert.equal(b.decide(PAIRED, IMSI, 'permissive'), 'BLACKLISTED');
  assert.equal(b.decide(KNOWN_TAC, NaN, 'restrictive'), 'UNKNOWN');
  // A write to the original after the clone does not reach the clone either.
  const c = a.clone();
  a.addBlocked(KNOWN);
  assert.equal(c.isBlocked(KNOWN), false);
});

test('growth by rehash: 200 000 dense keys from an 8-slot table, then removals; ≤ 16 bytes an entry after fit', () => {
  const t = new ImeiTable();
  const n = 200_000;
  const base = 35209900000000;
  for (let i = 0; i < n; i++) t.set(base + i, 1 + (i % 63));
  assert.equal(t.size, n);
  assert.ok(t.capacity >= n / 0.7 && t.capacity <= n / 0.5 + 1, `capacity ${t.capacity}`);
  for (let i = 0; i < n; i++) if (t.get(base + i) !== 1 + (i % 63)) assert.fail(`key ${base + i} lost`);
  assert.equal(t.get(base + n), 0);
  for (let i = 0; i < n; i += 2) t.set(base + i, 0);
  assert.equal(t.size, n / 2);
  for (let i = 0; i < n; i++) if (t.get(base + i) !== (i % 2 ? 1 + (i % 63) : 0)) assert.fail(`key ${base + i} wrong after removals`);
  t.fit();
  assert.ok(t.bytes / t.size <= 16, `${t.bytes / t.size} bytes an entry`);
  for (let i = 1; i < n; i += 2) if (t.get(base + i) !== 1 + (i % 63)) assert.fail(`key ${base + i} lost by fit`);
});

test('reserve sizes once; the extreme keys 0 and 99999999999999 are keys like any other', () => {
  const t = new ImeiTable();
  t.reserve(1000);
  const cap = t.capacity;
  for (let i = 0; i < 1000; i++) t.set(i * 99_999_999_999, 2);
  assert.equal(t.capacity, cap, 'no growth after reserve');
  t.set(0, 5);
  t.set(99999999999999, 7);
  assert.equal(t.get(0), 5);
  assert.equal(t.get(99999999999999), 7);
  assert.throws(() => t.set(NaN, 1), /not an IMEI number/);
  assert.throws(() => t.set(-1, 1), /not an IMEI number/);
  assert.equal(t.get(NaN), 0);
});

/** A table of capacity 8 with up to 7 live keys: every probe chain collides and wraps. */
test('collisions, wrap-around and backward-shift deletion against a Map (property)', () => {
  const keys = fc.constantFrom(0, 1, 2, 3, 7, 8, 15, 16, 99999999999999, 35209900000001, 35209900000002, 86000001000000);
  const op = fc.record({ key: keys, flags: fc.integer({ min: 0, max: 63 }) });
  fc.assert(
    fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
      const t = new ImeiTable(8);
      const model = new Map<number, number>();
      for (const { key, flags } of ops) {
        const prev = t.set(key, flags);
        assert.equal(prev, model.get(key) ?? 0);
        if (flags === 0) model.delete(key);
        else model.set(key, flags);
        assert.equal(t.size, model.size);
        for (const k of [0, 1, 2, 3, 7, 8, 15, 16, 99999999999999, 35209900000001, 35209900000002, 86000001000000]) assert.equal(t.get(k), model.get(k) ?? 0);
      }
      const seen = new Map<number, number>();
      t.forEach((k, f) => seen.set(k, f));
      assert.deepEqual(seen, model);
    }),
    { numRuns: 300 },
  );
});

test('pair table: collisions and deletion against a Map (property)', () => {
  const pair = fc.record({ a: fc.integer({ min: 0, max: 5 }), b: fc.constantFrom(0, 999010000000001, 999010000000002), d: fc.integer({ min: -2, max: 2 }) });
  fc.assert(
    fc.property(fc.array(pair, { maxLength: 200 }), (ops) => {
      const t = new PairTable(8);
      const model = new Map<string, number>();
      for (const { a, b, d } of ops) {
        const k = `${a}/${b}`;
        const cur = model.get(k) ?? 0;
        const got = t.add(a, b, d);
        if (cur + d < 0) assert.equal(got, -1);
        else {
          assert.equal(got, cur + d);
          if (cur + d === 0) model.delete(k);
          else model.set(k, cur + d);
        }
        assert.equal(t.size, model.size);
        assert.equal(t.total, [...model.values()].reduce((x, y) => x + y, 0));
      }
      for (let a = 0; a <= 5; a++) for (const b of [0, 999010000000001, 999010000000002]) assert.equal(t.get(a, b), model.get(`${a}/${b}`) ?? 0);
    }),
    { numRuns: 300 },
  );
});

// --- the whole index against a model of Maps and Sets -------------------------------------------

interface Model {
  blocked: Set<number>;
  monitored: Set<number>;
  notes: Map<number, number>;
  exceptions: Map<string, number>;
  known: Set<number>;
  tacs: Set<number>;
}

const copyModel = (m: Model): Model => ({
  blocked: new Set(m.blocked), monitored: new Set(m.monitored), notes: new Map(m.notes), exceptions: new Map(m.exceptions), known: new Set(m.known), tacs: new Set(m.tacs),
});

function modelDecide(m: Model, imei: number, imsi: number, policy: EirPolicy, unknown: CheckAnswer): CheckAnswer {
  if (!Number.isNaN(imsi) && (m.exceptions.get(`${imei}/${imsi}`) ?? 0) > 0) return 'WHITELISTED';
  if (m.blocked.has(imei)) return 'BLACKLISTED';
  if ((m.notes.get(imei) ?? 0) > 0 || m.monitored.has(imei)) return 'GREYLISTED';
  if (policy === 'permissive') return 'WHITELISTED';
  if (m.known.has(imei) || m.tacs.has(Math.floor(imei / 1e6))) return 'WHITELISTED';
  return unknown;
}

const POOL = [35209900000001, 35209900000002, 35209900000003, 86000001000001, 86000001000002, 0, 99999999999999, 12345678901234];
const IMSIS = [999010000000001, 999020000000002];

type Op =
  | { op: 'block' | 'unblock' | 'monitor' | 'unmonitor' | 'note' | 'unnote' | 'know' | 'unknow'; imei: number }
  | { op: 'except' | 'unexcept'; imei: number; imsi: number }
  | { op: 'tac' | 'untac'; tac: number }
  | { op: 'clone' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constantFrom('block', 'unblock', 'monitor', 'unmonitor', 'note', 'note', 'note', 'unnote', 'unnote', 'know', 'unknow'), imei: fc.constantFrom(...POOL) }),
  fc.record({ op: fc.constantFrom('except', 'unexcept'), imei: fc.constantFrom(...POOL), imsi: fc.constantFrom(...IMSIS) }),
  fc.record({ op: fc.constantFrom('tac', 'untac'), tac: fc.constantFrom(35209900, 86000001) }),
  fc.constant({ op: 'clone' as const }),
);

function apply(ix: StatusIndex, m: Model, o: Op): void {
  const bump = <K>(map: Map<K, number>, k: K, d: number): number => {
    const n = (map.get(k) ?? 0) + d;
    if (n < 0) return -1;
    if (n === 0) map.delete(k);
    else map.set(k, n);
    return n;
  };
  const toggle = (set: Set<number>, k: number, on: boolean): boolean => {
    const had = set.has(k);
    if (on) set.add(k);
    else set.delete(k);
    return had !== on;
  };
  switch (o.op) {
    case 'block': return assert.equal(ix.addBlocked(o.imei), toggle(m.blocked, o.imei, true));
    case 'unblock': return assert.equal(ix.removeBlocked(o.imei), toggle(m.blocked, o.imei, false));
    case 'monitor': return assert.equal(ix.addMonitored(o.imei), toggle(m.monitored, o.imei, true));
    case 'unmonitor': return assert.equal(ix.removeMonitored(o.imei), toggle(m.monitored, o.imei, false));
    case 'know': return assert.equal(ix.addKnownImei(o.imei), toggle(m.known, o.imei, true));
    case 'unknow': return assert.equal(ix.removeKnownImei(o.imei), toggle(m.known, o.imei, false));
    case 'note': return assert.equal(ix.addNotification(o.imei), bump(m.notes, o.imei, 1));
    case 'unnote': return assert.equal(ix.removeNotification(o.imei), bump(m.notes, o.imei, -1));
    case 'except': return assert.equal(ix.addException(o.imei, o.imsi), bump(m.exceptions, `${o.imei}/${o.imsi}`, 1));
    case 'unexcept': return assert.equal(ix.removeException(o.imei, o.imsi), bump(m.exceptions, `${o.imei}/${o.imsi}`, -1));
    case 'tac': return assert.equal(ix.addKnownTac(o.tac), toggle(m.tacs, o.tac, true));
    case 'untac': return assert.equal(ix.removeKnownTac(o.tac), toggle(m.tacs, o.tac, false));
    case 'clone': return;
  }
}

function assertSame(ix: StatusIndex, m: Model): void {
  for (const imei of [...POOL, 35209900000099]) {
    for (const imsi of [...IMSIS, NaN]) {
      for (const policy of ['permissive', 'restrictive'] as const) {
        assert.equal(ix.decide(imei, imsi, policy), modelDecide(m, imei, imsi, policy, 'UNKNOWN'), `${imei}/${imsi}/${policy}`);
      }
      assert.equal(ix.decide(imei, imsi, 'restrictive', 'GREYLISTED'), modelDecide(m, imei, imsi, 'restrictive', 'GREYLISTED'));
    }
    assert.equal(ix.notificationCount(imei), m.notes.get(imei) ?? 0);
  }
  const listed = new Set([...m.blocked, ...m.monitored, ...m.notes.keys()]);
  assert.deepEqual(ix.counts(), {
    listedImeis: listed.size, blocked: m.blocked.size, notifiedImeis: m.notes.size, notifications: [...m.notes.values()].reduce((a, b) => a + b, 0),
    monitored: m.monitored.size, exceptionPairs: m.exceptions.size, exceptions: [...m.exceptions.values()].reduce((a, b) => a + b, 0),
    knownImeis: m.known.size, knownTacs: m.tacs.size,
  });
}

test('the index against a model of Sets and Maps, clones included (property)', () => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 150 }), (ops) => {
      let ix = new StatusIndex();
      let m: Model = { blocked: new Set(), monitored: new Set(), notes: new Map(), exceptions: new Map(), known: new Set(), tacs: new Set() };
      const frozen: [StatusIndex, Model][] = [];
      for (const o of ops) {
        if (o.op === 'clone') {
          // The old index is kept as a served snapshot: later writes go to the clone only.
          frozen.push([ix, copyModel(m)]);
          ix = ix.clone();
          m = copyModel(m);
        }
        apply(ix, m, o);
      }
      assertSame(ix, m);
      for (const [old, om] of frozen) assertSame(old, om);
    }),
    { numRuns: 300 },
  );
});
