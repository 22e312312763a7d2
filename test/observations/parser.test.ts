/** The operator-file parser: header, row shapes, normalisation, and the counts the gates need. */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { InputError } from '../../src/io/input-error.ts';
import { dayNumber } from '../../src/observations/days.ts';
import { periodFromFileName } from '../../src/observations/file-name.ts';
import { findOperator } from '../../src/observations/importer.ts';
import { parseObservations, type Observation, type ObservationCounts } from '../../src/observations/parser.ts';
import { csv, dailyRows, dayList, imeiKey, imsiOf, msisdnOf, profile, type Row } from './helpers.ts';

const FILE = 'alpha_20250101_20250131.csv';

interface Parsed {
  counts: ObservationCounts;
  rows: Omit<Observation, 'line'>[];
  lines: number[];
}

async function parse(content: string | Buffer | Buffer[], opts: { file?: string; today?: string; operator?: string; maxLineBytes?: number } = {}): Promise<Parsed> {
  const file = opts.file ?? FILE;
  const rows: Omit<Observation, 'line'>[] = [];
  const lines: number[] = [];
  const chunks = Array.isArray(content) ? content : [Buffer.from(content)];
  const counts = await parseObservations(Readable.from(chunks), {
    file, period: periodFromFileName(file), today: dayNumber(opts.today ?? '20251231')!, profile: profile(),
    operator: findOperator(profile(), opts.operator ?? 'alpha'), maxLineBytes: opts.maxLineBytes ?? 65536,
    onRow: (o) => {
      const { line, ...rest } = o;
      rows.push({ ...rest });
      lines.push(line);
    },
  });
  return { counts, rows, lines };
}

async function refused(content: string | Buffer | Buffer[], rule: string, opts: { line?: number; message?: RegExp; column?: string; maxLineBytes?: number } = {}): Promise<InputError> {
  let err: unknown;
  try {
    await parse(content, { maxLineBytes: opts.maxLineBytes });
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof InputError, `expected an InputError with rule ${rule}, got ${String(err)}`);
  assert.equal(err.problem.rule, rule, err.message);
  assert.equal(err.problem.file, FILE);
  if (opts.line !== undefined) assert.equal(err.problem.line, opts.line, err.message);
  if (opts.column !== undefined) assert.equal(err.problem.column, opts.column, err.message);
  if (opts.message) assert.match(err.problem.message, opts.message);
  return err;
}

const ROW = (over: Partial<Row> = {}): Row => ({ date: '20250105', imei: '352099001761481', imsi: imsiOf(1), msisdn: msisdnOf(1), rat: '006', ...over });

// ---------------------------------------------------------------- header

test('the header may list the columns in any order, in any case, with spaces', async () => {
  const r = ROW();
  const { counts, rows } = await parse(`RAT, msisdn ,imsi,IMEI,Date\n${r.rat},${r.msisdn},${r.imsi},${r.imei},${r.date}\n`);
  assert.equal(counts.rows, 1);
  assert.equal(counts.kept, 1);
  assert.deepEqual(rows[0], {
    day: dayNumber('20250105'), imei: '35209900176148', imsi: r.imsi, msisdn: r.msisdn, imeiNum: 35209900176148,
    imsiNum: Number(r.imsi), msisdnNum: Number(r.msisdn), rat: 1 << 5, cell: null, svn: null,
  });
  assert.equal(counts.hasLocation, false);
  assert.equal(counts.hasSoftwareVersion, false);
});

