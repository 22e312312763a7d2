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
