/**
 * N5g-eir (3GPP TS 29.511, DOMAIN §7): the 5G-EIR's EquipmentIdentityCheck service over HTTP/2,
 * `GET {apiRoot}/n5g-eir-eic/v1/equipment-status?pei=…[&supi=…][&gpsi=…][&supported-features=…]`.
 *
 * A face: it decodes the query, asks the `EirChecker`, and formats the answer. Errors are TS 29.571
 * ProblemDetails with the causes of TS 29.500 Table 5.2.7.2-1 and TS 29.511 (ERROR_EQUIPMENT_UNKNOWN).
 *
 * It is served on node:http2's 'stream' event with no framework: the query is parsed by hand, the
 * 200 answers are precomputed Buffers and header objects (measured in bench/eir/n5g.ts against a
 * bare node:http2 server answering a fixed body).
 */
import { readFileSync } from 'node:fs';
import http2, { type Http2Session, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parseSupi } from '../identity/imsi.ts';
import { luhnCheckDigit } from '../identity/luhn.ts';
import { parseGpsi } from '../identity/msisdn.ts';
import { parsePei } from '../identity/pei.ts';
import { createBearerVerifier, type OAuthOptions } from './oauth.ts';
import { imeiNumber, imsiNumber } from './status-index.ts';
import { NO_SVN, type CheckAnswer, type EirChecker, type EquipmentStatus } from './types.ts';

export type { OAuthOptions } from './oauth.ts';

/** The resource of TS 29.511 §6.1.3.2, below `{apiRoot}`. */
export const EQUIPMENT_STATUS_PATH = '/n5g-eir-eic/v1/equipment-status';

export interface N5gServerOptions {
  host?: string;
  /** 0 = an ephemeral port (see the returned `port`). */
  port: number;
  checker: EirChecker;
  /** HTTP/2 over TLS with ALPN `h2` only; `caFile` also requires client certificates signed by it. */
  tls?: { certFile: string; keyFile: string; caFile?: string };
  /** OAuth2 bearer tokens required on the N5g-eir resource (not on `extraRoutes`). */
  oauth?: OAuthOptions;
  /**
   * Load shedding on the N5g-eir resource: 503 NF_CONGESTION while the event loop lags more than
   * `maxEventLoopDelayMs`; 429 NF_CONGESTION_RISK above `maxRequestsPerSecond` (a token bucket with
   * one second of burst). Both carry `Retry-After: retryAfterSeconds` (default 1).
   */
  overload?: { maxEventLoopDelayMs?: number; maxRequestsPerSecond?: number; retryAfterSeconds?: number };
  /** Other GET resources (the node's /metrics and /healthz), by path without the query. */
  extraRoutes?: (path: string) => { status: number; contentType: string; body: string } | undefined;
  /** Deployment prefix of `{apiRoot}` (e.g. `/eir1`). Default none. */
  apiPrefix?: string;
  /**
   * The 15th digit of an `imei-` PEI: `luhn-or-zero` (default) accepts the Luhn check digit or the
   * spare digit 0 a handset sends in its place (TS 23.003 §6.2.1) and refuses anything else;
   * `any` accepts every digit.
   */
  imeiCheckDigit?: 'luhn-or-zero' | 'any';
}

export interface N5gServer {
  port: number;
  close(): Promise<void>;
}

export interface InvalidParam {
  param: string;
  reason: string;
}

/** TS 29.571 ProblemDetails (the members this server uses). */
export interface ProblemDetails {
  title: string;
  status: number;
  detail: string;
  cause?: string;
  invalidParams?: InvalidParam[];
}

export type EquipmentStatusQuery =
  | { ok: true; imei: string; svn?: string; imsi?: string; msisdn?: string }
  | { ok: false; problem: ProblemDetails };

function badParam(cause: string, name: string, reason: string): { ok: false; problem: ProblemDetails } {
  return {
    ok: false,
    problem: { title: 'Bad Request', status: 400, detail: reason, cause, invalidParams: [{ param: `query ${name}`, reason }] },
  };
}