test('optional cell_id and svn columns (and their aliases) are read; empty values are null', async () => {
  const text = 'svn,date,imei,cell_id,imsi,msisdn,rat\n07,20250105,35209900176148,c-1,999010000000001,99000000001,006\n,20250106,35209900176148,,999010000000001,99000000001,006\n';
  const { counts, rows } = await parse(text);
  assert.equal(counts.hasLocation, true);
  assert.equal(counts.hasSoftwareVersion, true);
  assert.deepEqual(rows.map((r) => [r.cell, r.svn]), [['c-1', '07'], [null, null]]);
  const alias = await parse('date,imei,imsi,msisdn,rat,location_id,software_version\n20250105,35209900176148,999010000000001,99000000001,006,L9,12\n');
  assert.deepEqual(alias.rows.map((r) => [r.cell, r.svn]), [['L9', '12']]);
  const onlyCell = await parse('date,imei,imsi,msisdn,rat,cell\n20250105,35209900176148,999010000000001,99000000001,006,X\n');
  assert.equal(onlyCell.counts.hasLocation, true);
  assert.equal(onlyCell.counts.hasSoftwareVersion, false);
});

test('unknown, missing and duplicated columns are refused with rule header on line 1', async () => {
  await refused('date,imei,imsi,msisdn,rat,colour\n', 'header', { line: 1, column: 'colour', message: /unknown column "colour"; expected date,imei,imsi,msisdn,rat/ });
  await refused('date,imei,imsi,rat\n', 'header', { line: 1, message: /missing column msisdn/ });
  await refused('date,imei\n', 'header', { line: 1, message: /missing columns imsi, msisdn, rat/ });
  await refused('date,imei,imsi,msisdn,rat,IMEI\n', 'header', { line: 1, message: /column "imei" appears twice/ });
  await refused('date,imei,imsi,msisdn,rat,svn,svn\n', 'header', { line: 1, column: 'svn', message: /column "svn" appears twice/ });
  await refused('date,imei,imsi,msisdn,rat,cell_id,location_id\n', 'header', { line: 1, column: 'location_id', message: /"cell_id" and "location_id" are both the cell_id column/ });
  await refused('software_version,date,imei,imsi,msisdn,rat,svn\n', 'header', { line: 1, column: 'svn', message: /both the svn column/ });
  // names that exist on every JavaScript object are columns like any other: unknown
  for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
    await refused(`date,imei,imsi,msisdn,rat,${name}\n`, 'header', { line: 1, column: name, message: /unknown column/ });
  }
  await refused('20250105,352099001761481,999010000000001,99000000001,006\n', 'header', { line: 1, message: /unknown column "20250105"/ });
});

test('a pipe- or semicolon-delimited file is refused with a clear message', async () => {
  for (const sep of ['|', ';', '\t']) {
    const text = `${['date', 'imei', 'imsi', 'msisdn', 'rat'].join(sep)}\n${['20250105', '352099001761481', imsiOf(1), msisdnOf(1), '006'].join(sep)}\n`;
    await refused(text, 'header', { line: 1, message: /operator files are comma-separated; this header is not/ });
  }
});

test('a header alone gives no rows; an empty file is refused', async () => {
  const { counts, rows } = await parse('date,imei,imsi,msisdn,rat\n');
  assert.equal(counts.rows, 0);
  assert.equal(rows.length, 0);
  await refused('', 'empty', { line: 1, message: /the file is empty/ });
  await refused('\n\n', 'empty');
});

// ---------------------------------------------------------------- row shapes

test('a row with too few or too many fields names its line', async () => {
  const head = 'date,imei,imsi,msisdn,rat\n';
  const ok = '20250105,352099001761481,999010000000001,99000000001,006\n';
  await refused(`${head}${ok}${ok}20250105,352099001761481,999010000000001,006\n`, 'field_count', { line: 4, message: /expected 5 fields, found 4/ });
  await refused(`${head}${ok}20250105,352099001761481,999010000000001,99000000001,006,x\n`, 'field_count', { line: 3, message: /expected 5 fields, found 6/ });
  await refused(`${head}${ok}"20250105",352099001761481,999010000000001,99000000001\n`, 'field_count', { line: 3 });
});

test('a date not in the form YYYYMMDD names its line and column', async () => {
  const head = 'date,imei,imsi,msisdn,rat\n';
  const ok = '20250105,352099001761481,999010000000001,99000000001,006\n';
  for (const bad of ['2025-01-05', '20250230', '2025015', '', 'yesterday']) {
    await refused(`${head}${ok}${ok}${bad},352099001761481,999010000000001,99000000001,006\n`, 'date_format', { line: 4, column: 'date', message: /is not a date in the form YYYYMMDD/ });
  }
});

