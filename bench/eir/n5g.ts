/**
 * N5g-eir throughput and latency, measured with h2load (nghttp2-client) against the 5G-EIR's
 * HTTP/2 server and, in the same run with the same client settings, against a bare node:http2
 * server answering a fixed JSON body of the same size: the ratio is the figure (target ≥ 0.8).
 *
 * A module (the EIR bench imports it). Both servers run in this process, one at a time under
 * load, because the checker is a live object that cannot cross a process boundary; this process
 * does nothing else while h2load (a separate native process) runs. With two or more cores, h2load
 * is pinned to CPU 0 and this process to CPU 1 for the measurement (its affinity is restored
 * afterwards). Rounds alternate N5g-eir and bare so that drift on a shared machine hits both; the
 * ratio is the median of the back-to-back pairs. The server CPU per request (this process's CPU
 * time over the requests answered) is reported beside it: it moves less than rates do when other
 * work shares the machine.
 *
 * Latency: h2load's per-request log (`--log-file`) at a fixed rate (`--rps`) of half the N5g-eir
 * peak, p50/p99 from it; the bare server is measured at the same rate for comparison.
 *
 * Measured while writing the server (2 cores, h2load -c 8 -m 10), each change kept or dropped:
 * - node:http2 'stream' event API vs the compat (req, res) API on the bare server: the compat
 *   layer answered ~25-30 % fewer requests per second, so the server uses the 'stream' API.
 * - query parsed by hand vs `URLSearchParams` + `get`: ~0.6 µs vs ~1.3 µs per query.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { luhnCheckDigit } from '../../src/identity/luhn.ts';
import { EQUIPMENT_STATUS_PATH, startN5gServer } from '../../src/eir/n5g.ts';
import type { EirChecker } from '../../src/eir/types.ts';
import { Rng } from '../../src/generate/prng.ts';

export interface N5gBenchOptions {
  /** Length of each measured h2load run (after one second of warm-up). */
  seconds: number;
  /** h2load `-c`: concurrent HTTP/2 connections. */
  clients: number;
  /** h2load `-m`: concurrent streams per connection. */
  streams: number;
  /** h2load `-t`: native client threads (default 1). */
  threads?: number;
  checker: EirChecker;
  /** Peak-rate rounds per server, alternating N5g-eir and bare (default 3). */
  rounds?: number;
  /** 14-digit IMEI keys to query (default: 1 000 generated ones). */
  imeis?: string[];
  /** Pin h2load and this process to different CPUs when there are two or more (default true). */
  pin?: boolean;
}

export interface H2loadRun {
  perSec: number;
  /** CPU time (user + system) this process spent per answered request, in µs. */
  cpuUsPerReq: number;
  done: number;
  failed: number;
  errored: number;
  status: { '2xx': number; '3xx': number; '4xx': number; '5xx': number };
}

export interface N5gBenchResult {
  /** Best N5g-eir rate over the rounds. */
  n5gPerSec: number;
  /** Best bare rate over the rounds. */
  barePerSec: number;
  /**
   * Median over the rounds of N5g-eir / bare measured back to back (robust to the drift of a shared
   * machine; close to n5gPerSec / barePerSec when the machine is quiet).
   */
  ratio: number;
  /** Server CPU per request, median over the rounds (µs), and bare / N5g-eir of it. */
  n5gCpuUsPerReq: number;
  bareCpuUsPerReq: number;
  cpuRatio: number;
  /** N5g-eir latency at `latencyRatePerSec` (half its peak). */
  p50Ms: number;
  p99Ms: number;
  /** Bare server latency at the same rate. */
  bareP50Ms: number;
  bareP99Ms: number;
  latencyRatePerSec: number;
  /** Every peak run, in order. */
  runs: { n5g: H2loadRun[]; bare: H2loadRun[] };
  h2load: string;
  pinned: boolean;
  clients: number;
  streams: number;
  threads: number;
  seconds: number;
}

/** A deterministic stream of floats in [0, 1) (the generator's seedable PRNG). */
function prng(seed: number): () => number {
  const r = Rng.fromSeed(seed);
  return () => r.float();
}

