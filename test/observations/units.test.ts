/** Units of the observations module: RAT codes, decimal identifiers, the triplet table, HyperLogLog, file names, days. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { InputError } from '../../src/io/input-error.ts';
import { Aggregator } from '../../src/observations/aggregate.ts';
import { compactDay, dayFromIso, dayNumber, isoDay, monthOf, todayNumber } from '../../src/observations/days.ts';
import { periodFromFileName } from '../../src/observations/file-name.ts';
import { Hll } from '../../src/observations/hll.ts';
import type { Observation } from '../../src/observations/parser.ts';
import { generationMask, ratBit, ratCodes, ratMask, RAT_CODES } from '../../src/observations/rat.ts';
import { decimalValue, NO_VALUE, TripletTable } from '../../src/observations/triplet-table.ts';

// ---------------------------------------------------------------- RAT

test('ratMask: 001..010 are bits 0..9, 101..105 bits 10..14', () => {
  const codes = ['001', '002', '003', '004', '005', '006', '007', '008', '009', '010', '101', '102', '103', '104', '105'];
  codes.forEach((c, i) => {
    assert.equal(ratMask(c), 1 << i, c);
    assert.equal(ratBit(c), 1 << i, c);
  });
  assert.equal(ratMask('101'), 1 << 10);
  assert.equal(ratMask('105'), 1 << 14);
  assert.equal(ratMask(codes.join('|')), (1 << 15) - 1);
  assert.equal(ratMask('002|006|010'), (1 << 1) | (1 << 5) | (1 << 9));
  assert.equal(ratMask('006|006'), 1 << 5, 'a repeated code is one bit');
  assert.equal(ratMask('006 | 010'), (1 << 5) | (1 << 9), 'spaces around codes are tolerated');
});

test('ratMask: an unknown code anywhere in the list gives -1', () => {
  for (const t of ['000', '011', '100', '106', '6', '0060', 'abc', '006|011', '011|006', '006|', '|006', '006,010']) {
    assert.equal(ratMask(t), -1, t);
  }
  assert.equal(ratBit('011'), 0);
});

test('ratCodes is the inverse of ratMask, in code order', () => {
  assert.deepEqual(ratCodes(0), []);
  assert.deepEqual(ratCodes(ratMask('105|001|010')), ['001', '010', '105']);
  assert.deepEqual(ratCodes((1 << 15) - 1), Object.keys(RAT_CODES).sort());
  fc.assert(
    fc.property(fc.integer({ min: 0, max: (1 << 15) - 1 }), (mask) => {
      const codes = ratCodes(mask);
      assert.equal(codes.length ? ratMask(codes.join('|')) : 0, mask);
    }),
  );
  assert.deepEqual(ratCodes(1 << 20), [], 'bits above 14 name no code');
});

test('generationMask maps codes to 2G..5G (bits 0..3), ignoring WLAN, GAN and Virtual', () => {
  const g = (codes: string) => generationMask(ratMask(codes));
  assert.equal(g('002'), 0b0001, 'GERAN 2G');
  assert.equal(g('104'), 0b0001, '1xRTT 2G');
  for (const c of ['001', '005', '102', '103']) assert.equal(g(c), 0b0010, `${c} 3G`);
  for (const c of ['006', '008', '009', '101', '105']) assert.equal(g(c), 0b0100, `${c} 4G`);
  assert.equal(g('010'), 0b1000, 'NR 5G');
  for (const c of ['003', '004', '007']) assert.equal(g(c), 0, `${c} has no generation`);
  assert.equal(g('002|001|006|010'), 0b1111);
  assert.equal(g('104|105'), 0b0101, '3GPP2 codes in bits 10..14 map too');
  assert.equal(generationMask(0), 0);
});

// ---------------------------------------------------------------- decimalValue

test('decimalValue: exact numbers for 1..15 digits, -1 otherwise', () => {
  assert.equal(decimalValue('0'), 0);
  assert.equal(decimalValue('7'), 7);
  assert.equal(decimalValue('999011234567890'), 999011234567890);
  assert.equal(decimalValue('999999999999999'), 999_999_999_999_999);
  assert.equal(decimalValue(''), NO_VALUE);
  assert.equal(decimalValue('1234567890123456'), NO_VALUE, '16 digits');
  assert.equal(decimalValue('0123'), NO_VALUE, 'a leading zero would not round-trip');
  assert.equal(decimalValue('12a4'), NO_VALUE);
  assert.equal(decimalValue('+9912'), NO_VALUE);
  assert.equal(decimalValue('12 4'), NO_VALUE);
  assert.equal(decimalValue('-1'), NO_VALUE);
  assert.equal(decimalValue('1.5'), NO_VALUE);
});

test('decimalValue with fixedLength keeps leading zeros (the 14-digit IMEI key)', () => {
  assert.equal(decimalValue('00000000000001', true), 1);
  assert.equal(decimalValue('01234567890123', true), 1234567890123);
  assert.equal(String(decimalValue('01234567890123', true)).padStart(14, '0'), '01234567890123');
  assert.equal(decimalValue('0123456789012A', true), NO_VALUE);
});

test('decimalValue round-trips every digit string it accepts', () => {
  fc.assert(
    fc.property(fc.stringMatching(/^[0-9]{1,15}$/), (s) => {
      const v = decimalValue(s);
      if (s.length > 1 && s[0] === '0') assert.equal(v, NO_VALUE);
      else assert.equal(String(v), s);
      assert.equal(String(decimalValue(s, true)).padStart(s.length, '0'), s);
    }),
  );
  fc.assert(
    fc.property(fc.string({ maxLength: 18 }), (s) => {
      const v = decimalValue(s);
      if (v !== NO_VALUE) assert.equal(String(v), s);
    }),
  );
});

// ---------------------------------------------------------------- TripletTable

interface E {
  first: number;
  last: number;
  bits: number;
  rat: number;
}

function drainAll(t: TripletTable): Map<string, E> {
  const out = new Map<string, E>();
  t.drain((a, b, c, first, last, bits, rat) => {
    const k = `${a}/${b}/${c}`;
    assert.ok(!out.has(k), `key ${k} drained twice`);
    out.set(k, { first, last, bits, rat });
  });
  return out;
}

test('TripletTable merges first/last/bits/rat of one key and keeps distinct keys apart', () => {
  const t = new TripletTable(4);
  t.add(35209900176148, 999011234567890, 99123456789, 20100, 1 << 4, 1 << 5);
  t.add(35209900176148, 999011234567890, 99123456789, 20090, 1 << 0, 1 << 1);
  t.add(35209900176148, 999011234567890, 99123456789, 20110, 1 << 9, 1 << 5);
  t.add(35209900176148, 999011234567891, 99123456789, 20100, 1, 1);
  t.add(35209900176148, 999011234567890, 99123456780, 20100, 1, 1);
  t.add(35209900176149, 999011234567890, 99123456789, 20100, 1, 1);
  t.add(35209900176148, -2, -2, 20100, 2, 0); // absent IMSI and MSISDN
  assert.equal(t.size, 5);
  const m = drainAll(t);
  assert.deepEqual(m.get('35209900176148/999011234567890/99123456789'), { first: 20090, last: 20110, bits: (1 << 4) | 1 | (1 << 9), rat: (1 << 5) | (1 << 1) });
  assert.deepEqual(m.get('35209900176148/-2/-2'), { first: 20100, last: 20100, bits: 2, rat: 0 });
  assert.equal(m.size, 5);
  assert.equal(t.size, 0, 'drain empties the table');
  assert.equal(drainAll(t).size, 0, 'a drained table visits nothing');
  t.add(1, 2, 3, 5, 1, 1);
  assert.deepEqual([...drainAll(t).entries()], [['1/2/3', { first: 5, last: 5, bits: 1, rat: 1 }]], 'usable again after a drain');
});

test('TripletTable.drainRange drains slot ranges; together they are the whole table', () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 10_000 }), { maxLength: 150 }), fc.integer({ min: 1, max: 300 }), (ids, step) => {
      const t = new TripletTable(8);
      for (const id of ids) t.add(id, id + 1, -2, 20000 + (id % 7), 1 << id % 31, id & 0x7fff);
      const seen: number[] = [];
      for (let from = 0; from < t.capacity; from += step) {
        const before = t.size;
        let n = 0;
        t.drainRange(from, from + step, (imei, imsi, msisdn, first, last, bits, rat) => {
          assert.deepEqual([imsi, msisdn, first, last, bits, rat], [imei + 1, -2, 20000 + (imei % 7), 20000 + (imei % 7), 1 << imei % 31, imei & 0x7fff]);
          seen.push(imei);
          n++;
        });
        assert.equal(t.size, before - n);
      }
      assert.deepEqual(seen.sort((a, b) => a - b), [...ids].sort((a, b) => a - b));
      assert.equal(t.size, 0);
      assert.equal(drainAll(t).size, 0);
    }),
    { numRuns: 100 },
  );
});

test('TripletTable.full() turns true exactly at the load limit', () => {
  const t = new TripletTable(4, 0.7); // 16 slots, limit floor(11.2) = 11
  assert.equal(t.capacity, 16);
  for (let i = 0; i < 10; i++) t.add(i, i, i, 1, 1, 0);
  t.add(0, 0, 0, 2, 2, 0); // an existing key does not grow the table
  assert.equal(t.size, 10);
  assert.equal(t.full(), false);
  t.add(10, 10, 10, 1, 1, 0);
  assert.equal(t.size, 11);
  assert.equal(t.full(), true);
  drainAll(t);
  assert.equal(t.full(), false);
});

test('TripletTable equals a naive Map on random data, across drains', () => {
  const obs = fc.record({
    imei: fc.integer({ min: 0, max: 7 }).map((i) => 35209900176140 + i),
    imsi: fc.constantFrom(-2, 999010000000001, 999010000000002, 0),
    msisdn: fc.constantFrom(-2, 99100000001, 99100000002),
    day: fc.integer({ min: 20000, max: 20030 }),
    rat: fc.integer({ min: 0, max: (1 << 15) - 1 }),
  });
  fc.assert(
    fc.property(fc.array(obs, { maxLength: 300 }), fc.integer({ min: 3, max: 8 }), (rows, log2) => {
      const table = new TripletTable(log2);
      const naive = new Map<string, E>();
      const drained = new Map<string, E>();
      const merge = (into: Map<string, E>, k: string, e: E) => {
        const o = into.get(k);
        if (!o) into.set(k, { ...e });
        else Object.assign(o, { first: Math.min(o.first, e.first), last: Math.max(o.last, e.last), bits: o.bits | e.bits, rat: o.rat | e.rat });
      };
      for (const r of rows) {
        const bit = 1 << (r.day % 31);
        merge(naive, `${r.imei}/${r.imsi}/${r.msisdn}`, { first: r.day, last: r.day, bits: bit, rat: r.rat });
        table.add(r.imei, r.imsi, r.msisdn, r.day, bit, r.rat);
        if (table.full()) for (const [k, e] of drainAll(table)) merge(drained, k, e);
      }
      for (const [k, e] of drainAll(table)) merge(drained, k, e);
      assert.deepEqual(drained, naive);
    }),
    { numRuns: 200 },
  );
});

// ---------------------------------------------------------------- Aggregator

function observation(o: Partial<Observation> & { day: number; imei: string }): Observation {
  const num = (s: string | null, fixed = false) => (s === null ? -1 : decimalValue(s, fixed));
  const imsi = o.imsi ?? null;
  const msisdn = o.msisdn ?? null;
  return {
    line: 0, rat: 0, cell: null, svn: null, ...o, imsi, msisdn,
    imeiNum: o.imei.length === 14 ? num(o.imei, true) : -1, imsiNum: num(imsi), msisdnNum: num(msisdn),
  };
}

/** Stage lines merged per key (the database's min / max / bit_or). */
function mergeStage(text: string, into = new Map<string, number[]>()): Map<string, number[]> {
  for (const line of text.split('\n').filter(Boolean)) {
    const f = line.split('\t');
    const k = f.slice(0, 7).join('\t');
    const v = f.slice(7).map(Number);
    const o = into.get(k);
    into.set(k, o ? [Math.min(o[0], v[0]), Math.max(o[1], v[1]), o[2] | v[2], o[3] | v[3]] : v);
  }
  return into;
}

