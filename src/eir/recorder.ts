/**
 * Every equipment check is also an observation (DESIGN, Real-time path): the recorder keeps the
 * checks in bounded batches and writes each batch as two files, atomically (written aside, then
 * renamed into place):
 *
 *   <dir>/checks/<node>-<stamp>-<seq>.csv          time,interface,imei,imsi,svn,answer   (every check)
 *   <dir>/observations/<node>-<stamp>-<seq>_<from>_<to>.csv
 *                                                  date,imei,imsi,msisdn,rat,svn          (one row per day and
 *                                                  IMEI, IMSI, software version: what `ceir import operator` takes)
 *
 * The check path never waits for the disk, nor for the formatting: a check is five numbers stored
 * in typed arrays; a batch, full or old enough, is handed whole (its ArrayBuffer transferred, not
 * copied) to a writer thread (`recorder-writer.ts`) that formats and writes it and hands the buffer
 * back for reuse. When the writer falls behind by more than `maxPendingBatches`, new checks are
 * dropped from the record (and counted) rather than slowing the answers.
 */
import { Worker } from 'node:worker_threads';
import type { EirMetrics } from './metrics.ts';
import { BatchFormatter, BatchLayout, WRITER_ROLE, writeBatch, type WriteDone, type WriteJob } from './recorder-writer.ts';
import type { CheckAnswer, CheckInterface } from './types.ts';

export interface RecorderOptions {
  dir: string;
  /** Names this node in the file names. */
  node: string;
  /** Checks per batch (default 100 000). */
  maxBatch?: number;
  /** A batch older than this is written even if not full (default 10 s). */
  flushSeconds?: number;
  /** Batches handed to the writer (being written or waiting) before checks are dropped (default 4). */
  maxPendingBatches?: number;
  /** Write in a worker thread (default), or on the caller's thread (the same code, blocking it while it writes). */
  thread?: 'worker' | 'inline';
  metrics: EirMetrics;
  onError?: (e: Error) => void;
}

/** The answer's code in a record (ANSWER_CODES of the writer). */
const answerCode = (a: CheckAnswer) => (a === 'WHITELISTED' ? 0 : a === 'BLACKLISTED' ? 2 : a === 'GREYLISTED' ? 4 : 6);

class Batch extends BatchLayout {
  n = 0;
  startedAt = 0;
}

/** Starts the writer thread: `recorder-writer`, as this module is loaded (TypeScript sources, or built JavaScript). */
function startWriter(): Worker {
  const workerData = { role: WRITER_ROLE };
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./recorder-writer.js', import.meta.url), { workerData });
  // From the sources: the worker registers the TypeScript loader first (on Node 20, `--import`
  // in a worker's execArgv does not reach its entry module).
  const api = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const entry = JSON.stringify(new URL('./recorder-writer.ts', import.meta.url).href);
  return new Worker(`import(${api}).then((m) => { m.register(); return import(${entry}); });`, { eval: true, workerData });
}