test('BOM, CRLF, blank lines and a missing final newline are accepted', async () => {
  const rows = dailyRows(dayList('20250105', 3), 2);
  const plain = await parse(csv(rows));
  const crlf = await parse(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(csv(rows, { eol: '\r\n' }))]));
  const blank = await parse(csv(rows).replace('\n', '\n\n\r\n') + '\n');
  const noEol = await parse(csv(rows).slice(0, -1));
  for (const other of [crlf, blank, noEol]) {
    assert.deepEqual(other.rows, plain.rows);
    assert.equal(other.counts.rows, 6);
    assert.equal(other.counts.unknown_rat, 0, 'no \\r left on the RAT');
  }
  assert.equal(plain.rows.length, 6);
  assert.deepEqual(blank.lines, [4, 5, 6, 7, 8, 9], 'line numbers count the blank lines');
});

test('quoted fields are accepted, including a quoted header and an embedded comma in the cell id', async () => {
  const text = '"date","imei","imsi","msisdn","rat","cell_id"\n"20250105","352099001761481","999010000000001","99000000001","002|006","a,b"\n20250106,352099001761481,999010000000001,99000000001,006,"q""x"\n';
  const { rows } = await parse(text);
  assert.equal(rows.length, 2);
  assert.equal(rows[0].imei, '35209900176148');
  assert.equal(rows[0].rat, (1 << 1) | (1 << 5));
  assert.equal(rows[0].cell, 'a,b');
  assert.equal(rows[1].cell, 'q"x');
  await refused('date,imei,imsi,msisdn,rat\n"20250105,352099001761481,999010000000001,99000000001,006\n', 'unterminated_quote', { line: 2 });
});

test('rows split across stream chunks (even inside a CRLF or the BOM) parse the same', async () => {
  const text = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(csv(dailyRows(dayList('20250101', 5), 7), { eol: '\r\n' }))]);
  const whole = await parse(text);
  for (const size of [1, 2, 7, 64]) {
    const chunks: Buffer[] = [];
    for (let i = 0; i < text.length; i += size) chunks.push(text.subarray(i, i + size));
    const split = await parse(chunks);
    assert.deepEqual(split.rows, whole.rows, `chunks of ${size}`);
    assert.deepEqual(split.lines, whole.lines);
  }
});

test('a multi-byte character split between stream chunks is valid UTF-8', async () => {
  const text = Buffer.from('date,imei,imsi,msisdn,rat,cell_id\n20250105,352099001761481,999010000000001,99000000001,006,Zürich-€\n');
  const at = text.indexOf(Buffer.from('ü')) + 1; // between the two bytes of ü
  const { rows } = await parse([text.subarray(0, at), text.subarray(at, at + 5), text.subarray(at + 5)]);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].cell, 'Zürich-€');
});

test('binary data, invalid UTF-8 and over-long lines are refused naming the line', async () => {
  const head = 'date,imei,imsi,msisdn,rat\n';
  const ok = '20250105,352099001761481,999010000000001,99000000001,006\n';
  await refused(Buffer.concat([Buffer.from(head + ok + ok), Buffer.from([0x00, 0x01, 0x02]), Buffer.from('\n')]), 'binary', { line: 4 });
  await refused(Buffer.concat([Buffer.from(head + ok), Buffer.from('20250105,3520990017614'), Buffer.from([0xc3, 0x28]), Buffer.from(',999010000000001,99000000001,006\n' + ok)]), 'encoding', { line: 3, message: /invalid UTF-8/ });
  await refused(Buffer.concat([Buffer.from(head + ok + ok + ok), Buffer.from([0xff]), Buffer.from('\n')]), 'encoding', { line: 5 });
  await refused(head + ok + 'x'.repeat(2000) + '\n', 'line_too_long', { line: 3, maxLineBytes: 1024 });
  await refused(head + ok + 'x'.repeat(2000), 'line_too_long', { line: 3, maxLineBytes: 1024 });
  // valid multi-byte UTF-8 is fine, and read as the text it is
  const { rows, counts } = await parse('date,imei,imsi,msisdn,rat,cell_id,svn\n20250105,àbc€,99901000000001ü,+99 5,006,Zürich,é1\n');
  assert.deepEqual(rows.map((r) => [r.imei, r.imsi, r.msisdn, r.cell, r.svn]), [['ÀBC€', '99901000000001ü', '+99 5', 'Zürich', 'é1']]);
  assert.deepEqual([counts.unclean_imei, counts.unclean_imsi, counts.foreign_msisdn], [1, 1, 1]);
});

