/**
 * Diameter base protocol codec (RFC 6733 §3 and §4): the 20-byte header, AVPs, grouped AVPs, the
 * basic data formats, and a streaming frame splitter for a TCP connection. It knows nothing of
 * any application: the AVP names and command codes live in `dictionary.ts`.
 */
import { isIPv4, isIPv6 } from 'node:net';

export const HEADER_LENGTH = 20;
export const DIAMETER_VERSION = 1;
/** Header flags. */
export const FLAG_REQUEST = 0x80;
export const FLAG_PROXIABLE = 0x40;
export const FLAG_ERROR = 0x20;
export const FLAG_RETRANSMITTED = 0x10;
/** AVP flags. */
export const AVP_FLAG_VENDOR = 0x80;
export const AVP_FLAG_MANDATORY = 0x40;
export const AVP_FLAG_PROTECTED = 0x20;
/** Frames above this size close the connection unless the splitter is told otherwise. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024;

export interface DiameterHeader {
  version: number;
  /** Whole message length in bytes, header included. */
  length: number;
  flags: number;
  commandCode: number;
  applicationId: number;
  hopByHop: number;
  endToEnd: number;
}

/** A decoded AVP. `vendorId` is 0 when the V flag is clear; `data` excludes the padding. */
export interface Avp {
  code: number;
  flags: number;
  vendorId: number;
  data: Buffer;
}

export interface DiameterMessage extends DiameterHeader {
  avps: Avp[];
}

/** What a message to encode needs; `avps` are already encoded AVPs (each padded to 4 bytes). */
export interface MessageInput {
  flags: number;
  commandCode: number;
  applicationId: number;
  hopByHop: number;
  endToEnd: number;
  avps: readonly Buffer[];
}

/** Malformed bytes; `rule` is a stable identifier of what was wrong (for logs and tests). */
export class DiameterDecodeError extends Error {
  constructor(
    readonly rule: string,
    message: string,
  ) {
    super(message);
    this.name = 'DiameterDecodeError';
  }
}

export function readU24(buf: Buffer, p: number): number {
  return (buf[p] << 16) | (buf[p + 1] << 8) | buf[p + 2];
}

export function readU32(buf: Buffer, p: number): number {
  return ((buf[p] << 24) | (buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3]) >>> 0;
}

export function writeU24(buf: Buffer, p: number, v: number): void {
  buf[p] = v >>> 16;
  buf[p + 1] = v >>> 8;
  buf[p + 2] = v;
}

export function writeU32(buf: Buffer, p: number, v: number): void {
  buf[p] = v >>> 24;
  buf[p + 1] = v >>> 16;
  buf[p + 2] = v >>> 8;
  buf[p + 3] = v;
}

export function padded(n: number): number {
  return (n + 3) & ~3;
}

// ---------------------------------------------------------------- header and message

export function decodeHeader(buf: Buffer, offset = 0): DiameterHeader {
  if (buf.length - offset < HEADER_LENGTH) throw new DiameterDecodeError('header_truncated', `a Diameter header is ${HEADER_LENGTH} bytes, got ${buf.length - offset}`);
  return {
    version: buf[offset],
    length: readU24(buf, offset + 1),
    flags: buf[offset + 4],
    commandCode: readU24(buf, offset + 5),
    applicationId: readU32(buf, offset + 8),
    hopByHop: readU32(buf, offset + 12),
    endToEnd: readU32(buf, offset + 16),
  };
}

export function encodeHeader(buf: Buffer, offset: number, h: Omit<DiameterHeader, 'version'>): void {
  buf[offset] = DIAMETER_VERSION;
  writeU24(buf, offset + 1, h.length);
  buf[offset + 4] = h.flags;
  writeU24(buf, offset + 5, h.commandCode);
  writeU32(buf, offset + 8, h.applicationId);
  writeU32(buf, offset + 12, h.hopByHop);
  writeU32(buf, offset + 16, h.endToEnd);
}

