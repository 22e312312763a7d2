/**
 * A small S13 client (the MME side): connect, CER/CEA, ECR with a pipelining window, DWR, DPR.
 * It answers the server's DWR and DPR by itself. Used by the tests and the bench load client.
 */
import { connect as netConnect, type Socket } from 'node:net';
import type { CheckAnswer } from '../types.ts';
import {
  FLAG_PROXIABLE,
  FLAG_REQUEST,
  FLAG_RETRANSMITTED,
  FrameSplitter,
  decodeGrouped,
  decodeMessage,
  encodeMessage,
  findAvp,
  type Avp,
  type DiameterMessage,
} from './codec.ts';
import {
  APP_BASE,
  APP_S13,
  CMD_CAPABILITIES_EXCHANGE,
  CMD_DEVICE_WATCHDOG,
  CMD_DISCONNECT_PEER,
  CMD_ME_IDENTITY_CHECK,
  DISCONNECT_CAUSE,
  EQUIPMENT_STATUS_NAMES,
  NO_STATE_MAINTAINED,
  RESULT,
  VENDOR_3GPP,
  avp,
  avpCode,
  type AvpName,
} from './dictionary.ts';

export interface S13ClientOptions {
  host?: string;
  port: number;
  originHost: string;
  originRealm: string;
  /** Destination-Realm of the ECRs; default: the Origin-Realm of the CEA. */
  destinationRealm?: string;
  /** Send CER and wait for the CEA on connect (default true). */
  cer?: boolean;
  /** AVPs advertising our applications in the CER; default Auth-Application-Id and Vendor-Specific-Application-Id for S13. */
  applicationAvps?: Buffer[];
  /** Answer the server's DWR (default true). */
  answerWatchdog?: boolean;
  /** Rejects a request not answered within this time (default 10 s; 0 = never). */
  timeoutMs?: number;
}

/** One ME-Identity-Check to send. */
export interface EcrInput {
  imei: string;
  imsi?: string;
  svn?: string;
  sessionId?: string;
  /** Reuse this End-to-End id (a retransmission); set `retransmitted` for the T flag. */
  endToEnd?: number;
  retransmitted?: boolean;
  /** AVPs left out of the request (to provoke 5005). */
  omit?: AvpName[];
  /** Extra top-level AVPs, and extra AVPs inside Terminal-Information. */
  extraAvps?: Buffer[];
  terminalExtraAvps?: Buffer[];
  /** The Application-Id of the header (default S13). */
  applicationId?: number;
}

export interface EcaResult {
  resultCode?: number;
  experimentalResultCode?: number;
  equipmentStatus?: number;
  /** The answer in the EIR's terms, when the ECA is one of the four outcomes. */
  answer?: CheckAnswer;
  failedAvp?: Avp[];
  message: DiameterMessage;
}

/** A message as received, with its bytes. */
export type ReceivedMessage = DiameterMessage & { raw: Buffer };

interface Pending {
  resolve(m: ReceivedMessage): void;
  reject(e: Error): void;
  at: number;
}

const A = (name: AvpName) => avpCode(name);

/** Reads an ECA (or any answer) into its result fields. */
export function readEca(message: DiameterMessage): EcaResult {
  const u32 = (a: Avp | undefined) => (a && a.data.length === 4 ? a.data.readUInt32BE(0) : undefined);
  const r: EcaResult = { message };
  r.resultCode = u32(findAvp(message.avps, A('Result-Code').code));
  const exp = findAvp(message.avps, A('Experimental-Result').code);
  if (exp) r.experimentalResultCode = u32(findAvp(decodeGrouped(exp.data), A('Experimental-Result-Code').code));
  const es = findAvp(message.avps, A('Equipment-Status').code, VENDOR_3GPP);
  if (es && es.data.length === 4) r.equipmentStatus = es.data.readInt32BE(0);
  const failed = findAvp(message.avps, A('Failed-AVP').code);
  if (failed) r.failedAvp = decodeGrouped(failed.data);
  if (r.resultCode === RESULT.SUCCESS && r.equipmentStatus !== undefined) r.answer = EQUIPMENT_STATUS_NAMES[r.equipmentStatus];
  else if (r.experimentalResultCode === RESULT.EQUIPMENT_UNKNOWN && r.resultCode === undefined) r.answer = 'UNKNOWN';
  return r;
}