// ---------------------------------------------------------------- normalisation

test('DIRBS normalisation: 14 leading digits are the key whatever follows; otherwise the upper-cased raw value', async () => {
  const imeis: [string, string, number][] = [
    ['35209900176148', '35209900176148', 35209900176148],
    ['352099001761481', '35209900176148', 35209900176148],
    ['352099001761489', '35209900176148', 35209900176148], // wrong check digit: never rejected
    ['352099001761480', '35209900176148', 35209900176148], // spare 0
    ['3520990017614812', '35209900176148', 35209900176148], // IMEISV
    ['35209900176148AB', '35209900176148', 35209900176148],
    ['01234567890123', '01234567890123', 1234567890123], // leading zero kept
    ['abcdef01234567', 'ABCDEF01234567', -1],
    ['3520990017614a', '3520990017614A', -1],
    ['12345', '12345', -1],
    ['a1', 'A1', -1],
  ];
  const rows = imeis.map(([raw]) => ROW({ imei: raw }));
  const { rows: out, counts } = await parse(csv(rows));
  assert.deepEqual(out.map((o) => [o.imei, o.imeiNum]), imeis.map(([, key, num]) => [key, num]));
  assert.equal(counts.unclean_imei, 4);
  assert.equal(counts.kept, imeis.length, 'malformed IMEIs are kept (to be flagged later)');
});

test('identifiers become numbers only where they round-trip', async () => {
  const { rows } = await parse(csv([
    ROW({ imsi: '999010000000001', msisdn: '99000000001' }),
    ROW({ imsi: '099010000000001', msisdn: '+99000000001' }),
    ROW({ imsi: '', msisdn: '' }),
  ]));
  assert.deepEqual(rows.map((r) => [r.imsi, r.imsiNum, r.msisdn, r.msisdnNum]), [
    ['999010000000001', 999010000000001, '99000000001', 99000000001],
    ['099010000000001', -1, '+99000000001', -1],
    [null, -1, null, -1],
  ]);
});

// ---------------------------------------------------------------- gate counts