/** Decodes one whole message (header and top-level AVPs); grouped AVPs stay as bytes. */
export function decodeMessage(buf: Buffer, offset = 0, length?: number): DiameterMessage {
  const h = decodeHeader(buf, offset);
  const len = length ?? h.length;
  if (h.version !== DIAMETER_VERSION) throw new DiameterDecodeError('bad_version', `Diameter version must be 1, got ${h.version}`);
  if (h.length !== len || h.length < HEADER_LENGTH || offset + h.length > buf.length) {
    throw new DiameterDecodeError('bad_message_length', `message length ${h.length} does not match the ${buf.length - offset} bytes given`);
  }
  return { ...h, avps: decodeAvps(buf, offset + HEADER_LENGTH, offset + h.length) };
}

export function encodeMessage(m: MessageInput): Buffer {
  let len = HEADER_LENGTH;
  for (const a of m.avps) len += a.length;
  const out = Buffer.allocUnsafe(len);
  encodeHeader(out, 0, { length: len, flags: m.flags, commandCode: m.commandCode, applicationId: m.applicationId, hopByHop: m.hopByHop, endToEnd: m.endToEnd });
  let p = HEADER_LENGTH;
  for (const a of m.avps) p += a.copy(out, p);
  return out;
}

// ---------------------------------------------------------------- AVPs

/**
 * The first problem of the AVP layout of `buf[start, end)`, or null: every AVP must have a full
 * header, a length at least its header and not overrun `end`. The last AVP may omit its padding.
 */
export function avpLayoutError(buf: Buffer, start: number, end: number): string | null {
  let p = start;
  while (p < end) {
    if (end - p < 8) return 'avp_header_truncated';
    const alen = readU24(buf, p + 5);
    const min = buf[p + 4] & AVP_FLAG_VENDOR ? 12 : 8;
    if (alen < min) return 'avp_length_too_small';
    if (alen > end - p) return 'avp_length_overrun';
    p += padded(alen);
  }
  return null;
}

/** Decodes the AVPs of `buf[start, end)` (a message body or a grouped AVP's data). */
export function decodeAvps(buf: Buffer, start = 0, end = buf.length): Avp[] {
  const err = avpLayoutError(buf, start, end);
  if (err) throw new DiameterDecodeError(err, `malformed AVP list (${err.replace(/_/g, ' ')})`);
  const avps: Avp[] = [];
  let p = start;
  while (p < end) {
    const code = readU32(buf, p);
    const flags = buf[p + 4];
    const alen = readU24(buf, p + 5);
    const v = (flags & AVP_FLAG_VENDOR) !== 0;
    avps.push({ code, flags, vendorId: v ? readU32(buf, p + 8) : 0, data: buf.subarray(p + (v ? 12 : 8), p + alen) });
    p += padded(alen);
  }
  return avps;
}

/**
 * Encodes one AVP with its padding. The V flag and the vendor id field are present when
 * `vendorId` is not 0 (or when `flags` already carries V).
 */
export function encodeAvp(code: number, data: Buffer, flags = 0, vendorId = 0): Buffer {
  const v = vendorId !== 0 || (flags & AVP_FLAG_VENDOR) !== 0;
  const head = v ? 12 : 8;
  const alen = head + data.length;
  const out = Buffer.alloc(padded(alen));
  writeU32(out, 0, code);
  out[4] = v ? flags | AVP_FLAG_VENDOR : flags;
  writeU24(out, 5, alen);
  if (v) writeU32(out, 8, vendorId);
  data.copy(out, head);
  return out;
}

/** The bytes of an AVP exactly as encoded (for Failed-AVP and echoing Proxy-Info). */
export function reencodeAvp(a: Avp): Buffer {
  return encodeAvp(a.code, a.data, a.flags, a.vendorId);
}

