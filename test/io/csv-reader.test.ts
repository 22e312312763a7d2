import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { readCsv, splitQuoted, type CsvOptions } from '../../src/io/csv-reader.ts';
import { InputError } from '../../src/io/input-error.ts';

const OPTS: CsvOptions = { file: 'list.csv', delimiter: ',', maxLineBytes: 1 << 16 };

interface Read {
  rows: string[][];
  lines: number[];
}

const bytes = (b: Buffer | string): Buffer => (typeof b === 'string' ? Buffer.from(b, 'utf8') : b);

/** Cut `buf` into chunks of the given sizes (cycled). */
function chunked(buf: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = [];
  let k = 0;
  for (let i = 0; i < buf.length; ) {
    const n = sizes[k++ % sizes.length];
    out.push(buf.subarray(i, i + n));
    i += n;
  }
  return out;
}

async function readChunks(chunks: Buffer[], opts: Partial<CsvOptions> = {}): Promise<Read> {
  const rows: string[][] = [];
  const lines: number[] = [];
  for await (const batch of readCsv(Readable.from(chunks), { ...OPTS, ...opts })) {
    assert.equal(batch.rows.length, batch.lines.length, 'one line number per row');
    assert.ok(batch.rows.length > 0, 'no empty batches');
    rows.push(...batch.rows);
    lines.push(...batch.lines);
  }
  return { rows, lines };
}

const read = (content: Buffer | string, opts: Partial<CsvOptions> = {}) => readChunks([bytes(content)], opts);

/** Assert that reading rejects with an InputError of this rule (and line, when given). */
async function refuses(p: Promise<unknown>, rule: string, line?: number): Promise<InputError> {
  let caught: unknown;
  await assert.rejects(p, (e) => {
    caught = e;
    return true;
  });
  assert.ok(caught instanceof InputError, `expected an InputError, got ${String(caught)}`);
  assert.equal(caught.problem.rule, rule, caught.message);
  if (line !== undefined) assert.equal(caught.problem.line, line, caught.message);
  return caught;
}

test('LF line endings', async () => {
  const r = await read('a,b,c\n1,2,3\n4,5,6\n');
  assert.deepEqual(r.rows, [['a', 'b', 'c'], ['1', '2', '3'], ['4', '5', '6']]);
  assert.deepEqual(r.lines, [1, 2, 3]);
});

test('CRLF line endings leave no CR in the last field', async () => {
  const r = await read('a,b\r\n1,2\r\n3,\r\n');
  assert.deepEqual(r.rows, [['a', 'b'], ['1', '2'], ['3', '']]);
  assert.deepEqual(r.lines, [1, 2, 3]);
});

test('mixed LF and CRLF in one file', async () => {
  const r = await read('a,b\r\n1,2\n3,4\r\n');
  assert.deepEqual(r.rows, [['a', 'b'], ['1', '2'], ['3', '4']]);
});

test('a UTF-8 BOM is stripped from the first field', async () => {
  const r = await read(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('TAC|Model\n1|x\n')]), { delimiter: '|' });
  assert.deepEqual(r.rows, [['TAC', 'Model'], ['1', 'x']]);
  assert.equal(r.rows[0][0].length, 3);
});

test('a BOM split over three one-byte chunks is still stripped', async () => {
  const r = await readChunks([Buffer.from([0xef]), Buffer.from([0xbb]), Buffer.from([0xbf]), Buffer.from('a,b\n')]);
  assert.deepEqual(r.rows, [['a', 'b']]);
});

test('only a leading BOM is stripped: U+FEFF later in the file is data', async () => {
  const r = await read('\ufeffa\n\ufeffb\n');
  assert.deepEqual(r.rows, [['a'], ['\ufeffb']]);
});

test('quoted field with an embedded delimiter', async () => {
  const r = await read('make,model\n"Acme, Inc.",X1\n');
  assert.deepEqual(r.rows, [['make', 'model'], ['Acme, Inc.', 'X1']]);
});