/** Encodes an ECR. */
export function encodeEcr(
  input: EcrInput,
  ids: { hopByHop: number; endToEnd: number },
  origin: { originHost: string; originRealm: string; destinationRealm: string },
): Buffer {
  const omit = new Set(input.omit ?? []);
  const sessionId = input.sessionId ?? `${origin.originHost};${ids.endToEnd >>> 0};s13`;
  const terminal = [
    ...(omit.has('IMEI') ? [] : [avp('IMEI', input.imei)]),
    ...(input.svn !== undefined ? [avp('Software-Version', input.svn)] : []),
    ...(input.terminalExtraAvps ?? []),
  ];
  const parts: [AvpName, () => Buffer][] = [
    ['Session-Id', () => avp('Session-Id', sessionId)],
    ['Auth-Session-State', () => avp('Auth-Session-State', NO_STATE_MAINTAINED)],
    ['Origin-Host', () => avp('Origin-Host', origin.originHost)],
    ['Origin-Realm', () => avp('Origin-Realm', origin.originRealm)],
    ['Destination-Realm', () => avp('Destination-Realm', origin.destinationRealm)],
    ['Terminal-Information', () => avp('Terminal-Information', terminal)],
  ];
  const avps = parts.filter(([n]) => !omit.has(n)).map(([, f]) => f());
  if (input.imsi !== undefined) avps.push(avp('User-Name', input.imsi));
  avps.push(...(input.extraAvps ?? []));
  return encodeMessage({
    flags: FLAG_REQUEST | FLAG_PROXIABLE | (input.retransmitted ? FLAG_RETRANSMITTED : 0),
    commandCode: CMD_ME_IDENTITY_CHECK,
    applicationId: input.applicationId ?? APP_S13,
    hopByHop: ids.hopByHop,
    endToEnd: ids.endToEnd,
    avps,
  });
}

export class S13Client {
  /** The CEA, when the client did the capabilities exchange. */
  cea?: DiameterMessage;
  /** DWRs and DPRs the server sent us. */
  dwrReceived = 0;
  dprReceived = 0;
  /** Answers that matched no request of ours. */
  readonly unmatched: ReceivedMessage[] = [];
  readonly closed: Promise<void>;
  destinationRealm: string;
  private readonly pending = new Map<number, Pending>();
  private readonly splitter = new FrameSplitter({ maxMessageBytes: 1 << 24 });
  private hopByHop = (Math.random() * 0x1_0000_0000) >>> 0;
  private endToEnd: number;
  private timer: NodeJS.Timeout | null = null;
  private isClosed = false;

