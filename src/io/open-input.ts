/**
 * Open an input file as a byte stream, whatever its packing: plain, gzip or a zip holding one
 * file. The packing is recognised by its magic bytes, not by the file name.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import yauzl from 'yauzl';
import { InputError } from './input-error.ts';

export interface OpenedInput {
  /** The bytes of the (decompressed) content. */
  stream: Readable;
  packing: 'plain' | 'gzip' | 'zip';
  /** Size on disk, and a counter of bytes read from disk so far (for progress). */
  size: number;
  bytesRead: () => number;
  /** SHA-256 (hex) of the bytes on disk, complete once the stream has ended. */
  sha256: () => Promise<string>;
  /** The name of the file inside a zip, or the file's own name. */
  innerName: string;
}

const READ_CHUNK = 1 << 20;

async function magic(path: string): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(4);
    const { bytesRead } = await fh.read(buf, 0, 4, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

export async function openInput(path: string): Promise<OpenedInput> {
  const opened = await open_(path);
  // Decompression starts at once: an error before anyone reads (a damaged first block while the
  // caller still sets up its transaction) must wait for the reader, not crash the process. With a
  // listener, the stream keeps the error and the reader's iteration throws it.
  opened.stream.on('error', () => undefined);
  return opened;
}

async function open_(path: string): Promise<OpenedInput> {
  const file = basename(path);
  let size: number;
  let head: Buffer;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new Error('not a regular file');
    size = st.size;
    head = await magic(path); // may fail where stat did not: no read permission, I/O error
  } catch (e) {
    throw new InputError({ file, rule: 'unreadable', message: `cannot read the file (${(e as Error).message})` });
  }
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    const raw = readHashed(path);
    const gunzip = createGunzip({ chunkSize: READ_CHUNK });
    raw.stream.on('error', (e) => gunzip.destroy(e));
    gunzip.on('close', () => raw.stream.destroy()); // a consumer that stops early: close the file too
    const stream = raw.stream.pipe(gunzip);
    return { ...raw, stream, packing: 'gzip', size, innerName: file.replace(/\.gz$/i, '') };
  }
  // a local file header, or the end record that is all an archive with no entry holds
  if (head.length >= 4 && (head.readUInt32LE(0) === 0x04034b50 || head.readUInt32LE(0) === 0x06054b50)) return openZip(path, file, size);
  return { ...readHashed(path), packing: 'plain', size, innerName: file };
}

/** Read a file, counting and hashing its bytes on the way (a Transform, so nothing flows early). */
function readHashed(path: string): { stream: Readable; bytesRead: () => number; sha256: () => Promise<string> } {
  const raw = createReadStream(path, { highWaterMark: READ_CHUNK });
  const hash = createHash('sha256');
  let read = 0;
  let resolveDigest: (d: string) => void;
  const done = new Promise<string>((resolve) => (resolveDigest = resolve));
  const counter = new Transform({
    readableHighWaterMark: READ_CHUNK,
    transform(chunk: Buffer, _enc, cb) {
      read += chunk.length;
      hash.update(chunk);
      cb(null, chunk);
    },
    flush(cb) {
      resolveDigest(hash.digest('hex'));
      cb();
    },
  });
  raw.on('error', (e) => counter.destroy(e));
  counter.on('close', () => raw.destroy()); // pipe() does not close the file when the reader stops early
  return { stream: raw.pipe(counter), bytesRead: () => read, sha256: () => done };
}

/** SHA-256 of a whole file in one pass (zip archives, which yauzl reads by itself). */
function hashFile(path: string): Promise<string> {
  const r = readHashed(path);
  r.stream.resume();
  return r.sha256();
}

function openZip(path: string, file: string, size: number): Promise<OpenedInput> {
  const refuse = (message: string) => new InputError({ file, rule: 'bad_zip', message });
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, autoClose: false }, (err, zip) => {
      if (err || !zip) return reject(refuse(`not a readable zip archive (${err?.message ?? 'unknown error'})`));
      const entries: yauzl.Entry[] = [];
      zip.on('entry', (e: yauzl.Entry) => {
        if (!e.fileName.endsWith('/') && !e.fileName.startsWith('__MACOSX/')) entries.push(e);
        zip.readEntry();
      });
      zip.on('error', (e: Error) => reject(refuse(`damaged zip archive (${e.message})`)));
      zip.on('end', () => {
        if (entries.length !== 1) {
          zip.close();
          return reject(refuse(`a zip must hold exactly one file, this one holds ${entries.length}`));
        }
        const entry = entries[0];
        zip.openReadStream(entry, (e2, stream) => {
          if (e2 || !stream) {
            zip.close();
            return reject(refuse(`cannot read ${entry.fileName} in the zip (${e2?.message})`));
          }
          let read = 0;
          const counted = stream.pipe(
            new Transform({
              readableHighWaterMark: READ_CHUNK,
              transform(chunk: Buffer, _enc, cb) {
                read += chunk.length;
                cb(null, chunk);
              },
            }),
          );
          stream.on('error', (e) => counted.destroy(e));
          counted.on('close', () => {
            stream.destroy(); // the entry stream holds the zip file open until it ends or is destroyed
            zip.close();
          });
          const ratio = entry.uncompressedSize > 0 ? size / entry.uncompressedSize : 1;
          const digest = hashFile(path);
          resolve({
            stream: counted,
            packing: 'zip',
            size,
            bytesRead: () => Math.round(read * ratio),
            sha256: () => digest,
            innerName: basename(entry.fileName),
          });
        });
      });
      zip.readEntry();
    });
  });
}