export function findAvp(avps: readonly Avp[], code: number, vendorId = 0): Avp | undefined {
  for (const a of avps) if (a.code === code && a.vendorId === vendorId) return a;
  return undefined;
}

export function findAvps(avps: readonly Avp[], code: number, vendorId = 0): Avp[] {
  return avps.filter((a) => a.code === code && a.vendorId === vendorId);
}

// ---------------------------------------------------------------- basic data formats (RFC 6733 §4.2, §4.3)

export type AvpType =
  | 'OctetString'
  | 'Integer32'
  | 'Integer64'
  | 'Unsigned32'
  | 'Unsigned64'
  | 'Float32'
  | 'Float64'
  | 'Grouped'
  | 'Address'
  | 'Time'
  | 'UTF8String'
  | 'DiameterIdentity'
  | 'DiameterURI'
  | 'Enumerated';

/** A value to encode: a number, bigint (64-bit), string, bytes, or the encoded inner AVPs of a Grouped AVP. */
export type AvpValue = number | bigint | string | Buffer | readonly Buffer[];
export type DecodedValue = number | bigint | string | Buffer | Avp[];

function fixedLength(data: Buffer, n: number, type: string): void {
  if (data.length !== n) throw new DiameterDecodeError('bad_value_length', `${type} data is ${n} bytes, got ${data.length}`);
}

export function encodeUnsigned32(n: number): Buffer {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`Unsigned32 out of range: ${n}`);
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n);
  return b;
}
export function decodeUnsigned32(data: Buffer): number {
  fixedLength(data, 4, 'Unsigned32');
  return data.readUInt32BE(0);
}
export function encodeInteger32(n: number): Buffer {
  if (!Number.isInteger(n) || n < -0x80000000 || n > 0x7fffffff) throw new RangeError(`Integer32 out of range: ${n}`);
  const b = Buffer.allocUnsafe(4);
  b.writeInt32BE(n);
  return b;
}
export function decodeInteger32(data: Buffer): number {
  fixedLength(data, 4, 'Integer32');
  return data.readInt32BE(0);
}
export function encodeUnsigned64(n: bigint): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeBigUInt64BE(n);
  return b;
}
export function decodeUnsigned64(data: Buffer): bigint {
  fixedLength(data, 8, 'Unsigned64');
  return data.readBigUInt64BE(0);
}
export function encodeInteger64(n: bigint): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeBigInt64BE(n);
  return b;
}
export function decodeInteger64(data: Buffer): bigint {
  fixedLength(data, 8, 'Integer64');
  return data.readBigInt64BE(0);
}
/** Enumerated is an Integer32. */
export const encodeEnumerated = encodeInteger32;
export const decodeEnumerated = decodeInteger32;

export function encodeUtf8String(s: string): Buffer {
  return Buffer.from(s, 'utf8');
}
export function decodeUtf8String(data: Buffer): string {
  return data.toString('utf8');
}
/** DiameterIdentity: an FQDN or realm, ASCII. */
export const encodeDiameterIdentity = encodeUtf8String;
export const decodeDiameterIdentity = decodeUtf8String;

/** Address: a 2-byte address family (IANA: 1 IPv4, 2 IPv6) and the address. */
export function encodeAddress(ip: string): Buffer {
  if (isIPv4(ip)) {
    const b = Buffer.allocUnsafe(6);
    b.writeUInt16BE(1, 0);
    ip.split('.').forEach((o, i) => (b[2 + i] = Number(o)));
    return b;
  }
  if (isIPv6(ip)) {
    const b = Buffer.alloc(18);
    b.writeUInt16BE(2, 0);
    ipv6Bytes(ip).copy(b, 2);
    return b;
  }
  throw new RangeError(`not an IP address: ${ip}`);
}