test('Aggregator: drained in pieces or at once, the stage merges to the same entries', () => {
  const day0 = dayNumber('20250125')!;
  const obs = fc.record({
    day: fc.integer({ min: 0, max: 12 }).map((d) => day0 + d), // crosses into February
    imei: fc.constantFrom('35209900176148', '01234567890123', 'ABCDEF12', '35209900176149'),
    imsi: fc.constantFrom(null, '999011234567890', '001010123456789', 'X', '\u0002', 'X\u0001'),
    msisdn: fc.constantFrom(null, '99123456789', '+99123', '\u0001X'),
    rat: fc.integer({ min: 0, max: 63 }),
    cell: fc.constantFrom(null, 'c1', 'c\t2', 'c\u00011'),
    svn: fc.constantFrom(null, '01', '02'),
  });
  fc.assert(
    fc.property(fc.array(obs, { maxLength: 200 }), (rows) => {
      // 1 024-slot tables hold the at most 200 rows without a drain (the default's million-slot
      // tables made each of the 150 runs allocate and scan megabytes: 113 s on a busy CI machine).
      const whole = new Aggregator(1_000_000, 10);
      const pieces = new Aggregator(3, 2); // 3 string entries, 4-slot tables: drains all the time
      const staged = new Map<string, number[]>();
      for (const r of rows) {
        const o = observation(r);
        whole.add(o);
        pieces.add(o);
        if (pieces.full()) mergeStage(pieces.drain(), staged);
      }
      mergeStage(pieces.drain(), staged);
      assert.equal(pieces.size, 0);
      assert.ok(!whole.full());
      assert.deepEqual(staged, mergeStage(whole.drain()));
    }),
    { numRuns: 150 },
  );
});