test('each gate counter counts what it should on a crafted file', async () => {
  const rows: Row[] = [
    ROW(), // 1 clean
    ROW({ imei: '' }), // null_imei
    ROW({ imsi: '' }), // null_imsi
    ROW({ msisdn: '' }), // null_msisdn
    ROW({ rat: '' }), // null_rat
    ROW({ imei: 'ABCDEF01234567' }), // unclean_imei (hex)
    ROW({ imei: '3520990017' }), // unclean_imei (short)
    ROW({ imsi: '99901000000001X' }), // unclean_imsi (letter)
    ROW({ imsi: '9990100000001' }), // unclean_imsi (13 digits)
    ROW({ imsi: '9990100000000011' }), // unclean_imsi (16 digits)
    ROW({ rat: '011' }), // unknown_rat
    ROW({ rat: '006|999' }), // unknown_rat
    ROW({ imsi: '208011234567890' }), // foreign_imsi + other_operator_imsi
    ROW({ msisdn: '33612345678' }), // foreign_msisdn
    ROW({ msisdn: '+99612345678' }), // foreign_msisdn: E.164 digits only
    ROW({ imsi: imsiOf(5, '99902') }), // other_operator_imsi (beta)
    ROW({ imsi: '99901000000001' }), // 14 digits: clean, alpha
    ROW({ date: '20250201' }), // date_out_of_range (after the period)
    ROW({ date: '20241231', imsi: '' }), // date_out_of_range (before) and null_imsi
  ];
  const { counts, rows: kept } = await parse(csv(rows));
  assert.deepEqual(
    { ...counts, days: undefined },
    {
      rows: 19, kept: 16, date_out_of_range: 2, null_imei: 1, null_imsi: 2, null_msisdn: 1, null_rat: 1, unclean_imei: 2, unclean_imsi: 3,
      unknown_rat: 2, foreign_imsi: 1, foreign_msisdn: 2, other_operator_imsi: 2, days: undefined, hasLocation: false, hasSoftwareVersion: false,
    },
  );
  assert.equal(kept.length, 16);
  assert.equal(kept.find((r) => r.imsi === null && r.day === dayNumber('20250105'))?.imei, '35209900176148');
  assert.equal(kept.filter((r) => r.rat === 0).length, 3, 'null and unknown RATs are kept with an empty mask');
  assert.deepEqual([...counts.days.keys()], [dayNumber('20250105')]);
  assert.equal(counts.days.get(dayNumber('20250105')!)!.rows, 16);
});

test('other_operator_imsi: beta has two prefixes, gamma one', async () => {
  const rows = [ROW({ imsi: imsiOf(1, '99901') }), ROW({ imsi: imsiOf(2, '99902') }), ROW({ imsi: imsiOf(3, '99903') }), ROW({ imsi: imsiOf(4, '99904') })];
  const beta = await parse(csv(rows), { operator: 'beta' });
  assert.equal(beta.counts.other_operator_imsi, 2);
  assert.equal(beta.counts.foreign_imsi, 0);
  const gamma = await parse(csv(rows), { operator: 'gamma' });
  assert.equal(gamma.counts.other_operator_imsi, 3);
});

test('future rows are out of range even inside the period; today itself is fine', async () => {
  const rows = dailyRows(dayList('20250110', 6), 1); // 10..15
  const { counts } = await parse(csv(rows), { today: '20250112' });
  assert.equal(counts.date_out_of_range, 3);
  assert.equal(counts.kept, 3);
  assert.deepEqual([...counts.days.keys()].sort(), [dayNumber('20250110'), dayNumber('20250111'), dayNumber('20250112')]);
});

test('per-day volumes: rows and distinct IMEIs / IMSIs / MSISDNs', async () => {
  const rows = [
    ...dailyRows(['20250103'], 40),
    ...dailyRows(['20250103'], 40), // repeated: same distinct counts
    ...dailyRows(['20250104'], 10),
    ROW({ date: '20250104', imei: 'NOTANIMEI', imsi: '', msisdn: '' }),
  ];
  const { counts } = await parse(csv(rows));
  const d3 = counts.days.get(dayNumber('20250103')!)!;
  const d4 = counts.days.get(dayNumber('20250104')!)!;
  assert.equal(d3.rows, 80);
  assert.equal(d3.imei.estimate(), 40);
  assert.equal(d3.imsi.estimate(), 40);
  assert.equal(d3.msisdn.estimate(), 40);
  assert.equal(d4.rows, 11);
  assert.equal(d4.imei.estimate(), 11, 'a malformed IMEI counts as one more device');
  assert.equal(d4.imsi.estimate(), 10, 'a null IMSI is not a subscriber');
  assert.equal(d4.msisdn.estimate(), 10);
});

test('an IMEI key counts once per day in the sketch however it was written', async () => {
  const { counts } = await parse(csv([ROW({ imei: '352099001761481' }), ROW({ imei: '35209900176148' }), ROW({ imei: '352099001761489' }), ROW({ imei: imeiKey(2) })]));
  assert.equal(counts.days.get(dayNumber('20250105')!)!.imei.estimate(), 2);
});
