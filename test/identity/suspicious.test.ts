import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isTestTac, suspiciousShapes, SUSPICIOUS_SHAPES, describeShape } from '../../src/identity/index.ts';

test('isTestTac: 0010 with digits 5-6 in 01..17', () => {
  assert.equal(isTestTac('00100100'), true);
  assert.equal(isTestTac('00101799'), true);
  assert.equal(isTestTac('00100000'), false);
  assert.equal(isTestTac('00101800'), false);
  assert.equal(isTestTac('00109912'), false);
});

test('isTestTac: 0044, 0086, 0091 with any digits 5-8', () => {
  for (const tac of ['00440000', '00869999', '00911234']) assert.equal(isTestTac(tac), true, tac);
  for (const tac of ['00450000', '00870000', '00900000', '01440000', '10440000', '35209900']) {
    assert.equal(isTestTac(tac), false, tac);
  }
});

test('isTestTac accepts a full key and refuses malformed TACs', () => {
  assert.equal(isTestTac('00440000123456'), true);
  assert.equal(isTestTac('0044'), false);
  assert.equal(isTestTac('0044000'), false);
  assert.equal(isTestTac('0044000A'), false);
  assert.equal(isTestTac(''), false);
});

test('all zeros is only all_zeros', () => {
  assert.deepEqual(suspiciousShapes('00000000000000'), ['all_zeros']);
});

test('repeated non-zero digit', () => {
  for (let d = 1; d <= 9; d++) assert.deepEqual(suspiciousShapes(String(d).repeat(14)), ['repeated_digit']);
});

test('ascending and descending runs wrap mod 10', () => {
  assert.deepEqual(suspiciousShapes('12345678901234'), ['ascending_run']);
  assert.deepEqual(suspiciousShapes('01234567890123'), ['ascending_run']);
  assert.deepEqual(suspiciousShapes('98765432109876'), ['descending_run']);
  assert.deepEqual(suspiciousShapes('10987654321098'), ['descending_run']);
  assert.deepEqual(suspiciousShapes('12345678901235'), []);
  assert.deepEqual(suspiciousShapes('98765432109875'), []);
});

test('test TAC shape', () => {
  assert.deepEqual(suspiciousShapes('00440000123456'), ['test_tac']);
  assert.deepEqual(suspiciousShapes('00100512345678'), ['test_tac']);
});

test('ordinary key has no shapes', () => {
  assert.deepEqual(suspiciousShapes('35209900176148'), []);
});

test('anything but 14 digits is malformed', () => {
  for (const key of ['', '0000000000000', '000000000000000', '1234567890123A', '352099001761481']) {
    assert.deepEqual(suspiciousShapes(key), ['malformed'], key);
  }
});

test('property: shapes of a 14-digit key never include malformed and follow SUSPICIOUS_SHAPES order', () => {
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 14, maxLength: 14 }), (key) => {
      const shapes = suspiciousShapes(key);
      assert.ok(!shapes.includes('malformed'));
      const idx = shapes.map((s) => SUSPICIOUS_SHAPES.indexOf(s));
      assert.deepEqual(idx, [...idx].sort((a, b) => a - b));
    }),
  );
});

test('SUSPICIOUS_SHAPES lists every shape with a one-line description', () => {
  assert.deepEqual(
    [...SUSPICIOUS_SHAPES].sort(),
    ['all_zeros', 'ascending_run', 'descending_run', 'malformed', 'repeated_digit', 'test_tac'],
  );
  const seen = new Set<string>();
  for (const s of SUSPICIOUS_SHAPES) {
    const d = describeShape(s);
    assert.match(d, /^[A-Z].*\.$/);
    assert.ok(!d.includes('\n'));
    seen.add(d);
  }
  assert.equal(seen.size, SUSPICIOUS_SHAPES.length);
});