test('Aggregator stage rows: month, padded IMEI, NULLs, COPY escaping, day bit', () => {
  const a = new Aggregator();
  const d = dayNumber('20250203')!;
  a.add(observation({ day: d, imei: '01234567890123', imsi: '999011234567890', msisdn: '99123456789', rat: 32 }));
  a.add(observation({ day: d, imei: 'AB\\CD', imsi: null, msisdn: null, cell: 'x\ty', svn: '07' }));
  const lines = a.drain().split('\n').filter(Boolean).sort();
  const feb = dayNumber('20250201')!;
  assert.deepEqual(lines, [
    `l\t${feb}\tAB\\\\CD\t\\N\t\\N\tx\\ty\t\\N\t${d}\t${d}\t4\t0`,
    `s\t\\N\tAB\\\\CD\t\\N\t\\N\t\\N\t07\t${d}\t${d}\t0\t0`,
    `t\t${feb}\t01234567890123\t999011234567890\t99123456789\t\\N\t\\N\t${d}\t${d}\t4\t32`,
    `t\t${feb}\tAB\\\\CD\t\\N\t\\N\t\\N\t\\N\t${d}\t${d}\t4\t0`,
  ]);
  assert.equal(a.flushed, 4);
  assert.equal(a.size, 0);
});

test('Aggregator: control characters in values stay in their own column', () => {
  const a = new Aggregator();
  const d = dayNumber('20250203')!;
  const feb = dayNumber('20250201')!;
  a.add(observation({ day: d, imei: 'AB\u0001CD', imsi: '\u0002', msisdn: 'x\u0001y', cell: 'c\u0001d', svn: 's\u0002' }));
  a.add(observation({ day: d, imei: 'AB', imsi: 'CD\u0001\u0002', msisdn: 'x' }));
  assert.deepEqual(a.drain().split('\n').filter(Boolean).sort(), [
    `l\t${feb}\tAB\u0001CD\t\\N\t\\N\tc\u0001d\t\\N\t${d}\t${d}\t4\t0`,
    `s\t\\N\tAB\u0001CD\t\\N\t\\N\t\\N\ts\u0002\t${d}\t${d}\t0\t0`,
    `t\t${feb}\tAB\u0001CD\t\u0002\tx\u0001y\t\\N\t\\N\t${d}\t${d}\t4\t0`,
    `t\t${feb}\tAB\tCD\u0001\u0002\tx\t\\N\t\\N\t${d}\t${d}\t4\t0`,
  ]);
});

