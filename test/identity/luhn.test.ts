import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { luhnCheckDigit, luhnValid } from '../../src/identity/index.ts';

const digits = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: n, maxLength: n });

test('worked examples from DOMAIN §2', () => {
  assert.equal(luhnCheckDigit('26053179311383'), 7);
  assert.equal(luhnCheckDigit('35209900176148'), 1);
  assert.equal(luhnCheckDigit('49015420323751'), 8);
  assert.equal(luhnValid('260531793113837'), true);
  assert.equal(luhnValid('352099001761481'), true);
  assert.equal(luhnValid('490154203237518'), true);
});

test('all zeros has check digit 0', () => {
  assert.equal(luhnCheckDigit('00000000000000'), 0);
  assert.equal(luhnValid('000000000000000'), true);
});

test('luhnCheckDigit refuses anything but 14 digits', () => {
  for (const bad of ['', '1234567890123', '123456789012345', '3520990017614a', ' 35209900176148']) {
    assert.throws(() => luhnCheckDigit(bad), RangeError, bad);
  }
});

test('luhnValid is false for wrong check digit or wrong shape', () => {
  assert.equal(luhnValid('352099001761482'), false);
  assert.equal(luhnValid('35209900176148'), false);
  assert.equal(luhnValid('3520990017614811'), false);
  assert.equal(luhnValid('35209900176148x'), false);
});

test('property: 14 random digits + computed check digit always verifies', () => {
  fc.assert(
    fc.property(digits(14), (d14) => {
      assert.equal(luhnValid(d14 + luhnCheckDigit(d14)), true);
    }),
  );
});

test('property: any single-digit change of a valid IMEI fails Luhn', () => {
  fc.assert(
    fc.property(digits(14), fc.integer({ min: 0, max: 14 }), fc.integer({ min: 1, max: 9 }), (d14, pos, delta) => {
      const imei = d14 + luhnCheckDigit(d14);
      const changed = (Number(imei[pos]) + delta) % 10;
      const mutated = imei.slice(0, pos) + changed + imei.slice(pos + 1);
      assert.notEqual(mutated, imei);
      assert.equal(luhnValid(mutated), false);
    }),
  );
});
