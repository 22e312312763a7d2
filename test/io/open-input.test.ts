import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readlinkSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { readCsv } from '../../src/io/csv-reader.ts';
import { InputError } from '../../src/io/input-error.ts';
import { openInput, type OpenedInput } from '../../src/io/open-input.ts';
import { crc32, makeZip, tableCrc32 } from './zip.ts';
import { waitUntil } from '../helpers/wait.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'openceir-io-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const CSV = 'imei,reporting_date,status\n35209900176148,20240101,\n49015420323751,20240102,blacklist\n';
const ROWS = [
  ['imei', 'reporting_date', 'status'],
  ['35209900176148', '20240101', ''],
  ['49015420323751', '20240102', 'blacklist'],
];

async function put(name: string, data: Buffer | string): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, data);
  return p;
}

async function drain(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

async function csvRows(input: OpenedInput): Promise<string[][]> {
  const rows: string[][] = [];
  for await (const b of readCsv(input.stream, { file: input.innerName, delimiter: ',', maxLineBytes: 65536 })) rows.push(...b.rows);
  return rows;
}

const sha256 = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');

async function refused(p: Promise<unknown>, rule: string): Promise<InputError> {
  let caught: unknown;
  await assert.rejects(p, (e) => {
    caught = e;
    return true;
  });
  assert.ok(caught instanceof InputError, `expected an InputError, got ${String(caught)}`);
  assert.equal(caught.problem.rule, rule, caught.message);
  assert.equal(caught.code, 'CEIR_ERR_INPUT_REFUSED');
  return caught;
}

test('the test CRC-32 agrees with the known check value (and with zlib.crc32 where present)', () => {
  assert.equal(tableCrc32(Buffer.from('123456789')), 0xcbf43926);
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
});

test('plain file: content, packing, size, bytes read, sha256 and name', async () => {
  const path = await put('stolen.csv', CSV);
  const input = await openInput(path);
  assert.equal(input.packing, 'plain');
  assert.equal(input.innerName, 'stolen.csv');
  assert.equal(input.size, Buffer.byteLength(CSV));
  assert.equal(input.bytesRead(), 0, 'nothing read before the stream is consumed');
  assert.equal((await drain(input.stream)).toString(), CSV);
  assert.equal(input.bytesRead(), input.size);
  assert.equal(await input.sha256(), await sha256(path));
});

test('gzip file: decompressed content, sha256 of the compressed bytes on disk', async () => {
  const path = await put('stolen.csv.gz', gzipSync(CSV));
  const input = await openInput(path);
  assert.equal(input.packing, 'gzip');
  assert.equal(input.innerName, 'stolen.csv');
  assert.deepEqual(await csvRows(input), ROWS);
  assert.equal(input.bytesRead(), input.size);
  const digest = await input.sha256();
  assert.equal(digest, await sha256(path));
  assert.notEqual(digest, createHash('sha256').update(CSV).digest('hex'));
});

test('zip file (deflated): the one entry is read, sha256 is of the zip on disk', async () => {
  const path = await put('stolen.zip', makeZip([{ name: 'export/stolen-2024.csv', data: CSV, method: 'deflate' }]));
  const input = await openInput(path);
  assert.equal(input.packing, 'zip');
  assert.equal(input.innerName, 'stolen-2024.csv');
  assert.deepEqual(await csvRows(input), ROWS);
  assert.equal(await input.sha256(), await sha256(path));
  assert.ok(input.bytesRead() > 0);
});

test('zip file (stored) with a directory entry and __MACOSX metadata still counts as one file', async () => {
  const zip = makeZip([
    { name: 'export/' },
    { name: 'export/list.csv', data: CSV, method: 'store' },
    { name: '__MACOSX/export/._list.csv', data: 'resource fork' },
  ]);
  const input = await openInput(await put('list.zip', zip));
  assert.equal(input.packing, 'zip');
  assert.equal(input.innerName, 'list.csv');
  assert.deepEqual(await csvRows(input), ROWS);
});

test('packing is detected by magic bytes, not by the file name', async () => {
  const gz = await openInput(await put('looks-plain.csv', gzipSync(CSV)));
  assert.equal(gz.packing, 'gzip');
  assert.deepEqual(await csvRows(gz), ROWS);

  const zip = await openInput(await put('looks-plain.txt', makeZip([{ name: 'a.csv', data: CSV, method: 'deflate' }])));
  assert.equal(zip.packing, 'zip');
  assert.deepEqual(await csvRows(zip), ROWS);

  const plainGz = await openInput(await put('looks-gzipped.csv.gz', CSV));
  assert.equal(plainGz.packing, 'plain');
  assert.deepEqual(await csvRows(plainGz), ROWS);

  const plainZip = await openInput(await put('looks-zipped.zip', CSV));
  assert.equal(plainZip.packing, 'plain');
  assert.deepEqual(await csvRows(plainZip), ROWS);
});

test('an empty file and a one-byte file open as plain', async () => {
  const empty = await openInput(await put('empty.csv', ''));
  assert.equal(empty.packing, 'plain');
  assert.equal(empty.size, 0);
  assert.deepEqual(await csvRows(empty), []);
  assert.equal(await empty.sha256(), createHash('sha256').update('').digest('hex'));

  const one = await openInput(await put('one.csv', '\x1f'));
  assert.equal(one.packing, 'plain');
});

test('a zip holding two files is refused as bad_zip', async () => {
  const path = await put('two.zip', makeZip([{ name: 'a.csv', data: CSV }, { name: 'b.csv', data: CSV }]));
  const e = await refused(openInput(path), 'bad_zip');
  assert.match(e.message, /exactly one file.*holds 2/);
  assert.equal(e.problem.file, 'two.zip');
});

test('a zip holding no file at all is refused as bad_zip', async () => {
  const e = await refused(openInput(await put('none.zip', makeZip([]))), 'bad_zip');
  assert.match(e.message, /holds 0/);
  // only a directory: no file either
  await refused(openInput(await put('dir-only.zip', makeZip([{ name: 'export/' }]))), 'bad_zip');
});

test('a damaged zip (local header, no central directory) is refused as bad_zip', async () => {
  const zip = makeZip([{ name: 'a.csv', data: CSV, method: 'deflate' }]);
  await refused(openInput(await put('cut.zip', zip.subarray(0, 40))), 'bad_zip');
});

test('a truncated gzip is refused as unreadable when read through readCsv', async () => {
  const big = Array.from({ length: 5000 }, (_, i) => `${35209900000000 + i},20240101,`).join('\n') + '\n';
  const gz = gzipSync(big);
  const input = await openInput(await put('cut.csv.gz', gz.subarray(0, Math.floor(gz.length / 2))));
  assert.equal(input.packing, 'gzip');
  const e = await refused(csvRows(input), 'unreadable');
  assert.match(e.message, /damaged or truncated/);
  // the gzip trailer missing only (last 8 bytes cut) is refused too
  const noTrailer = await openInput(await put('no-trailer.csv.gz', gzipSync(CSV).subarray(0, -8)));
  await refused(csvRows(noTrailer), 'unreadable');
});

test('a missing file is refused as unreadable', async () => {
  const e = await refused(openInput(join(dir, 'does-not-exist.csv')), 'unreadable');
  assert.equal(e.problem.file, 'does-not-exist.csv');
});

test('a directory is refused as unreadable', async () => {
  const d = join(dir, 'a-directory.csv');
  await mkdir(d);
  await refused(openInput(d), 'unreadable');
});

test('a regular file that cannot be read is refused as unreadable, not a raw system error', async () => {
  let path: string;
  if (process.getuid?.() === 0) {
    // root reads any file: use one whose stat works but whose read fails (EIO)
    path = '/proc/self/mem';
  } else {
    path = await put('no-permission.csv', CSV);
    await chmod(path, 0o000);
  }
  await refused(openInput(path), 'unreadable');
});

/** Open descriptors of this process on `path` (Linux /proc; CI runs on Linux). */
function openFds(path: string): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === path) n++;
    } catch {
      // the descriptor of the directory listing itself, already closed
    }
  }
  return n;
}

test('a stream destroyed before its end closes the file on disk (plain, gzip, zip)', async () => {
  // 8 MB of varied rows: much more than one read chunk, even gzipped
  const big = Array.from({ length: 400_000 }, (_, i) => `${(i * 2654435761) % 1e14},${i.toString(36)},${(i * 7919) % 104729}`).join('\n');
  const files = {
    plain: await put('big.csv', big),
    gzip: await put('big.csv.gz', gzipSync(big, { level: 1 })),
    zip: await put('big.zip', makeZip([{ name: 'big.csv', data: big, method: 'deflate' }])),
  };
  for (const [packing, path] of Object.entries(files)) {
    const input = await openInput(path);
    assert.equal(input.packing, packing);
    for await (const b of readCsv(input.stream, { file: input.innerName, delimiter: ',', maxLineBytes: 1024 })) {
      assert.equal(b.rows[0].length, 3);
      break; // the consumer stops after the first batch
    }
    if (packing === 'zip') await input.sha256(); // its separate hashing pass ends on its own
    await waitUntil(() => openFds(path) === 0, { timeoutMs: 500, everyMs: 10 });
    assert.equal(openFds(path), 0, `${packing}: the file is still open`);
  }
});