// ---------------------------------------------------------------- HyperLogLog

const within = (est: number, n: number, tol: number) => assert.ok(Math.abs(est - n) / n <= tol, `estimate ${est} for ${n} distinct values`);

test('Hll estimates 10k and 100k distinct values within 5% (numbers and strings)', () => {
  for (const n of [10_000, 100_000]) {
    const num = new Hll();
    const str = new Hll();
    for (let i = 0; i < n; i++) {
      num.addNumber(35209900000000 + i * 7);
      str.add(`imei-${i}`);
    }
    within(num.estimate(), n, 0.05);
    within(str.estimate(), n, 0.05);
    for (let i = 0; i < n; i += 3) num.addNumber(35209900000000 + i * 7); // repeats change nothing
    within(num.estimate(), n, 0.05);
  }
});

test('Hll: small counts are near exact, and an empty sketch is 0', () => {
  assert.equal(new Hll().estimate(), 0);
  const h = new Hll();
  for (let i = 0; i < 100; i++) h.addNumber(999010000000000 + i);
  within(h.estimate(), 100, 0.02);
  for (let i = 0; i < 100; i++) h.addNumber(999010000000000 + i);
  within(h.estimate(), 100, 0.02);
});

test('Hll merge equals the sketch of the union, and survives a round trip through its registers', () => {
  const a = new Hll();
  const b = new Hll();
  const u = new Hll();
  for (let i = 0; i < 30_000; i++) {
    const x = 99100000000 + i;
    if (i < 20_000) a.addNumber(x);
    if (i >= 10_000) b.addNumber(x);
    u.addNumber(x);
  }
  a.merge(b);
  assert.deepEqual(a.registers, u.registers);
  const copy = new Hll(Buffer.from(u.registers));
  assert.deepEqual(copy.registers, u.registers);
  assert.equal(copy.estimate(), u.estimate());
  const saved = Uint8Array.from(u.registers);
  for (let i = 0; i < 50_000; i++) copy.add(`other-${i}`);
  assert.notDeepEqual(copy.registers, u.registers);
  assert.deepEqual(u.registers, saved, 'a sketch built from registers copies them');
  assert.throws(() => new Hll(new Uint8Array(10)), RangeError);
});

