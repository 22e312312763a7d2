import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  normaliseImei,
  isImeiKey,
  imeiKeyToNumber,
  numberToImeiKey,
  tacOf,
  reportingBodyOf,
  parseImei,
  luhnCheckDigit,
} from '../../src/identity/index.ts';

const digits = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: n, maxLength: n });

test('normaliseImei keeps the first 14 digits when the value starts with them', () => {
  assert.equal(normaliseImei('35209900176148'), '35209900176148');
  assert.equal(normaliseImei('352099001761481'), '35209900176148');
  assert.equal(normaliseImei('3520990017614899'), '35209900176148');
  assert.equal(normaliseImei('35209900176148abc'), '35209900176148');
  assert.equal(normaliseImei('  352099001761481\t'), '35209900176148');
});

test('normaliseImei upper-cases anything else (malformed values survive)', () => {
  assert.equal(normaliseImei('a1b2c3'), 'A1B2C3');
  assert.equal(normaliseImei('1234567890123'), '1234567890123');
  assert.equal(normaliseImei('3520990017614x8'), '3520990017614X8');
  assert.equal(normaliseImei(' 35-2099 '), '35-2099');
  assert.equal(normaliseImei(''), '');
  assert.equal(normaliseImei('   '), '');
});

test('property: normaliseImei is idempotent for arbitrary strings', () => {
  for (const unit of ['grapheme-ascii', 'binary'] as const) {
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 30 }), (s) => {
        const once = normaliseImei(s);
        assert.equal(normaliseImei(once), once);
      }),
      { numRuns: 500 },
    );
  }
  fc.assert(
    fc.property(digits(14), fc.string(), (d, tail) => {
      const once = normaliseImei(d + tail);
      assert.equal(once, d);
      assert.equal(normaliseImei(once), once);
    }),
  );
});

test('isImeiKey accepts exactly 14 ASCII digits', () => {
  assert.equal(isImeiKey('35209900176148'), true);
  assert.equal(isImeiKey('00000000000000'), true);
  assert.equal(isImeiKey('3520990017614'), false);
  assert.equal(isImeiKey('352099001761481'), false);
  assert.equal(isImeiKey('3520990017614A'), false);
  assert.equal(isImeiKey('٣٥٢٠٩٩٠٠١٧٦١٤٨'), false); // Arabic-Indic digits are not ASCII
  assert.equal(isImeiKey('35209900176148\n'), false);
});

test('imeiKeyToNumber / numberToImeiKey convert exactly, with zero padding', () => {
  assert.equal(imeiKeyToNumber('35209900176148'), 35209900176148);
  assert.equal(imeiKeyToNumber('00000000000001'), 1);
  assert.equal(imeiKeyToNumber('99999999999999'), 99999999999999);
  assert.equal(numberToImeiKey(1), '00000000000001');
  assert.equal(numberToImeiKey(0), '00000000000000');
  assert.equal(numberToImeiKey(99999999999999), '99999999999999');
  assert.ok(99999999999999 < Number.MAX_SAFE_INTEGER);
});

test('imeiKeyToNumber / numberToImeiKey throw RangeError on bad input', () => {
  for (const bad of ['', '1234567890123', '352099001761481', '3520990017614A', '+3520990017614']) {
    assert.throws(() => imeiKeyToNumber(bad), RangeError, bad);
  }
  for (const bad of [-1, 1e14, 1.5, NaN, Infinity, 2 ** 53]) {
    assert.throws(() => numberToImeiKey(bad), RangeError, String(bad));
  }
});

test('property: imeiKeyToNumber / numberToImeiKey round-trip', () => {
  fc.assert(fc.property(digits(14), (key) => assert.equal(numberToImeiKey(imeiKeyToNumber(key)), key)));
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 99999999999999 }), (n) => assert.equal(imeiKeyToNumber(numberToImeiKey(n)), n)),
  );
});

test('tacOf and reportingBodyOf', () => {
  assert.equal(tacOf('35209900176148'), '35209900');
  assert.equal(reportingBodyOf('35209900'), '35');
  assert.equal(reportingBodyOf(tacOf('86123456789012')), '86');
});

test('parseImei: 14 digits', () => {
  const r = parseImei('35209900176148');
  assert.deepEqual(r, { ok: true, key: '35209900176148', tac: '35209900', snr: '176148', form: 'imei14' });
});

test('parseImei: 15 digits reports the check digit', () => {
  assert.deepEqual(parseImei('352099001761481'), {
    ok: true,
    key: '35209900176148',
    tac: '35209900',
    snr: '176148',
    form: 'imei15',
    checkDigit: 1,
    checkDigitValid: true,
  });
});