export function decodeAddress(data: Buffer): string {
  if (data.length < 2) throw new DiameterDecodeError('bad_value_length', 'an Address is at least its 2-byte family');
  const family = data.readUInt16BE(0);
  if (family === 1 && data.length === 6) return `${data[2]}.${data[3]}.${data[4]}.${data[5]}`;
  if (family === 2 && data.length === 18) return ipv6Text(data.subarray(2));
  throw new DiameterDecodeError('bad_address', `Address family ${family} with ${data.length - 2} address bytes is not IPv4 or IPv6`);
}

function ipv6Bytes(ip: string): Buffer {
  const out = Buffer.alloc(16);
  let text = ip;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.')) {
    // an embedded IPv4 address in the last 32 bits
    text.slice(lastColon + 1).split('.').forEach((o) => tail.push(Number(o)));
    text = text.slice(0, lastColon + 1) + '0:0';
  }
  const [left, right] = text.split('::') as [string, string | undefined];
  const l = left ? left.split(':') : [];
  const r = right ? right.split(':') : [];
  const groups = right === undefined ? l : [...l, ...Array(8 - l.length - r.length).fill('0'), ...r];
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  if (tail.length) tail.forEach((o, i) => (out[12 + i] = o));
  return out;
}

function ipv6Text(b: Buffer): string {
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push(b.readUInt16BE(i));
  // the longest run of two or more zero groups becomes "::" (RFC 5952)
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** Grouped: the concatenation of the (padded) inner AVPs. */
export function encodeGrouped(avps: readonly Buffer[]): Buffer {
  return Buffer.concat(avps as Buffer[]);
}
export function decodeGrouped(data: Buffer): Avp[] {
  return decodeAvps(data, 0, data.length);
}

/** Encodes a value of a basic or derived format. */
export function encodeValue(type: AvpType, value: AvpValue): Buffer {
  switch (type) {
    case 'Unsigned32':
    case 'Time':
      return encodeUnsigned32(value as number);
    case 'Integer32':
    case 'Enumerated':
      return encodeInteger32(value as number);
    case 'Unsigned64':
      return encodeUnsigned64(BigInt(value as number | bigint));
    case 'Integer64':
      return encodeInteger64(BigInt(value as number | bigint));
    case 'Float32': {
      const b = Buffer.allocUnsafe(4);
      b.writeFloatBE(value as number);
      return b;
    }
    case 'Float64': {
      const b = Buffer.allocUnsafe(8);
      b.writeDoubleBE(value as number);
      return b;
    }
    case 'Address':
      return encodeAddress(value as string);
    case 'Grouped':
      return encodeGrouped(value as Buffer[]);
    case 'OctetString':
      return Buffer.isBuffer(value) ? value : Buffer.from(value as string, 'utf8');
    case 'UTF8String':
    case 'DiameterIdentity':
    case 'DiameterURI':
      return encodeUtf8String(value as string);
  }
}

export function decodeValue(type: AvpType, data: Buffer): DecodedValue {
  switch (type) {
    case 'Unsigned32':
    case 'Time':
      return decodeUnsigned32(data);
    case 'Integer32':
    case 'Enumerated':
      return decodeInteger32(data);
    case 'Unsigned64':
      return decodeUnsigned64(data);
    case 'Integer64':
      return decodeInteger64(data);
    case 'Float32':
      fixedLength(data, 4, type);
      return data.readFloatBE(0);
    case 'Float64':
      fixedLength(data, 8, type);
      return data.readDoubleBE(0);
    case 'Address':
      return decodeAddress(data);
    case 'Grouped':
      return decodeGrouped(data);
    case 'OctetString':
      return data;
    case 'UTF8String':
    case 'DiameterIdentity':
    case 'DiameterURI':
      return decodeUtf8String(data);
  }
}

// ---------------------------------------------------------------- the stream splitter

export interface FrameSplitterOptions {
  /** Frames longer than this break the stream (default 64 KiB). */
  maxMessageBytes?: number;
  /** Check the top-level AVP layout of each frame before handing it over (default true). */
  checkAvps?: boolean;
}

/**
 * Called with each whole frame, `buf[offset, offset + length)`. The bytes are only valid during
 * the call (they may be the socket's chunk). Returning `false` stops the splitter: the rest of
 * the chunk is dropped and every later `push` returns `'stopped'`.
 */
export type FrameHandler = (buf: Buffer, offset: number, length: number) => boolean | void;

/**
 * Cuts a TCP byte stream into Diameter messages, whatever the chunking. Frames wholly inside a
 * chunk are handed over in place (no copy); a frame spanning chunks is assembled in a buffer of
 * its announced length, allocated once its first 4 bytes have arrived (so a header announcing an
 * absurd length is refused before anything is buffered).
 */
export class FrameSplitter {
  readonly maxMessageBytes: number;
  private readonly checkAvps: boolean;
  private readonly head = Buffer.alloc(4);
  private headFill = 0;
  private partial: Buffer | null = null;
  private partialFill = 0;
  /** Set once the stream is broken: the rule that broke it. */
  error: string | null = null;
  /** Bytes held for an incomplete frame. */
  get buffered(): number {
    return this.partial ? this.partialFill : this.headFill;
  }

  constructor(opts: FrameSplitterOptions = {}) {
    this.maxMessageBytes = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.checkAvps = opts.checkAvps ?? true;
  }

  /** The rule a frame starting with these 4 bytes breaks, or null; `len` is its announced length. */
  private headError(version: number, len: number): string | null {
    if (version !== DIAMETER_VERSION) return 'bad_version';
    if (len < HEADER_LENGTH) return 'length_below_header';
    if (len & 3) return 'length_not_multiple_of_4';
    if (len > this.maxMessageBytes) return 'length_above_maximum';
    return null;
  }

  private emit(buf: Buffer, off: number, len: number, onFrame: FrameHandler): boolean {
    if (this.checkAvps) {
      const err = avpLayoutError(buf, off + HEADER_LENGTH, off + len);
      if (err) {
        this.error = err;
        return false;
      }
    }
    if (onFrame(buf, off, len) === false) {
      this.error = 'stopped';
      return false;
    }
    return true;
  }

  /** Feeds one chunk. Returns null, or the rule that broke the stream (for this and every later call). */
  push(chunk: Buffer, onFrame: FrameHandler): string | null {
    if (this.error) return this.error;
    const n = chunk.length;
    let pos = 0;
    if (this.headFill > 0) {
      while (this.headFill < 4 && pos < n) this.head[this.headFill++] = chunk[pos++];
      if (this.headFill < 4) return null;
      const len = readU24(this.head, 1);
      const err = this.headError(this.head[0], len);
      if (err) return (this.error = err);
      this.partial = Buffer.allocUnsafe(len);
      this.head.copy(this.partial, 0);
      this.partialFill = 4;
      this.headFill = 0;
    }
    if (this.partial) {
      const frame = this.partial;
      const take = Math.min(frame.length - this.partialFill, n - pos);
      chunk.copy(frame, this.partialFill, pos, pos + take);
      this.partialFill += take;
      pos += take;
      if (this.partialFill < frame.length) return null;
      this.partial = null;
      if (!this.emit(frame, 0, frame.length, onFrame)) return this.error;
    }
    while (pos < n) {
      if (n - pos < 4) {
        while (pos < n) this.head[this.headFill++] = chunk[pos++];
        return null;
      }
      const len = readU24(chunk, pos + 1);
      const err = this.headError(chunk[pos], len);
      if (err) return (this.error = err);
      if (n - pos < len) {
        this.partial = Buffer.allocUnsafe(len);
        chunk.copy(this.partial, 0, pos, n);
        this.partialFill = n - pos;
        return null;
      }
      if (!this.emit(chunk, pos, len, onFrame)) return this.error;
      pos += len;
    }
    return null;
  }
}
