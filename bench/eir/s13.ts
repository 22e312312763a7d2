/**
 * The S13 figures: (b) ECR/ECA throughput with pipelining, beside a bare TCP server that echoes
 * the same frames back (same client, same connections and window), and (c) p50/p99 latency at half
 * the measured peak, paced. The load client runs in a child process, so it shares neither the
 * server's event loop nor its CPU accounting: the S13 server and the echo server run on the
 * caller's thread, and `process.cpuUsage()` over a measurement is their CPU time alone (less
 * sensitive to a busy machine than the rates).
 *
 * A module, not a script: `benchS13()` is called by the EIR bench with the checker to measure.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { EirChecker } from '../../src/eir/types.ts';
import { startS13Server } from '../../src/eir/diameter/peer.ts';
import { S13Client, encodeEcr } from '../../src/eir/diameter/client.ts';
import { FrameSplitter } from '../../src/eir/diameter/codec.ts';

export interface S13BenchOptions {
  /** Length of each throughput measurement. */
  seconds: number;
  connections: number;
  /** Unanswered ECRs per connection. */
  window: number;
  checker: EirChecker;
  /** IMEIs the ECRs carry, in turn (default: 1 024 made-up ones). */
  imeis?: string[];
  /** Length of the latency measurement (default: `seconds`, at least 2). */
  latencySeconds?: number;
}

export interface S13BenchResult {
  /** ECAs per second at the peak (best of the rounds). */
  s13PerSec: number;
  /** Echoed frames per second through a bare TCP server, same client and settings. */
  echoPerSec: number;
  /** s13PerSec / echoPerSec. */
  ratio: number;
  /** Server CPU time (user + system) per answer, in the measurement of each best rate. */
  s13CpuUsPerReq: number;
  echoCpuUsPerReq: number;
  /** Latency at `latencyRatePerSec` (half the S13 peak), paced, from write to answer, client side. */
  p50Ms: number;
  p99Ms: number;
  latencyRatePerSec: number;
  latencySamples: number;
  connections: number;
  window: number;
  ecrBytes: number;
  ecaBytes: number;
}

/** Set in the environment of the load client process. */
const ROLE_ENV = 'OPENCEIR_S13_LOAD_CLIENT';

interface LoadJob {
  mode: 's13' | 'echo';
  port: number;
  connections: number;
  window: number;
  warmupSeconds: number;
  seconds: number;
  /** Paced total rate (ECR/s); absent: as fast as the window allows. */
  rate?: number;
  imeis: string[];
}

interface LoadResult {
  answers: number;
  /** Filled in by the parent: its CPU time between the client's start and stop of measuring. */
  cpuUs?: number;
  seconds: number;
  ecrBytes: number;
  ecaBytes: number;
  p50Ms?: number;
  p99Ms?: number;
  samples?: number;
  error?: string;
}

/** Messages from the load client: measuring starts, stops, and the result. */
type LoadMessage = { event: 'start' } | { event: 'stop' } | { event: 'result'; result: LoadResult };

function runJob(child: ChildProcess, job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    let cpu0: NodeJS.CpuUsage | undefined;
    let cpuUs = 0;
    const onExit = (code: number | null) => reject(new Error(`S13 load client exited (${code})`));
    const onMessage = (m: LoadMessage) => {
      if (m.event === 'start') cpu0 = process.cpuUsage();
      else if (m.event === 'stop') {
        const u = process.cpuUsage(cpu0);
        cpuUs = u.user + u.system;
      } else {
        child.off('message', onMessage);
        child.off('exit', onExit);
        if (m.result.error) reject(new Error(`S13 load client: ${m.result.error}`));
        else resolve({ ...m.result, cpuUs });
      }
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.send(job);
  });
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