test('parseImei: network data with a wrong or spare 15th digit is accepted', () => {
  const wrong = parseImei('352099001761482');
  assert.equal(wrong.ok, true);
  assert.ok(wrong.ok && wrong.checkDigitValid === false && wrong.checkDigit === 2);
  const spare = parseImei('352099001761480');
  assert.ok(spare.ok && spare.checkDigitValid === false && spare.checkDigit === 0 && spare.key === '35209900176148');
});

test('parseImei: human input with a wrong check digit is refused, spare 0 included', () => {
  const r = parseImei('352099001761482', { human: true });
  assert.equal(r.ok, false);
  assert.ok(!r.ok && r.rule === 'check_digit');
  assert.ok(!r.ok && r.message.includes('352099001761482') && r.message.includes('should be 1'));
  const spare = parseImei('352099001761480', { human: true });
  assert.ok(!spare.ok && spare.rule === 'check_digit');
  const good = parseImei('352099001761481', { human: true });
  assert.ok(good.ok && good.checkDigitValid === true);
});

test('parseImei: human formatting (label, spaces, dashes, dots) is stripped', () => {
  for (const input of [
    'IMEI: 35-209900-176148-1',
    'imei 35 209900 176148 1',
    'IMEI:352099.001761481',
    '  IMEI35209900176148 1 ',
    '35\u00a0209900\u00a0176148\u00a01',
  ]) {
    const r = parseImei(input, { human: true });
    assert.ok(r.ok && r.key === '35209900176148' && r.form === 'imei15', input);
  }
});

test('parseImei: without human, formatting is a non_digit error', () => {
  const r = parseImei('35-209900-176148-1');
  assert.ok(!r.ok && r.rule === 'non_digit' && r.message.includes('35-209900-176148-1'));
  const label = parseImei('IMEI:352099001761481');
  assert.ok(!label.ok && label.rule === 'non_digit');
});

test('parseImei: surrounding whitespace is trimmed', () => {
  const r = parseImei(' 35209900176148\n');
  assert.ok(r.ok && r.key === '35209900176148');
});

test('parseImei: IMEISV', () => {
  assert.deepEqual(parseImei('3520990017614802'), {
    ok: true,
    key: '35209900176148',
    tac: '35209900',
    snr: '176148',
    form: 'imeisv',
    svn: '02',
  });
  assert.ok(parseImei('3520990017614898').ok);
});

test('parseImei: IMEISV with reserved SVN 99', () => {
  for (const human of [false, true]) {
    const r = parseImei('3520990017614899', { human });
    assert.ok(!r.ok && r.rule === 'imeisv_svn_reserved' && r.message.includes('3520990017614899'));
  }
});

test('parseImei: empty', () => {
  for (const [input, human] of [['', false], ['   ', false], [' - . ', true], ['IMEI:', true]] as const) {
    const r = parseImei(input, { human });
    assert.ok(!r.ok && r.rule === 'empty', JSON.stringify(input));
  }
});

test('parseImei: non_digit', () => {
  for (const input of ['3520990017614A', 'abc', '35209900176148\u0661', '+35209900176148']) {
    const r = parseImei(input);
    assert.ok(!r.ok && r.rule === 'non_digit', input);
  }
  const h = parseImei('IMEI: 3520990017614_8', { human: true });
  assert.ok(!h.ok && h.rule === 'non_digit');
});

test('parseImei: length', () => {
  for (const input of ['1', '3520990017614', '35209900176148011', '1'.repeat(40)]) {
    const r = parseImei(input);
    assert.ok(!r.ok && r.rule === 'length', input);
    assert.ok(!r.ok && r.message.includes(`${input.length} digits`));
  }
  const h = parseImei('35 2099 0017', { human: true });
  assert.ok(!h.ok && h.rule === 'length' && h.message.includes('35 2099 0017'));
});

test('parseImei: very long input is cut in the message', () => {
  const r = parseImei('9'.repeat(1000));
  assert.ok(!r.ok && r.message.length < 300);
});

test('property: parseImei accepts every generated valid IMEI, human or not', () => {
  fc.assert(
    fc.property(digits(14), (d14) => {
      const cd = luhnCheckDigit(d14);
      for (const human of [false, true]) {
        const r = parseImei(`${d14}${cd}`, { human });
        assert.ok(r.ok && r.key === d14 && r.checkDigit === cd && r.checkDigitValid === true);
      }
    }),
  );
});
