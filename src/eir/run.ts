/**
 * Start an EIR node: load the newest list version (verified), then open its interfaces — N5g-eir
 * over HTTP/2 and Diameter S13 — with `/metrics` and `/healthz` beside N5g-eir (or on their own
 * HTTP port). Used by `ceir eir` and by the demo.
 */
import type { KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { CountryProfile } from '../config/profile.ts';
import { CeirError } from '../errors.ts';
import { startS13Server } from './diameter/peer.ts';
import { EirMetrics } from './metrics.ts';
import { startN5gServer } from './n5g.ts';
import { EirNode, ListFollower } from './node.ts';
import { CheckRecorder } from './recorder.ts';
import { DirSource, HttpSource, type ListSource } from './source.ts';

export interface StartEirOptions {
  profile: CountryProfile;
  /** Folder the profile's relative file paths are relative to. */
  profileDir: string;
  /** A lists folder written by `ceir lists`, or a CEIR's `…/v1/lists` URL. */
  lists: string;
  /** Where versions pulled over HTTP are kept. */
  cacheDir: string;
  /** Verifies the list manifests. */
  publicKey: KeyObject;
  /** Bearer token for a protected `/v1/lists` endpoint. */
  listsToken?: string;
  host: string;
  /** N5g-eir port (0 picks one; undefined: off). */
  http2Port?: number;
  /** Diameter S13 port (0 picks one; undefined: off). */
  diameterPort?: number;
  /** A separate HTTP/1.1 port for /metrics and /healthz (needed when N5g-eir is off). */
  metricsPort?: number;
  /** Folder for the check records; undefined: not recorded. */
  recordDir?: string;
  pollSeconds?: number;
  log: (level: 'info' | 'warn', msg: string) => void;
}

export interface EirRuntime {
  node: EirNode;
  follower: ListFollower;
  metrics: EirMetrics;
  recorder?: CheckRecorder;
  http2Port?: number;
  diameterPort?: number;
  metricsPort?: number;
  close(): Promise<void>;
}

export function listSource(lists: string, cacheDir: string, token: string | undefined, operators: string[] | undefined): ListSource {
  return /^https?:\/\//.test(lists) ? new HttpSource(lists, cacheDir, { token, operators }) : new DirSource(resolve(lists));
}

export async function startEir(o: StartEirOptions): Promise<EirRuntime> {
  if (o.http2Port === undefined && o.diameterPort === undefined) throw new CeirError('CEIR_ERR_USAGE', 'the EIR needs at least one interface: --http2 PORT and/or --diameter PORT');
  const cfg = o.profile.eir;
  const file = (p: string) => resolve(o.profileDir, p);
  const metrics = new EirMetrics();
  const recorder = o.recordDir
    ? new CheckRecorder({ dir: o.recordDir, node: `eir-${hostname().replace(/[^A-Za-z0-9-]/g, '-')}`, metrics, onError: (e) => o.log('warn', `check record not written: ${e.message}`) })
    : undefined;
  const node = new EirNode({ policy: cfg.policy, unknownAnswer: cfg.unknown_answer, metrics, recorder });
  const source = listSource(o.lists, o.cacheDir, o.listsToken, cfg.operators);
  const follower = new ListFollower(node, source, o.publicKey, metrics, { operators: cfg.operators, log: o.log });
  const first = await follower.refresh();
  if (first.version === null) throw new CeirError('CEIR_ERR_NOT_FOUND', `no list version in ${source.description}: run \`ceir lists --out\` first`);
  follower.poll(o.pollSeconds ?? cfg.poll_seconds);

  const extraRoutes = (path: string) =>
    path === '/metrics'
      ? { status: 200, contentType: 'text/plain; version=0.0.4; charset=utf-8', body: metrics.render() }
      : path === '/healthz'
        ? { status: 200, contentType: 'application/json', body: JSON.stringify({ status: 'ok', list_version: node.snapshot?.version ?? null, policy: node.policy }) }
        : undefined;

  const closers: (() => Promise<void>)[] = [];
  const rt: EirRuntime = { node, follower, metrics, recorder, close: async () => {
    follower.stop();
    for (const c of closers.reverse()) await c();
    await recorder?.close();
  } };
  try {
    if (o.http2Port !== undefined) {
      const s = await startN5gServer({
        host: o.host, port: o.http2Port, checker: node, extraRoutes,
        tls: cfg.tls && { certFile: file(cfg.tls.cert_file), keyFile: file(cfg.tls.key_file), caFile: cfg.tls.ca_file && file(cfg.tls.ca_file) },
        oauth: cfg.oauth && { keyFile: file(cfg.oauth.public_key_file), audience: cfg.oauth.audience },
        overload: { maxEventLoopDelayMs: cfg.overload.max_event_loop_delay_ms, maxRequestsPerSecond: cfg.overload.max_requests_per_second || undefined, retryAfterSeconds: cfg.overload.retry_after_seconds },
      });
      closers.push(() => s.close());
      rt.http2Port = s.port;
    }
    if (o.diameterPort !== undefined) {
      const s = await startS13Server({
        host: o.host, port: o.diameterPort, checker: node, originHost: cfg.diameter.origin_host, originRealm: cfg.diameter.origin_realm,
        productName: 'OpenCEIR', watchdogSeconds: cfg.diameter.watchdog_seconds,
        logger: { warn: (obj, msg) => o.log('warn', `${msg} ${JSON.stringify(obj)}`) },
      });
      closers.push(() => s.close());
      rt.diameterPort = s.port;
    }
    if (o.metricsPort !== undefined) {
      const server: Server = createServer((req, res) => {
        const r = extraRoutes((req.url ?? '').split('?')[0]);
        res.writeHead(r?.status ?? 404, { 'content-type': r?.contentType ?? 'text/plain' }).end(r?.body ?? 'not found\n');
      });
      await new Promise<void>((ok, ko) => server.once('error', ko).listen(o.metricsPort, o.host, () => ok()));
      closers.push(() => new Promise<void>((ok) => server.close(() => ok())));
      const addr = server.address();
      rt.metricsPort = typeof addr === 'object' && addr ? addr.port : o.metricsPort;
    }
  } catch (e) {
    await rt.close();
    throw e;
  }
  return rt;
}
