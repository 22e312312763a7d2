/**
 * Streaming text output with backpressure. Producers append lines to an in-memory chunk;
 * when the chunk is big enough it is handed to a write stream and, if the stream's buffer is
 * full, the producer waits for 'drain'. Memory stays bounded by the chunk size whatever the
 * file size.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';

const DEFAULT_CHUNK_CHARS = 1 << 20;

export class ChunkWriter {
  private chunk = '';
  private readonly stream: WriteStream;
  private failure: Error | undefined;
  /** Lines appended so far (push() counts one per call). */
  lines = 0;

  constructor(
    readonly path: string,
    private readonly chunkChars = DEFAULT_CHUNK_CHARS,
  ) {
    this.stream = createWriteStream(path, { encoding: 'utf8' });
    this.stream.on('error', (e) => (this.failure = e));
  }

  /** Append text; returns true when the chunk is full and `flush()` should be awaited. */
  push(text: string): boolean {
    this.chunk += text;
    this.lines++;
    return this.chunk.length >= this.chunkChars;
  }

  /** Hand the pending chunk to the stream, waiting for 'drain' when the stream is saturated. */
  async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.chunk.length === 0) return;
    const text = this.chunk;
    this.chunk = '';
    if (!this.stream.write(text)) await once(this.stream, 'drain');
  }

  /** Flush and close the file; resolves once it is fully written. */
  async close(): Promise<void> {
    await this.flush();
    this.stream.end();
    await finished(this.stream);
    if (this.failure) throw this.failure;
  }
}

/**
 * Write a header and the lines of an iterable (each with its own newline) to a file.
 * Returns the number of data lines (header excluded).
 */
export async function writeLines(path: string, header: string, lines: Iterable<string>): Promise<number> {
  const w = new ChunkWriter(path);
  let n = 0;
  try {
    w.push(header + '\n');
    for (const line of lines) {
      n++;
      if (w.push(line)) await w.flush();
    }
  } finally {
    await w.close();
  }
  return n;
}

/**
 * Byte-level streaming output for the hot loops of the bulk generators: rows are assembled
 * from pre-encoded pieces (copied byte by byte, no string concatenation, no garbage per row)
 * into a buffer that is handed to the stream when it passes `limit` bytes; the producer waits
 * for 'drain' when the stream is saturated. Each flush hands over its buffer and starts a new
 * one, so memory stays bounded whatever the file size.
 */
export class ByteWriter {
  /** Current buffer; write at `pos`, then call `flush()` once `pos >= limit`. */
  buf: Buffer;
  pos = 0;
  readonly limit: number;
  private readonly capacity: number;
  private readonly stream: WriteStream;
  private failure: Error | undefined;

  /** `slack`: the largest piece of data written between two `pos >= limit` checks. */
  constructor(
    readonly path: string,
    chunkBytes = 1 << 20,
    slack = 1 << 16,
  ) {
    this.limit = chunkBytes;
    this.capacity = chunkBytes + slack;
    this.buf = Buffer.allocUnsafe(this.capacity);
    this.stream = createWriteStream(path);
    this.stream.on('error', (e) => (this.failure = e));
  }

  /** Append a Latin-1 / ASCII string. */
  ascii(s: string): void {
    this.pos += this.buf.write(s, this.pos, 'latin1');
  }

  /** Append bytes [from, to) of `src`. */
  copy(src: Uint8Array, from: number, to: number): void {
    const b = this.buf;
    let p = this.pos;
    for (let i = from; i < to; i++) b[p++] = src[i];
    this.pos = p;
  }

  byte(v: number): void {
    this.buf[this.pos++] = v;
  }

  async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.pos === 0) return;
    const out = this.buf.subarray(0, this.pos);
    this.buf = Buffer.allocUnsafe(this.capacity);
    this.pos = 0;
    if (!this.stream.write(out)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    await this.flush();
    this.stream.end();
    await finished(this.stream);
    if (this.failure) throw this.failure;
  }
}

/** Pieces of text encoded once into one Latin-1 arena: piece i is bytes [offset[i], offset[i+1]). */
export class TextArena {
  readonly bytes: Buffer;
  readonly offset: Uint32Array;

  constructor(pieces: readonly string[]) {
    this.offset = new Uint32Array(pieces.length + 1);
    let total = 0;
    for (let i = 0; i < pieces.length; i++) {
      total += pieces[i].length;
      this.offset[i + 1] = total;
    }
    this.bytes = Buffer.allocUnsafe(total);
    for (let i = 0; i < pieces.length; i++) this.bytes.write(pieces[i], this.offset[i], 'latin1');
  }

  get length(): number {
    return this.offset.length - 1;
  }

  /** Append piece i to a writer. */
  put(w: ByteWriter, i: number): void {
    w.copy(this.bytes, this.offset[i], this.offset[i + 1]);
  }
}
