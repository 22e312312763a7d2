/**
 * The EIR status index: build time, bytes per listed IMEI, equipment checks per second (random
 * hits and misses; hits only) and the time to apply a 1 % delta, copy-on-write clone included.
 *
 * Every size is built in memory through the index API (reserve, then one insertion per row, as
 * `buildSnapshot` does); sizes up to `csvUpTo` are also written as a list version folder and its
 * next version's deltas, and loaded with `buildSnapshot` / `applyDelta` (CSV scan included).
 * Keys: 20 000 TACs with random serials; 70 % of the listed IMEIs blocked, 30 % notified (one in
 * ten of those for two subscribers). The delta: a quarter unblocked, a quarter newly blocked, a
 * quarter new notifications, a quarter resolved ones. Imported by bench/eir.ts.
 */
import { closeSync, mkdirSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { applyDelta, buildSnapshot } from '../../src/eir/snapshot.ts';
import { StatusIndex } from '../../src/eir/status-index.ts';
import type { CheckAnswer } from '../../src/eir/types.ts';
import { benchDir } from '../common.ts';
import { Rng } from '../../src/generate/prng.ts';

export interface IndexBenchOptions {
  /** Listed IMEIs (blocked + notified) per run, e.g. [10_000_000, 100_000_000]. */
  sizes: number[];
  /** Also build from CSV files up to this size (default 10 000 000; 0: never). */
  csvUpTo?: number;
  /** Checks per lookup measurement (default 10 000 000). */
  lookups?: number;
  /** Progress lines. */
  log?: (line: string) => void;
}

export interface IndexBenchResult {
  /** Distinct listed IMEIs in the index. */
  entries: number;
  /** Bytes of the listed-IMEI table (and its overflow counts) per entry. */
  bytesPerEntry: number;
  /** In-memory build through the index API. */
  buildSeconds: number;
  /** `decide` calls per second, half hits (blocked or notified) and half misses. */
  lookupsPerSec: number;
  /** `decide` calls per second, hits only. */
  hitLookupsPerSec: number;
  /** Clone (copy-on-write) and apply `deltaRows` changes in memory. */
  deltaApplySeconds: number;
  deltaRows: number;
  /** `buildSnapshot` of the same content written as CSV (sizes ≤ csvUpTo). */
  snapshotBuildSeconds?: number;
  /** `applyDelta` of the next version's delta CSVs to that snapshot. */
  snapshotDeltaSeconds?: number;
  /** Bytes held by the snapshot built from CSV, per listed IMEI. */
  snapshotBytesPerEntry?: number;
}

/** A deterministic stream of floats in [0, 1) (the generator's seedable PRNG). */
function rng(seed: number): () => number {
  const r = Rng.fromSeed(seed);
  return () => r.float();
}

const TACS = 20_000;

/** `n` random IMEI numbers under `TACS` TACs starting at `tacBase`. */
function randomKeys(n: number, tacBase: number, seed: number): Float64Array {
  const r = rng(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = (tacBase + Math.floor(r() * TACS) * 37) * 1e6 + Math.floor(r() * 1e6);
  return out;
}

interface Plan {
  /** Listed keys: [0, blockedN) blocked, the rest notified. */
  keys: Float64Array;
  blockedN: number;
  /** Delta: unblock keys[0..q), block fresh[0..q), notify fresh[q..2q), resolve the notifications of keys[blockedN..blockedN+q). */
  fresh: Float64Array;
  q: number;
}

function plan(n: number): Plan {
  const keys = randomKeys(n, 35_000_000, 1);
  const q = Math.max(1, Math.round(n / 400));
  return { keys, blockedN: Math.round(n * 0.7), fresh: randomKeys(2 * q, 86_000_000, 2), q };
}

/** Notified keys `i` with i % 10 === 0 have two notification rows. */
const twice = (i: number): boolean => i % 10 === 0;

function buildInMemory(p: Plan): StatusIndex {
  const ix = new StatusIndex({ listed: p.keys.length });
  const { keys, blockedN } = p;
  for (let i = 0; i < blockedN; i++) ix.addBlocked(keys[i]);
  for (let i = blockedN; i < keys.length; i++) {
    ix.addNotification(keys[i]);
    if (twice(i)) ix.addNotification(keys[i]);
  }
  ix.fit();
  return ix;
}

function applyInMemory(ix: StatusIndex, p: Plan): StatusIndex {
  const next = ix.clone();
  next.reserve({ listed: 2 * p.q });
  for (let i = 0; i < p.q; i++) next.removeBlocked(p.keys[i]);
  for (let i = 0; i < p.q; i++) next.addBlocked(p.fresh[i]);
  for (let i = p.q; i < 2 * p.q; i++) next.addNotification(p.fresh[i]);
  for (let i = p.blockedN; i < p.blockedN + p.q; i++) next.removeNotification(p.keys[i]);
  return next;
}

/**
 * Checks per second of `decide` over `queries` (permissive, no IMSI): the best of three passes
 * (the machines are shared; the best pass is the least disturbed one).
 */
function lookupRate(ix: StatusIndex, queries: Float64Array): number {
  let listed = 0;
  let best = 0;
  const warm = Math.min(queries.length, 200_000);
  for (let i = 0; i < warm; i++) if (ix.decide(queries[i], NaN, 'permissive') !== 'WHITELISTED') listed++;
  for (let pass = 0; pass < 3; pass++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < queries.length; i++) {
      const a: CheckAnswer = ix.decide(queries[i], NaN, 'permissive');
      if (a !== 'WHITELISTED') listed++;
    }
    best = Math.max(best, queries.length / seconds(t));
  }
  if (listed < 0) throw new Error('unreachable');
  return best;
}

function queries(p: Plan, count: number, hitShare: number): Float64Array {
  const r = rng(3);
  const misses = randomKeys(count, 99_000_000, 4);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = r() < hitShare ? p.keys[Math.floor(r() * p.keys.length)] : misses[i];
  return out;
}

// --- CSV files -----------------------------------------------------------------------------------

/** Writes CSV rows `<14-digit key><suffix>` in 4 MiB blocks. */
class KeyWriter {
  private buf = Buffer.allocUnsafe(1 << 22);
  private pos = 0;
  private fd: number;
  rows = 0;
  constructor(
    readonly path: string,
    header: string,
  ) {
    this.fd = openSync(path, 'w');
    this.text(`${header}\n`);
  }
  private text(s: string): void {
    if (this.pos + s.length * 3 > this.buf.length) this.flush();
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }
  row(key: number, suffix: Buffer): void {
    if (this.pos + 15 + suffix.length > this.buf.length) this.flush();
    let hi = Math.floor(key / 1e7);
    let lo = key - hi * 1e7;
    for (let d = 13; d >= 7; d--) {
      this.buf[this.pos + d] = 48 + (lo % 10);
      lo = Math.floor(lo / 10);
    }
    for (let d = 6; d >= 0; d--) {
      this.buf[this.pos + d] = 48 + (hi % 10);
      hi = Math.floor(hi / 10);
    }
    this.pos += 14;
    this.pos += suffix.copy(this.buf, this.pos);
    this.rows++;
  }
  private flush(): void {
    writeSync(this.fd, this.buf, 0, this.pos);
    this.pos = 0;
  }
  close(): { name: string; rows: number } {
    this.flush();
    closeSync(this.fd);
    return { name: this.path.slice(this.path.lastIndexOf('/') + 1), rows: this.rows };
  }
}

const B = (s: string) => Buffer.from(s, 'latin1');

function manifest(dir: string, version: number, base: number | null, operator: string | null, files: { name: string; rows: number }[], counts: Record<string, unknown>): void {
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ version, base_version: base, list_date: '2025-03-01', created_at: '2025-03-01T06:00:00.000Z', country: 'Benchland', operator, files, counts }));
}