function decode(value: string): string | undefined {
  if (value.indexOf('%') < 0) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

const HEX = /^[0-9A-Fa-f]*$/;

/**
 * Decode the query of an equipment-status request (the text after `?`, from `start` in `s`).
 * Parsed by hand: about twice as fast as `URLSearchParams` on the same queries (bench note
 * in bench/eir/n5g.ts). Unknown parameters are ignored; a repeated one is refused.
 */
export function parseEquipmentStatusQuery(s: string, start = 0, checkDigit: 'luhn-or-zero' | 'any' = 'luhn-or-zero'): EquipmentStatusQuery {
  let pei: string | undefined;
  let supi: string | undefined;
  let gpsi: string | undefined;
  let features: string | undefined;
  let i = start;
  const end = s.length;
  while (i < end) {
    let j = s.indexOf('&', i);
    if (j < 0) j = end;
    if (s.startsWith('pei', i) && (j === i + 3 || s.charCodeAt(i + 3) === 61)) {
      if (pei !== undefined) return badParam('MANDATORY_QUERY_PARAM_INCORRECT', 'pei', 'The pei query parameter is given more than once.');
      pei = j === i + 3 ? '' : s.slice(i + 4, j);
    } else if (s.startsWith('supi', i) && (j === i + 4 || s.charCodeAt(i + 4) === 61)) {
      if (supi !== undefined) return badParam('OPTIONAL_QUERY_PARAM_INCORRECT', 'supi', 'The supi query parameter is given more than once.');
      supi = j === i + 4 ? '' : s.slice(i + 5, j);
    } else if (s.startsWith('gpsi', i) && (j === i + 4 || s.charCodeAt(i + 4) === 61)) {
      if (gpsi !== undefined) return badParam('OPTIONAL_QUERY_PARAM_INCORRECT', 'gpsi', 'The gpsi query parameter is given more than once.');
      gpsi = j === i + 4 ? '' : s.slice(i + 5, j);
    } else if (s.startsWith('supported-features', i) && (j === i + 18 || s.charCodeAt(i + 18) === 61)) {
      if (features !== undefined) {
        return badParam('OPTIONAL_QUERY_PARAM_INCORRECT', 'supported-features', 'The supported-features query parameter is given more than once.');
      }
      features = j === i + 18 ? '' : s.slice(i + 19, j);
    }
    i = j + 1;
  }

  if (pei === undefined) return badParam('MANDATORY_QUERY_PARAM_MISSING', 'pei', 'The pei query parameter is mandatory.');
  const peiText = decode(pei);
  if (peiText === undefined) return badParam('MANDATORY_QUERY_PARAM_INCORRECT', 'pei', 'The pei value is not valid percent-encoding.');
  const p = parsePei(peiText);
  if (!p.ok) return badParam('MANDATORY_QUERY_PARAM_INCORRECT', 'pei', p.reason);
  if (p.kind !== 'imei' && p.kind !== 'imeisv') {
    return badParam('MANDATORY_QUERY_PARAM_INCORRECT', 'pei', `PEI of type ${p.kind} cannot be checked: the 5G-EIR checks IMEI and IMEISV PEIs only.`);
  }
  if (p.kind === 'imei' && checkDigit === 'luhn-or-zero') {
    const given = peiText.charCodeAt(19) - 48;
    if (given !== 0) {
      const expected = luhnCheckDigit(p.key);
      if (given !== expected) {
        return badParam(
          'MANDATORY_QUERY_PARAM_INCORRECT',
          'pei',
          `PEI ${JSON.stringify(peiText)} has check digit ${given}; the Luhn check digit of ${p.key} is ${expected} (or a spare 0).`,
        );
      }
    }
  }

  let imsi: string | undefined;
  if (supi !== undefined) {
    const text = decode(supi);
    if (text === undefined) return badParam('OPTIONAL_QUERY_PARAM_INCORRECT', 'supi', 'The supi value is not valid percent-encoding.');
    const r = parseSupi(text);
    if (r.ok) imsi = r.imsi;
    // A SUPI of another type (nai-, gci-, gli-) is valid but carries no IMSI: checked without one.
    else if (r.rule !== 'not_imsi') return badParam('OPTIONAL_QUERY_PARAM_INCORRECT', 'supi', r.message);
  }
  let msisdn: string | undefined;
  if (gpsi !== undefined) {
    const text = decode(gpsi);
    if (text === undefined) return badParam('OPTIONAL_QUERY_PARAM_INCORRECT', 'gpsi', 'The gpsi value is not valid percent-encoding.');
    const r = parseGpsi(text);
    if (r.ok) msisdn = r.msisdn;
    // An external identifier (extid-) is a valid GPSI; it is not used for the decision.
    else if (r.rule !== 'not_msisdn') return badParam('OPTIONAL_QUERY_PARAM_INCORRECT', 'gpsi', r.message);
  }
  if (features !== undefined && (features === '' || !HEX.test(features))) {
    return badParam('OPTIONAL_QUERY_PARAM_INCORRECT', 'supported-features', 'supported-features must be a non-empty hexadecimal string (TS 29.571 SupportedFeatures).');
  }
  return { ok: true, imei: p.key, svn: p.kind === 'imeisv' ? p.svn : undefined, imsi, msisdn };
}

/** Event-loop lag (a cheap timer) and a requests-per-second token bucket. */
class LoadGuard {
  private lagMs = 0;
  private tokens: number;
  private last = performance.now();
  private readonly timer?: NodeJS.Timeout;
  readonly congested: { headers: OutgoingHttpHeaders; body: Buffer };
  readonly tooMany: { headers: OutgoingHttpHeaders; body: Buffer };

  constructor(
    private readonly maxLagMs: number | undefined,
    private readonly rate: number | undefined,
    retryAfter: number,
  ) {
    this.tokens = rate ?? 0;
    if (maxLagMs !== undefined) {
      const every = 20;
      let expected = performance.now() + every;
      // The lag rises at once and decays by half a tick: one long pause sheds load for a few ticks.
      this.timer = setInterval(() => {
        const t = performance.now();
        const lag = Math.max(0, t - expected);
        this.lagMs = lag > this.lagMs ? lag : this.lagMs / 2;
        expected = t + every;
      }, every);
      this.timer.unref();
    }
    this.congested = problemResponse(
      { title: 'Service Unavailable', status: 503, detail: 'The 5G-EIR is overloaded; retry later.', cause: 'NF_CONGESTION' },
      { 'retry-after': String(retryAfter) },
    );
    this.tooMany = problemResponse(
      { title: 'Too Many Requests', status: 429, detail: 'The request rate exceeds the budget of this 5G-EIR; retry later.', cause: 'NF_CONGESTION_RISK' },
      { 'retry-after': String(retryAfter) },
    );
  }

  /** undefined = admitted. */
  admit(): { headers: OutgoingHttpHeaders; body: Buffer } | undefined {
    if (this.maxLagMs !== undefined && this.lagMs > this.maxLagMs) return this.congested;
    const rate = this.rate;
    if (rate !== undefined) {
      const t = performance.now();
      this.tokens = Math.min(rate, this.tokens + ((t - this.last) * rate) / 1000);
      this.last = t;
      if (this.tokens < 1) return this.tooMany;
      this.tokens -= 1;
    }
    return undefined;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

function problemResponse(p: ProblemDetails, extra: OutgoingHttpHeaders = {}): { headers: OutgoingHttpHeaders; body: Buffer } {
  const body = Buffer.from(JSON.stringify(p));
  return { headers: { ':status': p.status, 'content-type': 'application/problem+json', 'content-length': body.length, ...extra }, body };
}

function statusResponse(status: EquipmentStatus): { headers: OutgoingHttpHeaders; body: Buffer } {
  const body = Buffer.from(JSON.stringify({ status }));
  return { headers: { ':status': 200, 'content-type': 'application/json', 'content-length': body.length }, body };
}

const ANSWERS: Record<CheckAnswer, { headers: OutgoingHttpHeaders; body: Buffer }> = {
  WHITELISTED: statusResponse('WHITELISTED'),
  BLACKLISTED: statusResponse('BLACKLISTED'),
  GREYLISTED: statusResponse('GREYLISTED'),
  // No PEI in the body: the answer is precomputed and echoes no identifier.
  UNKNOWN: problemResponse({ title: 'Not Found', status: 404, detail: 'The equipment is not known to the 5G-EIR.', cause: 'ERROR_EQUIPMENT_UNKNOWN' }),
};

const ignore = (): void => {};

/** Start the N5g-eir server; resolves once it listens. */
export async function startN5gServer(opts: N5gServerOptions): Promise<N5gServer> {
  const { checker, extraRoutes } = opts;
  const base = (opts.apiPrefix ?? '').replace(/\/+$/, '') + EQUIPMENT_STATUS_PATH;
  const baseLen = base.length;
  const checkDigit = opts.imeiCheckDigit ?? 'luhn-or-zero';
  const verify = opts.oauth ? createBearerVerifier(opts.oauth) : undefined;
  const ov = opts.overload;
  const guard =
    ov && (ov.maxEventLoopDelayMs !== undefined || ov.maxRequestsPerSecond !== undefined)
      ? new LoadGuard(ov.maxEventLoopDelayMs, ov.maxRequestsPerSecond, ov.retryAfterSeconds ?? 1)
      : undefined;
  const internalError = problemResponse({ title: 'Internal Server Error', status: 500, detail: 'The request could not be served.', cause: 'SYSTEM_FAILURE' });
  const methodNotAllowed = problemResponse(
    { title: 'Method Not Allowed', status: 405, detail: 'The equipment-status resource supports GET only.' },
    { allow: 'GET' },
  );

  function send(stream: ServerHttp2Stream, r: { headers: OutgoingHttpHeaders; body: Buffer }): void {
    stream.respond(r.headers);
    // A HEAD request's stream is ended by respond(): no body follows.
    if (!stream.writableEnded) stream.end(r.body);
  }

  function equipmentStatus(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, path: string): void {
    if (guard) {
      const refused = guard.admit();
      if (refused) return send(stream, refused);
    }
    if (verify) {
      const failure = verify(headers.authorization);
      if (failure) return send(stream, problemResponse(failure.problem, { 'www-authenticate': failure.wwwAuthenticate }));
    }
    if (headers[':method'] !== 'GET') return send(stream, methodNotAllowed);
    const q = parseEquipmentStatusQuery(path, baseLen + 1, checkDigit);
    if (!q.ok) return send(stream, problemResponse(q.problem));
    const imsi = q.imsi;
    const r = ANSWERS[checker.check(imeiNumber(q.imei), imsi ? imsiNumber(imsi) : 0, imsi ? imsi.length : 0, 'n5g', q.svn ? (q.svn.charCodeAt(0) - 48) * 10 + q.svn.charCodeAt(1) - 48 : NO_SVN)];
    if (r === undefined) throw new Error('the checker gave an answer outside CheckAnswer');
    stream.respond(r.headers);
    stream.end(r.body);
  }

  function other(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, path: string): void {
    const q = path.indexOf('?');
    const route = q < 0 ? path : path.slice(0, q);
    const extra = extraRoutes?.(route);
    if (!extra) {
      return send(stream, problemResponse({ title: 'Not Found', status: 404, detail: `No resource ${JSON.stringify(route.slice(0, 100))} on this 5G-EIR.` }));
    }
    if (headers[':method'] !== 'GET') {
      return send(stream, problemResponse({ title: 'Method Not Allowed', status: 405, detail: 'This resource supports GET only.' }, { allow: 'GET' }));
    }
    const body = Buffer.from(extra.body);
    send(stream, { headers: { ':status': extra.status, 'content-type': extra.contentType, 'content-length': body.length }, body });
  }

  function onStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    const t0 = performance.now();
    // A client may reset a stream with an error code; an unheard 'error' would end the process.
    stream.on('error', ignore);
    const path = headers[':path'] ?? '';
    const n5g = path.startsWith(base) && (path.length === baseLen || path.charCodeAt(baseLen) === 63);
    try {
      if (n5g) equipmentStatus(stream, headers, path);
      else other(stream, headers, path);
    } catch {
      // A failing checker or extra route (or a stream already gone) answers 500, never ends the process.
      if (stream.headersSent) stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
      else if (!stream.destroyed) send(stream, internalError);
    }
    if (n5g) checker.observeLatency('n5g', (performance.now() - t0) / 1000);
  }

  const server = opts.tls
    ? http2.createSecureServer({
        cert: readFileSync(opts.tls.certFile),
        key: readFileSync(opts.tls.keyFile),
        ...(opts.tls.caFile ? { ca: readFileSync(opts.tls.caFile), requestCert: true, rejectUnauthorized: true } : {}),
        allowHTTP1: false,
        ALPNProtocols: ['h2'],
      })
    : http2.createServer();
  const sessions = new Set<Http2Session>();
  server.on('session', (s: Http2Session) => {
    sessions.add(s);
    s.once('close', () => sessions.delete(s));
  });
  server.on('sessionError', ignore);
  server.on('stream', onStream);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', ignore);

  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        guard?.stop();
        server.close(() => resolve());
        for (const s of sessions) s.close();
        setTimeout(() => {
          for (const s of sessions) s.destroy();
        }, 2000).unref();
      }),
  };
}