/** Request paths with varied IMEIs and forms: imei- (Luhn or spare 0), imeisv-, with supi / gpsi. */
export function benchPaths(count: number, imeis?: string[]): string[] {
  const rnd = prng(0x5eed);
  const tacs = Array.from({ length: 20 }, (_, i) => String(35209900 + i * 1031));
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    const key = imeis?.length ? imeis[i % imeis.length] : tacs[i % tacs.length] + String(Math.floor(rnd() * 1e6)).padStart(6, '0');
    const form = rnd();
    const pei = form < 0.6 ? `imei-${key}${luhnCheckDigit(key)}` : form < 0.7 ? `imei-${key}0` : `imeisv-${key}${String(Math.floor(rnd() * 98)).padStart(2, '0')}`;
    let q = `pei=${pei}`;
    if (rnd() < 0.5) q += `&supi=imsi-99901${String(Math.floor(rnd() * 1e10)).padStart(10, '0')}`;
    if (rnd() < 0.1) q += `&gpsi=msisdn-99${String(Math.floor(rnd() * 1e9)).padStart(9, '0')}`;
    paths.push(`${EQUIPMENT_STATUS_PATH}?${q}`);
  }
  return paths;
}

/** The baseline: node:http2 answering a fixed JSON body, nothing else. */
async function startBare(body: Buffer): Promise<{ port: number; close(): Promise<void> }> {
  const server = http2.createServer();
  const headers = { ':status': 200, 'content-type': 'application/json', 'content-length': body.length };
  server.on('stream', (stream) => {
    stream.respond(headers);
    stream.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sessions = new Set<http2.Http2Session>();
  server.on('session', (s: http2.Http2Session) => {
    sessions.add(s);
    s.once('close', () => sessions.delete(s));
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sessions) s.destroy();
      }),
  };
}

/** Run h2load without blocking this process's event loop (the servers under test live here). */
function runH2load(args: string[], cpu: number | undefined): Promise<string> {
  const [cmd, argv] = cpu === undefined ? ['h2load', args] : ['taskset', ['-c', String(cpu), 'h2load', ...args]];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`h2load ${args.join(' ')} exited ${code}:\n${out}`))));
  });
}

/** The figures of one h2load report (cpuUsPerReq left 0 for the caller). */
export function parseH2load(out: string): H2loadRun {
  const fin = /finished in [\d.]+m?s, ([\d.]+) req\/s/.exec(out);
  const req = /requests: \d+ total, \d+ started, (\d+) done, \d+ succeeded, (\d+) failed, (\d+) errored/.exec(out);
  const st = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(out);
  if (!fin || !req || !st) throw new Error(`unexpected h2load output:\n${out}`);
  return {
    perSec: Number(fin[1]),
    cpuUsPerReq: 0,
    done: Number(req[1]),
    failed: Number(req[2]),
    errored: Number(req[3]),
    status: { '2xx': Number(st[1]), '3xx': Number(st[2]), '4xx': Number(st[3]), '5xx': Number(st[4]) },
  };
}