/** Version 1 (full lists of the plan) and version 2 (its deltas), as `ceir lists` lays them out. */
function writeVersions(root: string, p: Plan): { v1: string; v2: string } {
  const v1 = join(root, '1');
  const v2 = join(root, '2');
  for (const d of [v1, v2]) for (const f of ['blocklist', 'alpha']) mkdirSync(join(d, f), { recursive: true });
  const { keys, blockedN, fresh, q } = p;

  const bl = new KeyWriter(join(v1, 'blocklist', 'blacklist.csv'), 'imei,block_date,reasons');
  const blRow = B(',20250215,IMEI reported stolen\n');
  for (let i = 0; i < blockedN; i++) bl.row(keys[i], blRow);
  const bld = new KeyWriter(join(v1, 'blocklist', 'blacklist_delta.csv'), 'imei,block_date,reasons,change_type');
  manifest(join(v1, 'blocklist'), 1, null, null, [bl.close(), bld.close()], {});
  const nt = new KeyWriter(join(v1, 'alpha', 'notifications.csv'), 'imei,imsi,msisdn,block_date,reasons');
  const ntRow = B(',999010000000001,99000000001,20250320,Duplicate IMEI\n');
  const ntRow2 = B(',999010000000002,99000000002,20250320,Duplicate IMEI\n');
  for (let i = blockedN; i < keys.length; i++) {
    nt.row(keys[i], ntRow);
    if (twice(i)) nt.row(keys[i], ntRow2);
  }
  const files = [nt.close(), new KeyWriter(join(v1, 'alpha', 'notifications_delta.csv'), 'imei,imsi,msisdn,block_date,reasons,change_type').close()];
  files.push(new KeyWriter(join(v1, 'alpha', 'exceptions.csv'), 'imei,imsi,msisdn').close(), new KeyWriter(join(v1, 'alpha', 'exceptions_delta.csv'), 'imei,imsi,msisdn,change_type').close());
  manifest(join(v1, 'alpha'), 1, null, 'alpha', files, {});

  const d = new KeyWriter(join(v2, 'blocklist', 'blacklist_delta.csv'), 'imei,block_date,reasons,change_type');
  const unblocked = B(',20250215,IMEI reported stolen,unblocked\n');
  const blocked = B(',20250301,IMEI reported stolen,blocked\n');
  for (let i = 0; i < q; i++) d.row(keys[i], unblocked);
  for (let i = 0; i < q; i++) d.row(fresh[i], blocked);
  manifest(join(v2, 'blocklist'), 2, 1, null, [d.close()], { blacklist_delta: { blocked: q, unblocked: q, changed: 0 } });
  const nd = new KeyWriter(join(v2, 'alpha', 'notifications_delta.csv'), 'imei,imsi,msisdn,block_date,reasons,change_type');
  const added = B(',999010000000003,99000000003,20250420,Duplicate IMEI,new\n');
  const resolved = B(',999010000000001,99000000001,20250320,Duplicate IMEI,resolved\n');
  for (let i = q; i < 2 * q; i++) nd.row(fresh[i], added);
  for (let i = blockedN; i < blockedN + q; i++) nd.row(keys[i], resolved);
  const ed = new KeyWriter(join(v2, 'alpha', 'exceptions_delta.csv'), 'imei,imsi,msisdn,change_type');
  manifest(join(v2, 'alpha'), 2, 1, 'alpha', [nd.close(), ed.close()], { notifications_delta: { new: q, resolved: q, blacklisted: 0, no_longer_seen: 0, changed: 0 } });
  return { v1, v2 };
}