test('doubled quotes inside a quoted field are one quote', async () => {
  const r = await read('a,b\n"5"" screen","say ""hi"""\n"""",x\n');
  assert.deepEqual(r.rows, [['a', 'b'], ['5" screen', 'say "hi"'], ['"', 'x']]);
});

test('empty quoted fields and empty unquoted fields', async () => {
  const r = await read('"",,""\n,\n""\n');
  assert.deepEqual(r.rows, [['', '', ''], ['', ''], ['']]);
  assert.deepEqual(r.lines, [1, 2, 3]);
});

test('a quoted field spanning lines is one record; later line numbers stay right', async () => {
  const r = await read('h1,h2\n1,"first\nsecond\nthird"\n2,x\n"a\r\nb",y\r\n3,z\n');
  assert.deepEqual(r.rows, [['h1', 'h2'], ['1', 'first\nsecond\nthird'], ['2', 'x'], ['a\r\nb', 'y'], ['3', 'z']]);
  assert.deepEqual(r.lines, [1, 2, 5, 6, 8]);
});

test('a quoted newline right after the opening quote and right before the closing one', async () => {
  const r = await read('"\nx\n",1\n2,2\n');
  assert.deepEqual(r.rows, [['\nx\n', '1'], ['2', '2']]);
  assert.deepEqual(r.lines, [1, 4]);
});

test('a quote inside an unquoted field is literal', async () => {
  const r = await read('a,b\n5" screen,x"y\nab"c,"d"\n');
  assert.deepEqual(r.rows, [['a', 'b'], ['5" screen', 'x"y'], ['ab"c', 'd']]);
  assert.deepEqual(r.lines, [1, 2, 3]);
});

test('characters after a closing quote are refused as bad_quote, naming file and line', async () => {
  const e = await refuses(read('a,b\n1,2\n"x"y,3\n'), 'bad_quote', 3);
  assert.equal(e.code, 'CEIR_ERR_INPUT_REFUSED');
  assert.equal(e.problem.file, 'list.csv');
  assert.match(e.message, /^list\.csv, line 3: .*\[bad_quote\]$/);
});

test('bad_quote in a later field and on the last line without newline', async () => {
  await refuses(read('a,b\n1,"2" \n'), 'bad_quote', 2);
  await refuses(read('a,b\n1,2\n3,"4"x'), 'bad_quote', 3);
});

test('an unterminated quote at end of file is refused as unterminated_quote at the line it opened', async () => {
  await refuses(read('a,b\n1,2\n3,"open\nmore\n'), 'unterminated_quote', 3);
  await refuses(read('a,b\n"x'), 'unterminated_quote', 2);
});

test('blank lines are skipped and do not shift line numbers', async () => {
  const r = await read('\na,b\n\n\r\n1,2\n\n');
  assert.deepEqual(r.rows, [['a', 'b'], ['1', '2']]);
  assert.deepEqual(r.lines, [2, 5]);
});

test('the last line without a newline is read (LF, CRLF, quoted)', async () => {
  assert.deepEqual((await read('a,b\n1,2')).rows, [['a', 'b'], ['1', '2']]);
  assert.deepEqual((await read('a,b\r\n1,2\r')).rows, [['a', 'b'], ['1', '2']]);
  const q = await read('a,b\n1,"two\nlines"');
  assert.deepEqual(q.rows, [['a', 'b'], ['1', 'two\nlines']]);
  assert.deepEqual(q.lines, [1, 2]);
});

test('an empty file and a file of blank lines give no rows', async () => {
  assert.deepEqual(await read(''), { rows: [], lines: [] });
  assert.deepEqual(await read('\n\r\n\n'), { rows: [], lines: [] });
});