  private constructor(
    readonly socket: Socket,
    readonly opts: S13ClientOptions,
  ) {
    // RFC 6733 §3: the high 12 bits from the clock, the low 20 random
    this.endToEnd = ((((Date.now() / 1000) & 0xfff) << 20) | ((Math.random() * 0x100000) >>> 0)) >>> 0;
    this.destinationRealm = opts.destinationRealm ?? opts.originRealm;
    socket.setNoDelay(true);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => {});
    socket.on('close', () => this.onClose());
    const timeout = opts.timeoutMs ?? 10_000;
    if (timeout > 0) {
      this.timer = setInterval(() => this.expire(timeout), Math.min(timeout, 1000));
      this.timer.unref();
    }
  }

  /** Connects and (unless `cer: false`) does the capabilities exchange; rejects if the CEA is not 2001. */
  static async connect(opts: S13ClientOptions): Promise<S13Client> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = netConnect({ host: opts.host ?? '127.0.0.1', port: opts.port }, () => {
        s.off('error', reject);
        resolve(s);
      });
      s.once('error', reject);
    });
    const client = new S13Client(socket, opts);
    if (opts.cer ?? true) {
      const cea = await client.capabilitiesExchange();
      const rc = readEca(cea).resultCode;
      if (rc !== RESULT.SUCCESS) {
        client.close();
        throw new Error(`CEA Result-Code ${rc}`);
      }
      if (opts.destinationRealm === undefined) {
        const realm = findAvp(cea.avps, A('Origin-Realm').code);
        if (realm) client.destinationRealm = realm.data.toString('utf8');
      }
    }
    return client;
  }

  get isOpen(): boolean {
    return !this.isClosed;
  }

  nextIds(): { hopByHop: number; endToEnd: number } {
    this.hopByHop = (this.hopByHop + 1) >>> 0;
    this.endToEnd = (this.endToEnd + 1) >>> 0;
    return { hopByHop: this.hopByHop, endToEnd: this.endToEnd };
  }

  /** Sends a request frame (its hop-by-hop id is read from it) and resolves with its answer. */
  sendRequest(frame: Buffer): Promise<ReceivedMessage> {
    const answer = this.expect(frame.readUInt32BE(12));
    this.sendRaw(frame);
    return answer;
  }

  /** The answer with this hop-by-hop id, for a request written some other way (`sendRaw`). */
  expect(hopByHop: number): Promise<ReceivedMessage> {
    if (this.isClosed) return Promise.reject(new Error('the connection is closed'));
    return new Promise((resolve, reject) => this.pending.set(hopByHop >>> 0, { resolve, reject, at: Date.now() }));
  }

  /** Writes bytes as they are (garbage, split frames, ...). */
  sendRaw(bytes: Buffer): void {
    if (!this.isClosed) this.socket.write(bytes);
  }

  /** A base-protocol request with our Origin-Host and Origin-Realm first. */
  baseRequest(commandCode: number, avps: Buffer[], applicationId = APP_BASE): Promise<ReceivedMessage> {
    const ids = this.nextIds();
    return this.sendRequest(
      encodeMessage({
        flags: FLAG_REQUEST,
        commandCode,
        applicationId,
        ...ids,
        avps: [avp('Origin-Host', this.opts.originHost), avp('Origin-Realm', this.opts.originRealm), ...avps],
      }),
    );
  }

  capabilitiesExchange(applicationAvps = this.opts.applicationAvps): Promise<ReceivedMessage> {
    this.cea = undefined;
    const apps = applicationAvps ?? [
      avp('Auth-Application-Id', APP_S13),
      avp('Vendor-Specific-Application-Id', [avp('Vendor-Id', VENDOR_3GPP), avp('Auth-Application-Id', APP_S13)]),
    ];
    const ip = this.socket.localAddress?.replace(/^::ffff:/, '') || '127.0.0.1';
    return this.baseRequest(CMD_CAPABILITIES_EXCHANGE, [
      avp('Host-IP-Address', ip),
      avp('Vendor-Id', 0),
      avp('Product-Name', 'OpenCEIR S13 client'),
      avp('Supported-Vendor-Id', VENDOR_3GPP),
      ...apps,
    ]).then((m) => (this.cea = m));
  }

  /** The ECR frame of `input` with fresh ids (or the given End-to-End id). */
  ecr(input: EcrInput): Buffer {
    const ids = this.nextIds();
    if (input.endToEnd !== undefined) ids.endToEnd = input.endToEnd;
    return encodeEcr(input, ids, { originHost: this.opts.originHost, originRealm: this.opts.originRealm, destinationRealm: this.destinationRealm });
  }

  async check(input: EcrInput | string): Promise<EcaResult> {
    return readEca(await this.sendRequest(this.ecr(typeof input === 'string' ? { imei: input } : input)));
  }

  /** Sends the checks with at most `window` unanswered at a time; answers in input order. */
  async checkMany(inputs: readonly EcrInput[], window = 64): Promise<EcaResult[]> {
    const results: EcaResult[] = new Array(inputs.length);
    let next = 0;
    await new Promise<void>((resolve, reject) => {
      let done = 0;
      const launch = () => {
        this.socket.cork();
        while (next < inputs.length && next - done < window) {
          const i = next++;
          this.sendRequest(this.ecr(inputs[i])).then((m) => {
            results[i] = readEca(m);
            if (++done === inputs.length) resolve();
            else if (next < inputs.length) launch();
          }, reject);
        }
        process.nextTick(() => this.socket.uncork());
      };
      if (inputs.length === 0) resolve();
      else launch();
    });
    return results;
  }

  watchdog(): Promise<ReceivedMessage> {
    return this.baseRequest(CMD_DEVICE_WATCHDOG, []);
  }

  /** DPR, DPA, then close. */
  async disconnect(cause: number = DISCONNECT_CAUSE.DO_NOT_WANT_TO_TALK_TO_YOU): Promise<ReceivedMessage> {
    const dpa = await this.baseRequest(CMD_DISCONNECT_PEER, [avp('Disconnect-Cause', cause)]);
    this.socket.end();
    await this.closed;
    return dpa;
  }

  close(): void {
    this.socket.destroy();
  }

  /** Hands the raw socket over (after CER/CEA): the client stops reading it. */
  detach(): Socket {
    this.socket.removeAllListeners('data');
    this.socket.removeAllListeners('close');
    if (this.timer) clearInterval(this.timer);
    return this.socket;
  }

  private onData(chunk: Buffer): void {
    this.socket.cork();
    const err = this.splitter.push(chunk, (buf, off, len) => this.onMessage({ ...decodeMessage(buf, off, len), raw: Buffer.from(buf.subarray(off, off + len)) }));
    process.nextTick(() => this.socket.uncork());
    if (err) this.socket.destroy(new Error(`malformed frame from the server: ${err}`));
  }

  private onMessage(m: ReceivedMessage): void {
    if (m.flags & FLAG_REQUEST) {
      const reply = (avps: Buffer[]) =>
        this.socket.write(
          encodeMessage({
            flags: 0,
            commandCode: m.commandCode,
            applicationId: m.applicationId,
            hopByHop: m.hopByHop,
            endToEnd: m.endToEnd,
            avps: [avp('Result-Code', RESULT.SUCCESS), avp('Origin-Host', this.opts.originHost), avp('Origin-Realm', this.opts.originRealm), ...avps],
          }),
        );
      if (m.commandCode === CMD_DEVICE_WATCHDOG) {
        this.dwrReceived++;
        if (this.opts.answerWatchdog ?? true) reply([]);
      } else if (m.commandCode === CMD_DISCONNECT_PEER) {
        this.dprReceived++;
        reply([]);
      }
      return;
    }
    const p = this.pending.get(m.hopByHop);
    if (!p) {
      this.unmatched.push(m);
      return;
    }
    this.pending.delete(m.hopByHop);
    p.resolve(m);
  }

  private expire(timeoutMs: number): void {
    const limit = Date.now() - timeoutMs;
    for (const [hbh, p] of this.pending) {
      if (p.at > limit) break;
      this.pending.delete(hbh);
      p.reject(new Error(`no answer within ${timeoutMs} ms`));
    }
  }

  private onClose(): void {
    this.isClosed = true;
    if (this.timer) clearInterval(this.timer);
    for (const p of this.pending.values()) p.reject(new Error('the connection closed before the answer'));
    this.pending.clear();
  }
}
