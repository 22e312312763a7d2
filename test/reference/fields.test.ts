import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as f from '../../src/reference/fields.ts';
import { goldenHash, listSpec, LIST_KINDS, storedColumns } from '../../src/reference/lists.ts';
import { createHash } from 'node:crypto';

/** The rule a parser refuses `v` with (fails the test when it accepts it). */
function ruleOf(parse: f.FieldParser, v: string): string {
  try {
    const out = parse(v);
    assert.fail(`expected ${JSON.stringify(v)} to be refused, got ${JSON.stringify(out)}`);
  } catch (e) {
    if (!(e instanceof f.FieldRuleError)) throw e;
    assert.ok(e.message.length > 0);
    return e.rule;
  }
}

const isoDay = (d: Date) => d.toISOString().slice(0, 10);
const ymdOf = (d: Date) => isoDay(d).replace(/-/g, '');

test('imeiHuman: 14 digits, 15 with a right check digit, IMEISV; stored as the 14-digit key', () => {
  assert.equal(f.imeiHuman('35209900176148'), '35209900176148');
  assert.equal(f.imeiHuman('352099001761481'), '35209900176148');
  assert.equal(f.imeiHuman('490154203237518'), '49015420323751');
  assert.equal(f.imeiHuman('260531793113837'), '26053179311383');
  assert.equal(f.imeiHuman('3520990017614812'), '35209900176148', 'IMEISV: TAC + SNR + SVN');
  assert.equal(f.imeiHuman(' IMEI: 35-209900-176148-1 '), '35209900176148', 'human formatting is stripped');
});

test('imeiHuman: a wrong check digit, a bad length, letters, SVN 99 are refused', () => {
  assert.equal(ruleOf(f.imeiHuman, '352099001761482'), 'imei_check_digit');
  assert.equal(ruleOf(f.imeiHuman, '352099001761480'), 'imei_check_digit', 'a spare 0 is not accepted from a person');
  assert.equal(ruleOf(f.imeiHuman, '3520990017614'), 'imei_length');
  assert.equal(ruleOf(f.imeiHuman, '35209900176148123'), 'imei_length');
  assert.equal(ruleOf(f.imeiHuman, '3520990017614A'), 'imei_non_digit');
  assert.equal(ruleOf(f.imeiHuman, '3520990017614899'), 'imei_imeisv_svn_reserved');
});

test('imeiAny: network-shaped values, including malformed hex, normalised the DIRBS way', () => {
  assert.equal(f.imeiAny('352099001761482'), '35209900176148', 'a wrong 15th digit is kept as the 14-digit key');
  assert.equal(f.imeiAny('35209900176148'), '35209900176148');
  assert.equal(f.imeiAny('3520990017614812'), '35209900176148');
  assert.equal(f.imeiAny('a1000000abcdef'), 'A1000000ABCDEF', 'hex is upper-cased');
  assert.equal(f.imeiAny('123'), '123', 'short values survive to be flagged as malformed');
  assert.equal(ruleOf(f.imeiAny, '35209900176148123'), 'imei_format');
  assert.equal(ruleOf(f.imeiAny, '3520 9900'), 'imei_format');
  assert.equal(ruleOf(f.imeiAny, 'XYZ'), 'imei_format');
});

test('ymd: YYYYMMDD stored as YYYY-MM-DD; must be a real calendar day, not in the future', () => {
  assert.equal(f.ymd('20240229'), '2024-02-29');
  assert.equal(f.ymd(' 19991231 '), '1999-12-31');
  assert.equal(f.ymd(ymdOf(new Date())), isoDay(new Date()), 'today is fine');
  assert.equal(ruleOf(f.ymd, '20230229'), 'date_invalid');
  assert.equal(ruleOf(f.ymd, '20231301'), 'date_invalid');
  assert.equal(ruleOf(f.ymd, '20230431'), 'date_invalid');
  assert.equal(ruleOf(f.ymd, '20230100'), 'date_invalid');
  assert.equal(ruleOf(f.ymd, '2023-01-01'), 'date_format');
  assert.equal(ruleOf(f.ymd, '01-Jan-2023'), 'date_format');
  assert.equal(ruleOf(f.ymd, '2023011'), 'date_format');
  const tomorrow = new Date(Date.now() + 2 * 86_400_000);
  assert.equal(ruleOf(f.ymd, ymdOf(tomorrow)), 'date_future');
  assert.equal(ruleOf(f.ymd, '29991231'), 'date_future');
});

