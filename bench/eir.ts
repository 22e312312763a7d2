/**
 * bench/eir: the EIR node's interfaces and status index.
 *
 *   npm run bench -- eir [--seconds 5] [--listed 1000000] [--index-sizes 10000000,100000000] [--skip n5g,s13,index]
 *
 * The checker under load is a real EIR node (decision on a status index of `--listed` IMEIs,
 * counters, check recording on): what `ceir eir` runs.
 *   (a) N5g-eir: h2load against the N5g-eir endpoint beside a bare node:http2 server answering a
 *       fixed JSON body, same run, same client settings (target ≥ 0.8× the bare rate);
 *   (b) S13: pipelined ECR/ECA from a load client beside a bare TCP server echoing frames of the
 *       same size (target ≥ 0.7× the echo rate);
 *   (c) p50/p99 latency of each at half its peak rate;
 *   (d) the status index at 10 M and 100 M listed IMEIs: bytes per entry (target ≤ 16), lookups
 *       per second, build and delta-apply times.
 * PyHSS, an open-source EIR, reports about 500 Diameter requests/s: the S13 rate is shown against it.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EirMetrics } from '../src/eir/metrics.ts';
import { EirNode } from '../src/eir/node.ts';
import { CheckRecorder } from '../src/eir/recorder.ts';
import { StatusSnapshot } from '../src/eir/snapshot.ts';
import { StatusIndex } from '../src/eir/status-index.ts';
import { benchIndex } from './eir/index.ts';
import { benchN5g } from './eir/n5g.ts';
import { benchS13 } from './eir/s13.ts';
import { benchDir, fmtRate, printTable } from './common.ts';

const PYHSS_DIAMETER_PER_SEC = 500;

const { values: o } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    listed: { type: 'string', default: '1000000' },
    'index-sizes': { type: 'string', default: '10000000,100000000' },
    skip: { type: 'string', default: '' },
  },
});
const skip = new Set(o.skip.split(',').filter(Boolean));
const seconds = Number(o.seconds);
const listed = Number(o.listed);

/**
 * A node serving `listed` IMEIs (a tenth blocked, the rest notified), recording its checks into
 * `recordDir` unless undefined; the queried IMEIs are a mix of listed and unlisted.
 */
function benchNode(recordDir: string | undefined): { node: EirNode; recorder?: CheckRecorder; imeis: string[] } {
  const index = new StatusIndex();
  const base = 35_209_900_000_000;
  for (let i = 0; i < listed; i++) {
    const imei = base + i * 7;
    if (i % 10 === 0) index.addBlocked(imei);
    else index.addNotification(imei);
  }
  const snapshot = new StatusSnapshot(1, null, '2026-01-01', [], true, index, 0, { monitored: new Float64Array(0), sha: {} });
  const metrics = new EirMetrics();
  const recorder = recordDir === undefined ? undefined : new CheckRecorder({ dir: recordDir, node: 'bench', metrics });
  const node = new EirNode({ policy: 'permissive', metrics, recorder });
  node.swap(snapshot);
  // 1 024 IMEIs: half listed (every answer kind), half not.
  const imeis = Array.from({ length: 1024 }, (_, i) => String(base + (i % 2 ? i * 7 * 97 : i * 7 * 97 + 3)).padStart(14, '0'));
  return { node, recorder, imeis };
}

const recordDir = join(benchDir(), 'eir-records');
rmSync(recordDir, { recursive: true, force: true });
mkdirSync(recordDir, { recursive: true });
const { node, recorder, imeis } = benchNode(recordDir);
const rows: string[][] = [];

if (!skip.has('n5g')) {
  const r = await benchN5g({ seconds, clients: 8, streams: 10, checker: node, imeis });
  rows.push(['(a) N5g-eir, h2load -c 8 -m 10', `${fmtRate(r.n5gPerSec)}/s`, `bare node:http2 ${fmtRate(r.barePerSec)}/s`, `${r.ratio.toFixed(2)}× (target ≥ 0.8)`]);
  rows.push([`(c) N5g-eir latency at ${fmtRate(r.latencyRatePerSec)}/s`, `p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms`, `bare p50 ${r.bareP50Ms.toFixed(2)} ms, p99 ${r.bareP99Ms.toFixed(2)} ms`, '']);
  rows.push(['    server CPU per request', `${r.n5gCpuUsPerReq.toFixed(1)} µs`, `bare ${r.bareCpuUsPerReq.toFixed(1)} µs`, `${r.cpuRatio.toFixed(2)}×`]);
}
if (!skip.has('s13')) {
  // Twice: as deployed (checks recorded, formatted by a worker thread that shares the two cores
  // with the server and the load client), and with recording off, which isolates the interface.
  const quiet = benchNode(undefined).node;
  for (const [what, checker] of [['recorded', node], ['not recorded', quiet]] as const) {
    const r = await benchS13({ seconds, connections: 4, window: 64, checker, imeis });
    rows.push([`(b) S13 ECR/ECA, 4 peers × 64 in flight, ${what}`, `${fmtRate(r.s13PerSec)}/s`, `echo ${fmtRate(r.echoPerSec)}/s`, `${r.ratio.toFixed(2)}× (target ≥ 0.7); ${Math.round(r.s13PerSec / PYHSS_DIAMETER_PER_SEC)}× PyHSS`]);
    rows.push([`(c) S13 latency at ${fmtRate(r.latencyRatePerSec)}/s`, `p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms`, '', '']);
    rows.push(['    server CPU per ECR', `${r.s13CpuUsPerReq.toFixed(2)} µs`, `echo ${r.echoCpuUsPerReq.toFixed(2)} µs`, `${(r.echoCpuUsPerReq / r.s13CpuUsPerReq).toFixed(2)}×`]);
  }
}
await recorder?.close();
if (rows.length) {
  console.log(`checker: an EIR node on ${fmtRate(listed)} listed IMEIs, checks recorded\n`);
  printTable(['measure', 'OpenCEIR', 'baseline (same run)', 'ratio'], rows);
}

if (!skip.has('index')) {
  const sizes = o['index-sizes'].split(',').map(Number);
  const res = await benchIndex({ sizes, log: (l) => console.error(l) });
  console.log('');
  printTable(
    ['(d) listed IMEIs', 'bytes/entry', 'build (memory)', 'lookups/s (½ hits)', 'lookups/s (hits)', 'delta apply', 'build from CSV', 'delta from CSV'],
    res.map((r) => [
      fmtRate(r.entries), r.bytesPerEntry.toFixed(2), `${r.buildSeconds.toFixed(1)} s`, fmtRate(r.lookupsPerSec), fmtRate(r.hitLookupsPerSec),
      `${r.deltaApplySeconds.toFixed(2)} s (${fmtRate(r.deltaRows)} rows)`,
      r.snapshotBuildSeconds === undefined ? '-' : `${r.snapshotBuildSeconds.toFixed(1)} s`,
      r.snapshotDeltaSeconds === undefined ? '-' : `${r.snapshotDeltaSeconds.toFixed(2)} s`,
    ]),
  );
}
