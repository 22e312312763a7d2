import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseImsi, parseSupi, isCleanImsi } from '../../src/identity/index.ts';

test('default plan: 2-digit MNC', () => {
  assert.deepEqual(parseImsi('410011234567890'), {
    ok: true,
    imsi: '410011234567890',
    mcc: '410',
    mnc: '01',
    msin: '1234567890',
  });
});

test('mncLength 3 as the default', () => {
  const r = parseImsi('310260123456789', { mncLength: 3 });
  assert.ok(r.ok && r.mnc === '260' && r.msin === '123456789');
});

test('mncLengthByMcc overrides the default', () => {
  const plan = { mncLength: 2, mncLengthByMcc: { '310': 3 } } as const;
  const us = parseImsi('310260123456789', plan);
  assert.ok(us.ok && us.mcc === '310' && us.mnc === '260');
  const pk = parseImsi('410011234567890', plan);
  assert.ok(pk.ok && pk.mnc === '01');
});

test('knownPrefixes win over mncLengthByMcc, longest prefix first', () => {
  const plan = { mncLengthByMcc: { '310': 3 as const }, knownPrefixes: ['31026', '405854'] };
  const r = parseImsi('310261234567890', plan);
  assert.ok(r.ok && r.mnc === '26' && r.msin === '1234567890');
  const other = parseImsi('310410123456789', plan);
  assert.ok(other.ok && other.mnc === '410');
  const india = parseImsi('405854123456789', plan);
  assert.ok(india.ok && india.mnc === '854');
  const both = parseImsi('310260123456789', { knownPrefixes: ['31026', '310260'] });
  assert.ok(both.ok && both.mnc === '260');
  const bothReversed = parseImsi('310260123456789', { knownPrefixes: ['310260', '31026'] });
  assert.ok(bothReversed.ok && bothReversed.mnc === '260');
});

test('a malformed known prefix is a RangeError', () => {
  assert.throws(() => parseImsi('410011234567890', { knownPrefixes: ['4100'] }), RangeError);
  assert.throws(() => parseImsi('410011234567890', { knownPrefixes: ['41001a'] }), RangeError);
});

test('length bounds: 6 and 15 digits pass, 5 and 16 fail', () => {
  const six = parseImsi('410011');
  assert.ok(six.ok && six.msin === '1');
  const sixMnc3 = parseImsi('310260', { mncLength: 3 });
  assert.ok(sixMnc3.ok && sixMnc3.mnc === '260' && sixMnc3.msin === '');
  assert.ok(parseImsi('4'.repeat(15)).ok);
  for (const bad of ['41001', '4100112345678901']) {
    const r = parseImsi(bad);
    assert.ok(!r.ok && r.rule === 'length' && r.message.includes(bad), bad);
  }
});

test('empty and non_digit', () => {
  const e = parseImsi('');
  assert.ok(!e.ok && e.rule === 'empty');
  for (const bad of ['41001123456789a', ' 410011234567890', '+410011234567890', '4100-1123']) {
    const r = parseImsi(bad);
    assert.ok(!r.ok && r.rule === 'non_digit' && r.message.includes('IMSI'), bad);
  }
});

test('isCleanImsi: 14 or 15 digits only', () => {
  assert.equal(isCleanImsi('41001123456789'), true);
  assert.equal(isCleanImsi('410011234567890'), true);
  assert.equal(isCleanImsi('4100112345678'), false);
  assert.equal(isCleanImsi('4100112345678901'), false);
  assert.equal(isCleanImsi('41001123456789a'), false);
  assert.equal(isCleanImsi(''), false);
});

test('parseSupi strips imsi- and applies the plan', () => {
  assert.deepEqual(parseSupi('imsi-410011234567890'), {
    ok: true,
    imsi: '410011234567890',
    mcc: '410',
    mnc: '01',
    msin: '1234567890',
  });
  const r = parseSupi('imsi-310260123456789', { mncLength: 3 });
  assert.ok(r.ok && r.mnc === '260');
});

test('parseSupi passes on IMSI errors', () => {
  const short = parseSupi('imsi-1234');
  assert.ok(!short.ok && short.rule === 'length');
  const empty = parseSupi('imsi-');
  assert.ok(!empty.ok && empty.rule === 'empty');
  const nd = parseSupi('imsi-41001x');
  assert.ok(!nd.ok && nd.rule === 'non_digit');
});

test('parseSupi: other SUPI types are not IMSIs, unknown forms are refused', () => {
  for (const supi of ['nai-user@example.com', 'gci-abc', 'gli-xyz']) {
    const r = parseSupi(supi);
    assert.ok(!r.ok && r.rule === 'not_imsi' && r.message.includes(supi), supi);
  }
  for (const supi of ['410011234567890', 'IMSI-410011234567890', 'foo']) {
    const r = parseSupi(supi);
    assert.ok(!r.ok && r.rule === 'supi_format', supi);
  }
  const e = parseSupi('');
  assert.ok(!e.ok && e.rule === 'empty');
});