test('Hll: the number and string paths are distinct ways to add (each value always one way)', () => {
  const n = new Hll();
  const s = new Hll();
  for (let i = 0; i < 5000; i++) {
    n.addNumber(35209900000000 + i);
    s.add(String(35209900000000 + i));
  }
  within(n.estimate(), 5000, 0.05);
  within(s.estimate(), 5000, 0.05);
  assert.notDeepEqual(n.registers, s.registers);
  const both = new Hll();
  for (let i = 0; i < 5000; i++) {
    both.addNumber(35209900000000 + i);
    both.add(`X${i}`);
  }
  within(both.estimate(), 10_000, 0.05);
});

// ---------------------------------------------------------------- file names

test('periodFromFileName reads the _YYYYMMDD_YYYYMMDD period, with .csv, .gz, .zip', () => {
  const good: [string, string, string][] = [
    ['alpha_20250101_20250131.csv', '20250101', '20250131'],
    ['a_b_c_20250101_20250101.csv', '20250101', '20250101'],
    ['_20240228_20240301.csv', '20240228', '20240301'],
    ['alpha_20250101_20250131.csv.gz', '20250101', '20250131'],
    ['alpha_20250101_20250131.csv.zip', '20250101', '20250131'],
    ['alpha_20250101_20250131.gz', '20250101', '20250131'],
    ['alpha_20250101_20250131.zip', '20250101', '20250131'],
    ['ALPHA_20250101_20250131.CSV.GZ', '20250101', '20250131'],
    ['leap_20240229_20240229.csv', '20240229', '20240229'],
  ];
  for (const [name, s, e] of good) {
    const p = periodFromFileName(name);
    assert.equal(p.startText, s, name);
    assert.equal(p.endText, e, name);
    assert.equal(p.start, dayNumber(s));
    assert.equal(p.end, dayNumber(e));
  }
  assert.equal(periodFromFileName('x_20250101_20250131.csv').end - periodFromFileName('x_20250101_20250131.csv').start, 30);
});