/** The load client: this file in a child process (with tsx when running from the sources). */
function startClient(): ChildProcess {
  const execArgv = import.meta.url.endsWith('.ts') ? ['--import', import.meta.resolve('tsx')] : [];
  return fork(fileURLToPath(import.meta.url), [], { execArgv, env: { ...process.env, [ROLE_ENV]: '1' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

export async function benchS13(opts: S13BenchOptions): Promise<S13BenchResult> {
  const imeis = opts.imeis ?? Array.from({ length: 1024 }, (_, i) => `35${String(i * 7919).padStart(12, '0')}`);
  const s13 = await startS13Server({ port: 0, host: '127.0.0.1', originHost: 'eir.bench.example', originRealm: 'bench.example', checker: opts.checker });
  // the baseline: a bare TCP server writing back what it reads
  const echo = createServer((s) => {
    s.setNoDelay(true);
    s.on('data', (d) => s.write(d));
    s.on('error', () => {});
  });
  const echoPort = await listen(echo);
  const client = startClient();
  try {
    const job = { connections: opts.connections, window: opts.window, imeis, warmupSeconds: 0.5 };
    let s13Best: LoadResult | undefined;
    let echoBest: LoadResult | undefined;
    const rate = (r: LoadResult | undefined) => (r ? r.answers / r.seconds : 0);
    // two rounds, alternating, each half the time; the best of each (shared machines drift)
    for (let round = 0; round < 2; round++) {
      const e = await runJob(client, { ...job, mode: 'echo', port: echoPort, seconds: opts.seconds / 2 });
      const s = await runJob(client, { ...job, mode: 's13', port: s13.port, seconds: opts.seconds / 2 });
      if (rate(e) > rate(echoBest)) echoBest = e;
      if (rate(s) > rate(s13Best)) s13Best = s;
    }
    const s13PerSec = rate(s13Best);
    const echoPerSec = rate(echoBest);
    const latencyRate = Math.max(1, Math.floor(s13PerSec / 2));
    const lat = await runJob(client, { ...job, mode: 's13', port: s13.port, seconds: opts.latencySeconds ?? Math.max(2, opts.seconds), rate: latencyRate });
    return {
      s13PerSec,
      echoPerSec,
      ratio: echoPerSec ? s13PerSec / echoPerSec : 0,
      s13CpuUsPerReq: s13Best!.cpuUs! / s13Best!.answers,
      echoCpuUsPerReq: echoBest!.cpuUs! / echoBest!.answers,
      p50Ms: lat.p50Ms ?? NaN,
      p99Ms: lat.p99Ms ?? NaN,
      latencyRatePerSec: latencyRate,
      latencySamples: lat.samples ?? 0,
      connections: opts.connections,
      window: opts.window,
      ecrBytes: s13Best!.ecrBytes,
      ecaBytes: s13Best!.ecaBytes,
    };
  } finally {
    client.kill();
    await s13.close();
    await new Promise<void>((resolve) => echo.close(() => resolve()));
  }
}

// ------------------------------------------------------------------ the load client (child process)

interface Conn {
  socket: Socket;
  frames: Buffer[];
  maxFrame: number;
  next: number;
  hbh: number;
  sentAt: Float64Array;
  splitter: FrameSplitter;
  sent: number;
}

const SLOTS = 1 << 16;

async function openConn(job: LoadJob, i: number): Promise<Conn> {
  const originHost = `load${i}.bench.example`;
  let socket: Socket;
  if (job.mode === 's13') {
    const c = await S13Client.connect({ port: job.port, originHost, originRealm: 'bench.example', timeoutMs: 0 });
    socket = c.detach();
  } else {
    socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port: job.port }, () => resolve(s));
      s.once('error', reject);
    });
    socket.setNoDelay(true);
  }
  socket.on('error', () => {});
  // one prebuilt frame per IMEI; the ids are patched in when sent; a fixed-width Session-Id
  const frames = job.imeis.map((imei, k) =>
    encodeEcr({ imei, svn: '01', sessionId: `${originHost};${String(k).padStart(10, '0')};s13` }, { hopByHop: 0, endToEnd: 0 }, { originHost, originRealm: 'bench.example', destinationRealm: 'bench.example' }),
  );
  return { socket, frames, maxFrame: Math.max(...frames.map((f) => f.length)), next: 0, hbh: 0, sentAt: new Float64Array(SLOTS), splitter: new FrameSplitter({ checkAvps: false, maxMessageBytes: 1 << 20 }), sent: 0 };
}

