import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePei } from '../../src/identity/index.ts';

function reason(pei: string): string {
  const r = parsePei(pei);
  assert.equal(r.ok, false, pei);
  return r.ok ? '' : r.reason;
}

test('imei- with 15 digits; the 15th digit is not Luhn-checked', () => {
  assert.deepEqual(parsePei('imei-352099001761481'), {
    ok: true,
    kind: 'imei',
    key: '35209900176148',
    tac: '35209900',
    raw: 'imei-352099001761481',
  });
  const wrong = parsePei('imei-352099001761489');
  assert.ok(wrong.ok && wrong.kind === 'imei' && wrong.key === '35209900176148');
});

test('imeisv- with 16 digits', () => {
  assert.deepEqual(parsePei('imeisv-3520990017614802'), {
    ok: true,
    kind: 'imeisv',
    key: '35209900176148',
    tac: '35209900',
    svn: '02',
    raw: 'imeisv-3520990017614802',
  });
});

test('imeisv- with reserved SVN 99 is refused', () => {
  assert.match(reason('imeisv-3520990017614899'), /99/);
});

test('mac- with and without -untrusted, hex case-insensitive', () => {
  assert.deepEqual(parsePei('mac-00-1A-2b-3C-4d-5E'), {
    ok: true,
    kind: 'mac',
    mac: '00-1a-2b-3c-4d-5e',
    untrusted: false,
    raw: 'mac-00-1A-2b-3C-4d-5E',
  });
  const u = parsePei('mac-00-1a-2b-3c-4d-5e-untrusted');
  assert.ok(u.ok && u.kind === 'mac' && u.untrusted === true && u.mac === '00-1a-2b-3c-4d-5e');
});

test('eui- with 8 hex pairs', () => {
  assert.deepEqual(parsePei('eui-00-1A-2B-FF-FE-3C-4D-5E'), {
    ok: true,
    kind: 'eui',
    eui: '00-1a-2b-ff-fe-3c-4d-5e',
    raw: 'eui-00-1A-2B-FF-FE-3C-4D-5E',
  });
});

test('malformed values of each kind name the value and the expected form', () => {
  assert.match(reason('imei-35209900176148'), /"imei-35209900176148".*15 digits/);
  assert.match(reason('imei-3520990017614811'), /15 digits/);
  assert.match(reason('imei-35209900176148a'), /15 digits/);
  assert.match(reason('imeisv-352099001761481'), /16 digits/);
  assert.match(reason('mac-00-1a-2b-3c-4d'), /6 hex pairs/);
  assert.match(reason('mac-00-1a-2b-3c-4d-zz'), /6 hex pairs/);
  assert.match(reason('mac-00:1a:2b:3c:4d:5e'), /6 hex pairs/);
  assert.match(reason('mac-00-1a-2b-3c-4d-5e-trusted'), /untrusted/);
  assert.match(reason('eui-00-1a-2b-3c-4d-5e'), /8 hex pairs/);
});

test('empty, unknown prefix, bare IMEI and wrong-case prefix are refused', () => {
  assert.match(reason(''), /empty/);
  assert.match(reason('352099001761481'), /not in a supported format/);
  assert.match(reason('IMEI-352099001761481'), /not in a supported format/);
  assert.match(reason('foo-bar'), /imei-<15 digits>/);
  assert.match(reason(' imei-352099001761481'), /not in a supported format/);
});
