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
 * The check path never waits for the disk: a batch is handed to the writer when it is full or
 * old enough, and when the writer falls behind by more than `maxPendingBatches`, new checks are
 * dropped from the record (and counted) rather than slowing the answers.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EirMetrics } from './metrics.ts';
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
  metrics: EirMetrics;
  onError?: (e: Error) => void;
}

/** RAT of the network that asks: an MME (S13) serves E-UTRAN, an AMF (N5g-eir) NR (DOMAIN §4 codes). */
const RAT: Record<CheckInterface, string> = { s13: '006', n5g: '010' };

class Batch {
  n = 0;
  readonly times: Float64Array;
  readonly imeis: string[];
  readonly imsis: (string | undefined)[];
  readonly svns: (string | undefined)[];
  readonly ifaces: CheckInterface[];
  readonly answers: CheckAnswer[];
  readonly startedAt = Date.now();
  constructor(size: number) {
    this.times = new Float64Array(size);
    this.imeis = new Array<string>(size);
    this.imsis = new Array<string | undefined>(size);
    this.svns = new Array<string | undefined>(size);
    this.ifaces = new Array<CheckInterface>(size);
    this.answers = new Array<CheckAnswer>(size);
  }
}

export class CheckRecorder {
  private readonly maxBatch: number;
  private readonly maxPending: number;
  private batch: Batch;
  private readonly pending: Batch[] = [];
  private writing: Promise<void> | null = null;
  private seq = 0;
  private readonly stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15);
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly opts: RecorderOptions) {
    this.maxBatch = opts.maxBatch ?? 100_000;
    this.maxPending = opts.maxPendingBatches ?? 4;
    this.batch = new Batch(this.maxBatch);
    const flushMs = (opts.flushSeconds ?? 10) * 1000;
    this.timer = setInterval(() => {
      if (this.batch.n && Date.now() - this.batch.startedAt >= flushMs) this.handOver();
    }, Math.min(flushMs, 1000));
    this.timer.unref();
  }

  record(imei: string, imsi: string | undefined, iface: CheckInterface, answer: CheckAnswer, svn: string | undefined): void {
    let b = this.batch;
    if (b.n === this.maxBatch) {
      if (this.pending.length + (this.writing ? 1 : 0) >= this.maxPending) {
        this.opts.metrics.records.dropped++;
        return;
      }
      this.handOver();
      b = this.batch;
    }
    const i = b.n++;
    b.times[i] = Date.now();
    b.imeis[i] = imei;
    b.imsis[i] = imsi;
    b.svns[i] = svn;
    b.ifaces[i] = iface;
    b.answers[i] = answer;
  }

  /** Write what has been recorded so far; resolves when every batch is on disk. */
  async flush(): Promise<void> {
    if (this.batch.n) this.handOver();
    while (this.writing) await this.writing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private handOver(): void {
    this.pending.push(this.batch);
    this.batch = new Batch(this.maxBatch);
    if (!this.writing) this.writing = this.drain();
  }

  private async drain(): Promise<void> {
    try {
      for (let b = this.pending.shift(); b; b = this.pending.shift()) {
        try {
          await this.write(b);
          this.opts.metrics.records.written += b.n;
        } catch (e) {
          this.opts.metrics.records.dropped += b.n;
          this.opts.onError?.(e as Error);
        }
      }
    } finally {
      this.writing = null;
    }
  }

  private async write(b: Batch): Promise<void> {
    const name = `${this.opts.node}-${this.stamp}-${String(++this.seq).padStart(6, '0')}`;
    const checks: string[] = ['time,interface,imei,imsi,svn,answer'];
    const seen = new Set<string>();
    const obs: string[] = ['date,imei,imsi,msisdn,rat,svn'];
    let from = '99999999';
    let to = '00000000';
    // Checks arrive hundreds per millisecond at load: the time's text is made once per millisecond.
    let lastT = NaN;
    let iso = '';
    let day = '';
    for (let i = 0; i < b.n; i++) {
      const t = b.times[i];
      if (t !== lastT) {
        lastT = t;
        iso = new Date(t).toISOString();
        day = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}`;
        if (day < from) from = day;
        if (day > to) to = day;
      }
      const imei = b.imeis[i];
      const imsi = b.imsis[i] ?? '';
      const svn = b.svns[i] ?? '';
      const iface = b.ifaces[i];
      checks.push(`${iso},${iface},${imei},${imsi},${svn},${b.answers[i]}`);
      const key = `${day}${imei}${iface}${imsi},${svn}`;
      if (seen.has(key)) continue;
      seen.add(key);
      obs.push(`${day},${imei},${imsi},,${RAT[iface]},${svn}`);
    }
    const checksDir = join(this.opts.dir, 'checks');
    const obsDir = join(this.opts.dir, 'observations');
    await mkdir(checksDir, { recursive: true });
    await mkdir(obsDir, { recursive: true });
    const put = async (dir: string, file: string, lines: string[]) => {
      await writeFile(join(dir, `.${file}.partial`), `${lines.join('\n')}\n`);
      await rename(join(dir, `.${file}.partial`), join(dir, file));
    };
    await put(checksDir, `${name}.csv`, checks);
    await put(obsDir, `${name}_${from}_${to}.csv`, obs);
  }
}