/** Writes `n` ECRs in one write; records their send time by hop-by-hop slot. */
function sendBatch(c: Conn, n: number, now: number): void {
  if (n <= 0) return;
  const out = Buffer.allocUnsafe(n * c.maxFrame);
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const f = c.frames[c.next];
    c.next = c.next + 1 === c.frames.length ? 0 : c.next + 1;
    f.copy(out, pos);
    const h = (c.hbh = (c.hbh + 1) >>> 0);
    out.writeUInt32BE(h, pos + 12);
    out.writeUInt32BE(h, pos + 16);
    c.sentAt[h & (SLOTS - 1)] = now;
    pos += f.length;
  }
  c.sent += n;
  c.socket.write(pos === out.length ? out : out.subarray(0, pos));
}

async function load(job: LoadJob): Promise<LoadResult> {
  const conns = await Promise.all(Array.from({ length: job.connections }, (_, i) => openConn(job, i)));
  const paced = job.rate !== undefined;
  const latencies = paced ? new Float64Array(Math.ceil(job.rate! * job.seconds * 1.5) + 1024) : null;
  let samples = 0;
  let answers = 0;
  let ecaBytes = 0;
  let measuring = false;
  let running = true;
  for (const c of conns) {
    c.socket.on('data', (chunk: Buffer) => {
      const now = performance.now();
      let k = 0;
      c.splitter.push(chunk, (b, o, l) => {
        k++;
        ecaBytes = l;
        if (measuring && latencies && samples < latencies.length) latencies[samples++] = now - c.sentAt[b.readUInt32BE(o + 12) & (SLOTS - 1)];
      });
      if (measuring) answers += k;
      if (running && !paced) sendBatch(c, k, now);
    });
  }
  const t0 = performance.now();
  let t1 = 0;
  await new Promise<void>((resolve) => {
    setTimeout(() => {
      measuring = true;
      t1 = performance.now();
      process.send!({ event: 'start' });
    }, job.warmupSeconds * 1000);
    setTimeout(() => {
      measuring = false;
      running = false;
      t1 = performance.now() - t1;
      process.send!({ event: 'stop' });
      resolve();
    }, (job.warmupSeconds + job.seconds) * 1000);
    if (!paced) {
      for (const c of conns) sendBatch(c, job.window, performance.now());
    } else {
      const perConn = job.rate! / conns.length;
      const tick = () => {
        if (!running) return;
        const now = performance.now();
        const due = Math.floor(((now - t0) / 1000) * perConn);
        // never more unanswered than the hop-by-hop slots can time
        for (const c of conns) sendBatch(c, Math.min(due - c.sent, SLOTS / 2), now);
        setTimeout(tick, 1);
      };
      tick();
    }
  });
  for (const c of conns) c.socket.destroy();
  const r: LoadResult = { answers, seconds: t1 / 1000, ecrBytes: conns[0].frames[0].length, ecaBytes };
  if (latencies) {
    const sorted = latencies.subarray(0, samples).sort();
    r.samples = samples;
    r.p50Ms = sorted[Math.floor(samples * 0.5)];
    r.p99Ms = sorted[Math.min(samples - 1, Math.floor(samples * 0.99))];
  }
  return r;
}

if (process.env[ROLE_ENV] === '1' && process.send) {
  process.on('message', (job: LoadJob) => {
    load(job).then(
      (result) => process.send!({ event: 'result', result }),
      (e: Error) => process.send!({ event: 'result', result: { answers: 0, seconds: 0, ecrBytes: 0, ecaBytes: 0, error: e.stack ?? String(e) } }),
    );
  });
  process.on('disconnect', () => process.exit(0));
}