/** p50 and p99 (ms) of h2load's per-request log: tab-separated start µs, status, µs to the end. */
export function logPercentiles(log: string): { p50Ms: number; p99Ms: number; n: number } {
  const us: number[] = [];
  for (const line of log.split('\n')) {
    const t = line.split('\t');
    if (t.length >= 3) us.push(Number(t[2]));
  }
  if (us.length === 0) throw new Error('h2load wrote an empty request log');
  us.sort((a, b) => a - b);
  const at = (q: number) => us[Math.min(us.length - 1, Math.floor(q * us.length))] / 1000;
  return { p50Ms: at(0.5), p99Ms: at(0.99), n: us.length };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function affinity(pid: number): string | undefined {
  try {
    return /: ([0-9a-f]+)\s*$/.exec(execFileSync('taskset', ['-p', String(pid)], { encoding: 'utf8' }))?.[1];
  } catch {
    return undefined;
  }
}

function setAffinity(pid: number, args: string[]): boolean {
  try {
    execFileSync('taskset', ['-a', '-p', ...args, String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function benchN5g(opts: N5gBenchOptions): Promise<N5gBenchResult> {
  let version: string;
  try {
    version = execFileSync('h2load', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('h2load is needed for the N5g-eir bench: install nghttp2-client (Debian/Ubuntu: apt-get install nghttp2-client)');
  }
  const threads = opts.threads ?? 1;
  const rounds = Math.max(1, opts.rounds ?? 3);
  const dir = mkdtempSync(join(tmpdir(), 'ceir-n5g-bench-'));
  const paths = benchPaths(1000, opts.imeis);
  const n5g = await startN5gServer({ host: '127.0.0.1', port: 0, checker: opts.checker });
  const bare = await startBare(Buffer.from(JSON.stringify({ status: 'WHITELISTED' })));
  const files = {
    n5g: join(dir, 'n5g.txt'),
    bare: join(dir, 'bare.txt'),
  };
  writeFileSync(files.n5g, paths.map((p) => `http://127.0.0.1:${n5g.port}${p}`).join('\n') + '\n');
  writeFileSync(files.bare, paths.map((p) => `http://127.0.0.1:${bare.port}${p}`).join('\n') + '\n');

  const savedMask = opts.pin !== false && availableParallelism() >= 2 ? affinity(process.pid) : undefined;
  const pinned = savedMask !== undefined && setAffinity(process.pid, ['-c', '1']);
  const cpu = pinned ? 0 : undefined;
  const common = ['-c', String(opts.clients), '-m', String(opts.streams), '-t', String(threads), '-D', String(opts.seconds)];
  try {
    const runs = { n5g: [] as H2loadRun[], bare: [] as H2loadRun[] };
    for (let r = 0; r < rounds; r++) {
      const order: ('n5g' | 'bare')[] = r % 2 === 0 ? ['n5g', 'bare'] : ['bare', 'n5g'];
      for (const which of order) {
        const cpu0 = process.cpuUsage();
        const run = parseH2load(await runH2load([...common, '--warm-up-time=1', '-i', files[which]], cpu));
        const used = process.cpuUsage(cpu0);
        // The CPU of the warm-up second is counted too: the rate of the measured part stands for it.
        run.cpuUsPerReq = (used.user + used.system) / (run.perSec * (opts.seconds + 1));
        runs[which].push(run);
      }
    }
    const n5gPerSec = Math.max(...runs.n5g.map((x) => x.perSec));
    const barePerSec = Math.max(...runs.bare.map((x) => x.perSec));
    const ratio = median(runs.n5g.map((x, i) => x.perSec / runs.bare[i].perSec));
    const n5gCpuUsPerReq = median(runs.n5g.map((x) => x.cpuUsPerReq));
    const bareCpuUsPerReq = median(runs.bare.map((x) => x.cpuUsPerReq));

    const total = Math.max(opts.clients, Math.floor(n5gPerSec / 2));
    const perClient = Math.max(1, Math.floor(total / opts.clients));
    const latency = async (which: 'n5g' | 'bare') => {
      const log = join(dir, `${which}.log`);
      await runH2load([...common, '--warm-up-time=1', '--rps', String(perClient), '--log-file', log, '-i', files[which]], cpu);
      return logPercentiles(readFileSync(log, 'utf8'));
    };
    const ln = await latency('n5g');
    const lb = await latency('bare');
    return {
      n5gPerSec,
      barePerSec,
      ratio,
      n5gCpuUsPerReq,
      bareCpuUsPerReq,
      cpuRatio: bareCpuUsPerReq / n5gCpuUsPerReq,
      p50Ms: ln.p50Ms,
      p99Ms: ln.p99Ms,
      bareP50Ms: lb.p50Ms,
      bareP99Ms: lb.p99Ms,
      latencyRatePerSec: perClient * opts.clients,
      runs,
      h2load: version,
      pinned,
      clients: opts.clients,
      streams: opts.streams,
      threads,
      seconds: opts.seconds,
    };
  } finally {
    if (pinned && savedMask) setAffinity(process.pid, [savedMask]);
    await n5g.close();
    await bare.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