const seconds = (t: bigint): number => Number(process.hrtime.bigint() - t) / 1e9;

/** The in-memory measurements of one size; returns the row and the entries after the delta. */
function inMemory(p: Plan, lookups: number, log: (line: string) => void): { row: IndexBenchResult; after: number } {
  let t = process.hrtime.bigint();
  const ix = buildInMemory(p);
  const buildSeconds = seconds(t);
  const entries = ix.counts().listedImeis;
  const bytesPerEntry = ix.listedBytes() / entries;
  log(`  built in ${buildSeconds.toFixed(2)} s, ${bytesPerEntry.toFixed(2)} bytes an entry; checking`);
  const lookupsPerSec = lookupRate(ix, queries(p, lookups, 0.5));
  const hitLookupsPerSec = lookupRate(ix, queries(p, lookups, 1));
  t = process.hrtime.bigint();
  const next = applyInMemory(ix, p);
  const deltaApplySeconds = seconds(t);
  return { row: { entries, bytesPerEntry, buildSeconds, lookupsPerSec, hitLookupsPerSec, deltaApplySeconds, deltaRows: 4 * p.q }, after: next.counts().listedImeis };
}

export async function benchIndex(opts: IndexBenchOptions): Promise<IndexBenchResult[]> {
  const log = opts.log ?? (() => {});
  const csvUpTo = opts.csvUpTo ?? 10_000_000;
  const lookups = opts.lookups ?? 10_000_000;
  const out: IndexBenchResult[] = [];
  for (const size of opts.sizes) {
    log(`status index, ${size} listed IMEIs: generating keys`);
    const p = plan(size);
    const { row, after } = inMemory(p, lookups, log);
    if (size <= csvUpTo) {
      const root = join(benchDir(), `eir-index-${size}`);
      rmSync(root, { recursive: true, force: true });
      log('  writing the list version folders');
      const { v1, v2 } = writeVersions(root, p);
      try {
        const t = process.hrtime.bigint();
        const s1 = await buildSnapshot(v1);
        row.snapshotBuildSeconds = seconds(t);
        row.snapshotBytesPerEntry = s1.bytes() / s1.counts().listedImeis;
        const t2 = process.hrtime.bigint();
        const s2 = await applyDelta(s1, v2);
        row.snapshotDeltaSeconds = seconds(t2);
        if (s2.counts().listedImeis !== after) throw new Error(`the snapshot from CSV has ${s2.counts().listedImeis} entries after the delta, the in-memory index ${after}`);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    }
    log(`  ${JSON.stringify(row)}`);
    out.push(row);
  }
  return out;
}
