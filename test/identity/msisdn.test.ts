import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMsisdn, parseGpsi, countryCodeOf } from '../../src/identity/index.ts';

test('plain digits pass unchanged', () => {
  assert.deepEqual(parseMsisdn('923001234567'), { ok: true, msisdn: '923001234567' });
});

test('a leading + or 00 is stripped, once', () => {
  assert.deepEqual(parseMsisdn('+923001234567'), { ok: true, msisdn: '923001234567' });
  assert.deepEqual(parseMsisdn('00923001234567'), { ok: true, msisdn: '923001234567' });
  assert.deepEqual(parseMsisdn('+00923001234567'), { ok: true, msisdn: '00923001234567' });
  assert.deepEqual(parseMsisdn('0300123'), { ok: true, msisdn: '0300123' });
});

test('length: 15 digits pass, 16 fail (after stripping the prefix)', () => {
  assert.ok(parseMsisdn('1'.repeat(15)).ok);
  assert.ok(parseMsisdn(`+${'1'.repeat(15)}`).ok);
  assert.ok(parseMsisdn(`00${'1'.repeat(15)}`).ok);
  const r = parseMsisdn('1'.repeat(16));
  assert.ok(!r.ok && r.rule === 'length' && r.message.includes('16 digits'));
});

test('empty and non_digit', () => {
  for (const s of ['', '+', '00']) {
    const r = parseMsisdn(s);
    assert.ok(!r.ok && r.rule === 'empty', s);
  }
  for (const s of ['+92 300 1234567', '92-300', '++92300', 'abc', '923001234567\n']) {
    const r = parseMsisdn(s);
    assert.ok(!r.ok && r.rule === 'non_digit' && r.message.includes('MSISDN'), s);
  }
});

test('parseGpsi strips msisdn-', () => {
  assert.deepEqual(parseGpsi('msisdn-923001234567'), { ok: true, msisdn: '923001234567' });
  const long = parseGpsi(`msisdn-${'9'.repeat(16)}`);
  assert.ok(!long.ok && long.rule === 'length');
  const empty = parseGpsi('msisdn-');
  assert.ok(!empty.ok && empty.rule === 'empty');
});

test('parseGpsi: extid- is not an MSISDN, other forms are refused', () => {
  const ext = parseGpsi('extid-user@example.com');
  assert.ok(!ext.ok && ext.rule === 'not_msisdn' && ext.message.includes('extid-user@example.com'));
  for (const g of ['923001234567', 'MSISDN-923001234567', 'tel:+92300']) {
    const r = parseGpsi(g);
    assert.ok(!r.ok && r.rule === 'gpsi_format', g);
  }
  const e = parseGpsi('');
  assert.ok(!e.ok && e.rule === 'empty');
});

test('countryCodeOf picks the longest matching code', () => {
  const codes = ['1', '1876', '92', '44'];
  assert.equal(countryCodeOf('18765551234', codes), '1876');
  assert.equal(countryCodeOf('12125551234', codes), '1');
  assert.equal(countryCodeOf('923001234567', codes), '92');
  assert.equal(countryCodeOf('33123456789', codes), undefined);
  assert.equal(countryCodeOf('923001234567', []), undefined);
});

test('countryCodeOf tolerates + in the list and ignores empty codes', () => {
  assert.equal(countryCodeOf('923001234567', ['+92']), '92');
  assert.equal(countryCodeOf('923001234567', ['', '+']), undefined);
});