test('pipe delimiter (GSMA TAC database); commas are data', async () => {
  const r = await read('TAC|Manufacturer|Bands\n35209900|Acme, Inc.|GSM 900,LTE\n"01234567"|"A|B"|\n', { delimiter: '|' });
  assert.deepEqual(r.rows, [['TAC', 'Manufacturer', 'Bands'], ['35209900', 'Acme, Inc.', 'GSM 900,LTE'], ['01234567', 'A|B', '']]);
});

test('a line longer than maxLineBytes is refused as line_too_long with its line number', async () => {
  const long = 'x'.repeat(2000);
  await refuses(read(`a,b\n1,2\n${long}\n3,4\n`, { maxLineBytes: 1024 }), 'line_too_long', 3);
  // the last line, without a newline
  await refuses(read(`a,b\n${long}`, { maxLineBytes: 1024 }), 'line_too_long', 2);
  // a quoted record spanning lines counts as one line
  const rec = `"${'y\n'.repeat(600)}"`;
  await refuses(read(`a\n${rec}\n`, { maxLineBytes: 1024 }), 'line_too_long', 2);
});

test('a line exactly maxLineBytes long is accepted, with or without CRLF', async () => {
  const line = 'z'.repeat(1024);
  assert.deepEqual((await read(`${line}\n`, { maxLineBytes: 1024 })).rows, [[line]]);
  assert.deepEqual((await read(`${line}\r\n`, { maxLineBytes: 1024 })).rows, [[line]]);
  assert.deepEqual((await read(line, { maxLineBytes: 1024 })).rows, [[line]]);
});

test('a line of exactly maxLineBytes is accepted whatever the chunking around its CRLF', async () => {
  const line = 'z'.repeat(1024);
  const content = Buffer.from(`${line}\r\n${line}\r\n`);
  for (const cut of [1023, 1024, 1025, 1026, 2049, 2050]) {
    const r = await readChunks([content.subarray(0, cut), content.subarray(cut)], { maxLineBytes: 1024 });
    assert.deepEqual(r.rows, [[line], [line]], `cut at ${cut}`);
  }
});

test('a 10 MB line without any newline is refused quickly, without reading the whole stream', async () => {
  const CHUNK = 64 * 1024;
  const TOTAL = 10 * 1024 * 1024;
  let pulled = 0;
  async function* source() {
    const chunk = Buffer.alloc(CHUNK, 0x61);
    while (pulled < TOTAL) {
      pulled += CHUNK;
      yield chunk;
    }
  }
  const stream = Readable.from(source(), { objectMode: false, highWaterMark: CHUNK });
  const rows: string[][] = [];
  await refuses(
    (async () => {
      for await (const b of readCsv(stream, { ...OPTS, maxLineBytes: 65536 })) rows.push(...b.rows);
    })(),
    'line_too_long',
    1,
  );
  assert.equal(rows.length, 0);
  assert.ok(pulled < 1024 * 1024, `read ${pulled} bytes before refusing`);
});

// The timeout is a hang guard, not a speed target (speed lives in bench/).
test('a 10 MB line without newline in one chunk is refused', { timeout: 60_000 }, async () => {
  await refuses(read(Buffer.alloc(10 * 1024 * 1024, 0x62), { maxLineBytes: 65536 }), 'line_too_long', 1);
});

test('refusing a file destroys the input stream (no open file left behind)', async () => {
  const stream = Readable.from([Buffer.from('a,b\n"x"y\n'), Buffer.from('more,rows\n')]);
  await refuses(
    (async () => {
      for await (const _ of readCsv(stream, OPTS));
    })(),
    'bad_quote',
    2,
  );
  assert.equal(stream.destroyed, true);
});

test('a consumer that stops early destroys the input stream', async () => {
  const stream = Readable.from([Buffer.from('a,b\n1,2\n'), Buffer.from('3,4\n')]);
  for await (const b of readCsv(stream, OPTS)) {
    assert.deepEqual(b.rows[0], ['a', 'b']);
    break;
  }
  assert.equal(stream.destroyed, true);
});