export class CheckRecorder {
  private readonly maxBatch: number;
  private readonly maxPending: number;
  private batch: Batch;
  /** Batches handed to the writer and not yet back. */
  private outstanding = 0;
  /** Buffers back from the writer, for the next batches. */
  private readonly spare: ArrayBuffer[] = [];
  private worker: Worker | null = null;
  /** Checks handed to the writer and not yet back (lost if it dies). */
  private inFlight = 0;
  private readonly inline: BatchFormatter | null;
  private idle: (() => void)[] = [];
  private seq = 0;
  private readonly stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15);
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly opts: RecorderOptions) {
    this.maxBatch = opts.maxBatch ?? 100_000;
    this.maxPending = opts.maxPendingBatches ?? 4;
    this.inline = opts.thread === 'inline' ? new BatchFormatter() : null;
    this.batch = this.newBatch();
    const flushMs = (opts.flushSeconds ?? 10) * 1000;
    this.timer = setInterval(() => {
      if (this.batch.n && Date.now() - this.batch.startedAt >= flushMs) this.handOver();
    }, Math.min(flushMs, 1000));
    this.timer.unref();
  }

  /**
   * Records one check (arguments as `EirChecker.check` takes them). Five stores into typed
   * arrays: no allocation.
   */
  record(imei: number, imsi: number, imsiDigits: number, iface: CheckInterface, answer: CheckAnswer, svn: number): void {
    let b = this.batch;
    if (b.n === b.cap) {
      if (this.outstanding >= this.maxPending) {
        this.opts.metrics.records.dropped++;
        return;
      }
      this.handOver();
      b = this.batch;
    }
    const i = b.n++;
    const now = this.now();
    if (i === 0) b.startedAt = now;
    b.times[i] = now;
    b.imeis[i] = imei;
    b.imsis[i] = imsiDigits ? imsi : 0;
    b.svns[i] = svn;
    b.flags[i] = (iface === 's13' ? 1 : 0) | answerCode(answer) | (imsiDigits << 3);
  }

  /**
   * The time of a record: read once per event-loop turn (and every 256 records within one), not
   * per check. Measured: Date.now() costs ~45 ns, most of the cost of a record; checks answered
   * in the same turn (one read of the socket) share a time, within a fraction of a millisecond.
   */
  private now(): number {
    if (this.clockUses-- > 0) return this.clock;
    this.clockUses = 255;
    if (!this.clockReset) {
      this.clockReset = true;
      setImmediate(this.resetClock);
    }
    return (this.clock = Date.now());
  }
  private clock = 0;
  private clockUses = 0;
  private clockReset = false;
  private readonly resetClock = () => {
    this.clockUses = 0;
    this.clockReset = false;
  };

  /** Write what has been recorded so far; resolves when every batch is on disk. */
  async flush(): Promise<void> {
    if (this.batch.n) this.handOver();
    if (this.outstanding) await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    const w = this.worker;
    this.worker = null;
    await w?.terminate();
  }

  private newBatch(): Batch {
    const cap = this.maxBatch;
    return new Batch(this.spare.pop() ?? new ArrayBuffer(BatchLayout.bytes(cap)), cap);
  }

  private handOver(): void {
    const b = this.batch;
    this.batch = this.newBatch();
    const job: WriteJob = { buffer: b.buffer, cap: b.cap, n: b.n, dir: this.opts.dir, name: `${this.opts.node}-${this.stamp}-${String(++this.seq).padStart(6, '0')}` };
    this.outstanding++;
    this.inFlight += b.n;
    if (this.inline) {
      // on this thread, but after the current request: the same order as the worker's
      const formatter = this.inline;
      setImmediate(() => {
        const done: WriteDone = { buffer: job.buffer, n: job.n };
        try {
          writeBatch(formatter, job);
        } catch (e) {
          done.error = (e as Error).message;
        }
        this.done(done);
      });
      return;
    }
    const w = this.writer();
    w.ref(); // batches in hand keep the process alive until written
    w.postMessage(job, [job.buffer]);
  }

  private writer(): Worker {
    if (this.worker) return this.worker;
    const w = startWriter();
    w.on('message', (m: WriteDone) => this.done(m));
    w.on('error', (e) => {
      // the writer died (it catches its own write errors): what it held is lost; a new one starts on the next batch
      if (this.worker === w) this.worker = null;
      this.opts.onError?.(e);
      this.opts.metrics.records.dropped += this.inFlight;
      this.inFlight = 0;
      this.outstanding = 0;
      this.settle();
    });
    w.unref();
    this.worker = w;
    return w;
  }

  private done(m: WriteDone): void {
    this.outstanding--;
    this.inFlight -= m.n;
    if (m.error) {
      this.opts.metrics.records.dropped += m.n;
      this.opts.onError?.(new Error(m.error));
    } else this.opts.metrics.records.written += m.n;
    if (m.buffer.byteLength === BatchLayout.bytes(this.maxBatch) && this.spare.length < 2) this.spare.push(m.buffer);
    this.settle();
  }

  private settle(): void {
    if (this.outstanding) return;
    this.worker?.unref();
    const idle = this.idle;
    this.idle = [];
    for (const resolve of idle) resolve();
  }
}