test('periodFromFileName refuses bad names with rule file_name and a reason', () => {
  const refuse = (name: string, why: RegExp) => {
    assert.throws(
      () => periodFromFileName(name),
      (e: unknown) => e instanceof InputError && e.problem.rule === 'file_name' && e.problem.file === name && why.test(e.problem.message),
      name,
    );
  };
  for (const name of ['alpha.csv', 'alpha_20250101.csv', 'alpha_20250101_20250131.txt', 'alpha_2025011_20250131.csv', 'alpha_20250101_20250131.csv.bz2',
    'alpha_20250101-20250131.csv', 'alpha_20250101_20250131.csv.tar', '20250101_20250131.csv', 'alpha_20250101_20250131_x.csv']) {
    refuse(name, /named <anything>_<YYYYMMDD>_<YYYYMMDD>\.csv/);
  }
  refuse('alpha_20250131_20250101.csv', /ends \(20250101\) before it starts \(20250131\)/);
  for (const name of ['alpha_20250230_20250301.csv', 'alpha_20250101_20251301.csv', 'alpha_20230229_20230301.csv', 'alpha_20250100_20250101.csv']) {
    refuse(name, /not made of calendar days/);
  }
});

// ---------------------------------------------------------------- days

test('dayNumber / isoDay / compactDay / dayFromIso round-trip; non-days are null', () => {
  assert.equal(dayNumber('19700101'), 0);
  assert.equal(dayNumber('19700102'), 1);
  assert.equal(dayNumber('20250101'), 20089);
  assert.equal(isoDay(20089), '2025-01-01');
  assert.equal(compactDay(20089), '20250101');
  assert.equal(dayFromIso('2025-01-01'), 20089);
  assert.equal(dayNumber('20240229')! + 1, dayNumber('20240301'));
  for (const bad of ['20250229', '20251301', '20250000', '20250132', '2025011', '202501011', '2025-01-01', 'abcdefgh', '', ' 20250101']) {
    assert.equal(dayNumber(bad), null, bad);
  }
  fc.assert(
    fc.property(fc.integer({ min: -1000, max: 60_000 }), (d) => {
      assert.equal(dayNumber(compactDay(d)), d);
      assert.equal(dayFromIso(isoDay(d)), d);
    }),
  );
});

test('monthOf gives the first day of the month and the day of month', () => {
  assert.deepEqual(monthOf(dayNumber('20250131')!), { month: dayNumber('20250101'), dom: 31 });
  assert.deepEqual(monthOf(dayNumber('20250201')!), { month: dayNumber('20250201'), dom: 1 });
  assert.deepEqual(monthOf(dayNumber('20240229')!), { month: dayNumber('20240201'), dom: 29 });
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 60_000 }), (d) => {
      const m = monthOf(d);
      assert.equal(m.month + m.dom - 1, d);
      assert.ok(m.dom >= 1 && m.dom <= 31);
      assert.equal(isoDay(m.month).slice(8), '01');
      assert.equal(isoDay(m.month).slice(0, 7), isoDay(d).slice(0, 7));
    }),
  );
});

test('todayNumber floors to the UTC day', () => {
  assert.equal(todayNumber(new Date('2025-03-04T00:00:00Z')), dayNumber('20250304'));
  assert.equal(todayNumber(new Date('2025-03-04T23:59:59.999Z')), dayNumber('20250304'));
  assert.equal(todayNumber(new Date('2025-03-04T23:30:00-02:00')), dayNumber('20250305'));
  assert.equal(typeof todayNumber(), 'number');
});