test('invalid UTF-8 is refused as encoding, with the line of the bad byte', async () => {
  const latin1 = Buffer.concat([Buffer.from('make,model\nAcme,X\nSoci'), Buffer.from([0xe9]), Buffer.from('t,Y\n')]);
  const e = await refuses(read(latin1), 'encoding', 3);
  assert.match(e.message, /UTF-8/);
  // a lone continuation byte, an overlong encoding, a UTF-16 surrogate, a truncated sequence at EOF
  await refuses(read(Buffer.from([0x61, 0x0a, 0x80, 0x0a])), 'encoding', 2);
  await refuses(read(Buffer.from([0x61, 0x0a, 0x62, 0x0a, 0xc0, 0xaf, 0x0a])), 'encoding', 3);
  await refuses(read(Buffer.from([0x61, 0x0a, 0xed, 0xa0, 0x80, 0x0a])), 'encoding', 2);
  await refuses(read(Buffer.from([0x61, 0x0a, 0x62, 0xe2, 0x82])), 'encoding', 2);
});

test('the line of an invalid byte does not depend on chunking', async () => {
  const content = Buffer.concat([Buffer.from('a,é\nb,€\nc,'), Buffer.from([0xe2, 0x28, 0xa1]), Buffer.from('\nd,e\n')]);
  for (const size of [1, 2, 3, 5, 7, 1000]) {
    await refuses(readChunks(chunked(content, [size])), 'encoding', 3);
  }
  // a 3-byte character split over chunks, then a bad byte two lines later
  const later = Buffer.concat([Buffer.from('€\n'), Buffer.from('x\n'), Buffer.from([0xff])]);
  await refuses(readChunks([later.subarray(0, 1), later.subarray(1, 2), later.subarray(2)]), 'encoding', 3);
});

test('a NUL byte is refused as binary, with the right line number', async () => {
  const e = await refuses(read(Buffer.from('a,b\n1,2\n3,\u00004\n5,6\n')), 'binary', 3);
  assert.match(e.message, /NUL/);
  await refuses(read(Buffer.from([0x00, 0x01, 0x02])), 'binary', 1);
  // after a quoted multi-line record, and across chunk boundaries
  const content = Buffer.from('a\n"x\ny"\nz\n\u0000\n');
  for (const size of [1, 2, 3, 100]) await refuses(readChunks(chunked(content, [size])), 'binary', 5);
});

test('multi-byte characters and CRLF pairs split over chunks read the same as one chunk', async () => {
  const text = 'név,modèle\r\n€uro,"日本\r\n語"\r\n😀,x\r\nend,ok';
  const content = Buffer.from(text);
  const whole = await read(content);
  assert.deepEqual(whole.rows, [['név', 'modèle'], ['€uro', '日本\r\n語'], ['😀', 'x'], ['end', 'ok']]);
  assert.deepEqual(whole.lines, [1, 2, 4, 5]);
  // every single cut point: this splits each multi-byte character and each CRLF pair once
  for (let cut = 1; cut < content.length; cut++) {
    const r = await readChunks([content.subarray(0, cut), content.subarray(cut)]);
    assert.deepEqual(r, whole, `cut at byte ${cut}`);
  }
  for (const size of [1, 2, 3, 4, 5, 6, 7]) assert.deepEqual(await readChunks(chunked(content, [size])), whole, `chunks of ${size}`);
});

test('random chunks of 1..7 bytes give the same rows and lines as one chunk', async () => {
  const content = Buffer.from(
    '\ufeffTAC|Model|Note\r\n35209900|Ωmega "X"|"multi\nline ✓"\r\n\r\n49015420|"a|b"|🙂🙃\n01234567|plain|\n"last"|"quoted ""q"""|end',
  );
  const whole = await read(content, { delimiter: '|' });
  assert.deepEqual(whole.rows, [
    ['TAC', 'Model', 'Note'],
    ['35209900', 'Ωmega "X"', 'multi\nline ✓'],
    ['49015420', 'a|b', '🙂🙃'],
    ['01234567', 'plain', ''],
    ['last', 'quoted "q"', 'end'],
  ]);
  assert.deepEqual(whole.lines, [1, 2, 5, 6, 7]);
  await fc.assert(
    fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 40 }), async (sizes) => {
      assert.deepEqual(await readChunks(chunked(content, sizes), { delimiter: '|' }), whole);
    }),
    { numRuns: 200 },
  );
});