test('gsmaDate: DD-Mon-YYYY (any case, 1 or 2 day digits), a real day', () => {
  assert.equal(f.gsmaDate('05-Mar-2019'), '2019-03-05');
  assert.equal(f.gsmaDate('5-mar-2019'), '2019-03-05');
  assert.equal(f.gsmaDate('29-FEB-2024'), '2024-02-29');
  assert.equal(f.gsmaDate('31-Dec-1999'), '1999-12-31');
  assert.equal(ruleOf(f.gsmaDate, '29-Feb-2023'), 'date_invalid');
  assert.equal(ruleOf(f.gsmaDate, '31-Apr-2020'), 'date_invalid');
  assert.equal(ruleOf(f.gsmaDate, '00-Jan-2020'), 'date_invalid');
  assert.equal(ruleOf(f.gsmaDate, '05-Foo-2019'), 'date_format');
  assert.equal(ruleOf(f.gsmaDate, '2019-03-05'), 'date_format');
  assert.equal(ruleOf(f.gsmaDate, '20190305'), 'date_format');
  assert.equal(ruleOf(f.gsmaDate, '05-March-2019'), 'date_format');
});

test('tac, imsi, msisdn', () => {
  assert.equal(f.tac(' 35209900 '), '35209900');
  assert.equal(ruleOf(f.tac, '3520990'), 'tac_format');
  assert.equal(ruleOf(f.tac, '352099001'), 'tac_format');
  assert.equal(ruleOf(f.tac, '3520990A'), 'tac_format');
  assert.equal(f.imsi('999011234567890'), '999011234567890');
  assert.equal(f.imsi('99901123456789'), '99901123456789', '14 digits is a clean IMSI');
  assert.equal(ruleOf(f.imsi, '9990112345678'), 'imsi_format');
  assert.equal(ruleOf(f.imsi, '9990112345678901'), 'imsi_format');
  assert.equal(ruleOf(f.imsi, '99901123456789X'), 'imsi_format');
  assert.equal(f.msisdn('+99123456789'), '99123456789');
  assert.equal(f.msisdn('0099123456789'), '99123456789');
  assert.equal(f.msisdn('99123456789'), '99123456789');
  assert.equal(ruleOf(f.msisdn, '9912345678901234'), 'msisdn_length');
  assert.equal(ruleOf(f.msisdn, '99-123'), 'msisdn_non_digit');
});

test('text, status, uid, md5hex', () => {
  assert.equal(f.text()('  Acme  '), 'Acme');
  assert.equal(f.text()('   '), null);
  assert.equal(f.text(5)('abcde'), 'abcde');
  assert.equal(ruleOf(f.text(5), 'abcdef'), 'too_long');
  assert.equal(f.status(' BlackList '), 'blacklist');
  assert.equal(f.status(''), null);
  assert.equal(f.status('pending_verification'), 'pending_verification');
  assert.equal(ruleOf(f.status, '1pending'), 'status_format');
  assert.equal(ruleOf(f.status, 'x'.repeat(33)), 'status_format');
  assert.equal(f.uid(' NID-42 '), 'NID-42');
  assert.equal(f.uid('a'.repeat(64)), 'a'.repeat(64));
  assert.equal(ruleOf(f.uid, 'a'.repeat(65)), 'id_format');
  assert.equal(ruleOf(f.uid, 'é'), 'id_format');
  assert.equal(ruleOf(f.uid, 'a\tb'), 'id_format');
  const h = createHash('md5').update('x').digest('hex');
  assert.equal(f.md5hex(h.toUpperCase()), h);
  assert.equal(f.md5hex(`${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`), h);
  assert.equal(ruleOf(f.md5hex, h.slice(1)), 'md5_format');
  assert.equal(ruleOf(f.md5hex, `${h.slice(1)}g`), 'md5_format');
});

test('goldenHash is the MD5 of the 14-digit key, whatever form the IMEI was given in', () => {
  const md5 = createHash('md5').update('35209900176148').digest('hex');
  assert.equal(goldenHash('35209900176148'), md5);
  assert.equal(goldenHash('352099001761481'), md5);
  assert.equal(goldenHash('3520990017614812'), md5);
  assert.equal(listSpec('golden_list').fields[0].parse('352099001761481'), md5);
  assert.equal(listSpec('golden_list', { preHashed: true }).fields[0].parse(md5.toUpperCase()), md5);
});

test('every list spec: its key columns are fed by non-empty file fields, and it has a table', () => {
  for (const kind of LIST_KINDS) {
    const spec = listSpec(kind);
    assert.equal(spec.kind, kind);
    assert.match(spec.table, /^ref_[a-z_]+$/);
    const cols = storedColumns(spec).map((c) => c.name);
    assert.equal(new Set(cols).size, cols.length, `${kind}: stored columns are unique`);
    for (const k of spec.key) {
      const fed = spec.fields.find((fs) => fs.column === k.name);
      assert.ok(fed, `${kind}: key ${k.name} comes from the file`);
      assert.ok(fed.required && fed.notEmpty, `${kind}: key ${k.name} is required and non-empty`);
    }
  }
});