// ---- property: any table written with proper CSV quoting round-trips exactly, however chunked ----

const fieldChar = fc.constantFrom('a', 'Z', '7', ' ', ',', '|', ';', '"', '\n', '\r\n', '\r', 'é', '€', '日', '😀', '\t', '\ufeff');
const field = fc.string({ unit: fieldChar, maxLength: 8 });

function quote(f: string, delim: string): string {
  return f === '' || f.includes('"') || f.includes(delim) || f.includes('\n') || f.includes('\r') || f.startsWith('\ufeff')
    ? `"${f.replaceAll('"', '""')}"`
    : f;
}

test('property: random tables round-trip exactly, with right line numbers, under random chunking', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.array(field, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 12 }),
      fc.constantFrom(',', '|', ';', '\t'),
      fc.array(fc.record({ eol: fc.constantFrom('\n', '\r\n'), blank: fc.nat({ max: 2 }) }), { minLength: 1, maxLength: 12 }),
      fc.boolean(),
      fc.boolean(),
      fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 20 }),
      async (table, delim, seps, bom, finalEol, sizes) => {
        let text = bom ? '\ufeff' : '';
        let line = 1;
        const lines: number[] = [];
        const lengths: number[] = [];
        table.forEach((row, i) => {
          const sep = seps[i % seps.length];
          const rec = row.map((f) => quote(f, delim)).join(delim);
          lines.push(line);
          lengths.push(rec.length);
          text += rec;
          line += rec.split('\n').length - 1;
          if (i < table.length - 1 || finalEol) {
            text += sep.eol;
            line++;
            if (i < table.length - 1) {
              text += sep.eol.repeat(sep.blank);
              line += sep.blank;
            }
          }
        });
        const content = Buffer.from(text);
        const opts = { delimiter: delim };
        const whole = await read(content, opts);
        assert.deepEqual(whole.rows, table);
        assert.deepEqual(whole.lines, lines);
        assert.deepEqual(await readChunks(chunked(content, sizes), opts), whole);
        // a limit equal to the longest record accepts every record, one less refuses the first longest
        const longest = Math.max(...lengths);
        assert.deepEqual(await readChunks(chunked(content, sizes), { ...opts, maxLineBytes: longest }), whole);
        if (longest > 0) {
          const first = lengths.indexOf(longest);
          await refuses(readChunks(chunked(content, sizes), { ...opts, maxLineBytes: longest - 1 }), 'line_too_long', lines[first]);
        }
      },
    ),
    { numRuns: 300 },
  );
});

// ---- splitQuoted directly ----

test('splitQuoted splits quoted records and reports an open quote as null', () => {
  assert.deepEqual(splitQuoted('"a,b",c', ',', 'f', 1), ['a,b', 'c']);
  assert.deepEqual(splitQuoted('a,"b"', ',', 'f', 1), ['a', 'b']);
  assert.deepEqual(splitQuoted('"a",', ',', 'f', 1), ['a', '']);
  assert.deepEqual(splitQuoted('x",""', ',', 'f', 1), ['x"', '']);
  assert.deepEqual(splitQuoted('"a""', ',', 'f', 1), null);
  assert.equal(splitQuoted('a,"b\n', ',', 'f', 1), null);
  assert.throws(
    () => splitQuoted('"a"b', ',', 'f.csv', 9),
    (e: unknown) => e instanceof InputError && e.problem.rule === 'bad_quote' && e.problem.line === 9 && e.problem.file === 'f.csv',
  );
});
