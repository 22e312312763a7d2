/**
 * The EIR's in-memory status index: what every real-time equipment check (N5g-eir, S13) reads.
 *
 * Open-addressing hash tables over typed arrays, keyed by the 14-digit IMEI as a number
 * (< 10^14 < 2^47, exact in a double). A V8 `Map` holds at most 2^24 entries at ~80 bytes each;
 * these tables cost 8 bytes a slot (at a load of 0.5–0.7: 11–16 bytes an entry).
 *
 * - `main`: one Float64Array; a slot holds `imei * 64 + flags` (< 6.4·10^15 < 2^53, exact), flags
 *   = blocked (bit 0), monitored (bit 1), notification count (bits 2–5, 0–15). An IMEI may be
 *   notified for several subscribers, so the count keeps a delta that removes one notification row
 *   from ungreying an IMEI that still has others; counts of 15 and more live in `overflow`.
 *   A slot is 0 when empty (a live entry always has a flag set, so its value is ≥ 1).
 * - `exceptions`: (IMEI, IMSI) pairs with a row count (the same pair can be on several rows: other
 *   MSISDNs, several operators' files).
 * - `known`: registered IMEIs; `tacs`: known TACs, a bitmap of 10^8 bits allocated on first use.
 *
 * Linear probing; the slot of a key is `fmix32(mix of its two 32-bit halves) * capacity / 2^32`
 * (any capacity, not only powers of two, so that memory follows the entry count). Deletion by
 * backward shift (no tombstones: deltas never degrade the probes). Tables grow by rehash when the
 * load passes 0.7, to 0.5. `clone()` is copy-on-write: the clone shares the typed arrays and the
 * first write to a table copies it (a memcpy), so a snapshot keeps answering while the next one is
 * patched. Lookups allocate nothing.
 */
import type { CheckAnswer } from './types.ts';

export type EirPolicy = 'permissive' | 'restrictive';

/** Grow when an insertion would pass this load. */
const MAX_LOAD = 0.7;
/** Load after growing without a size hint (≤ 16 bytes an entry). */
const GROW_LOAD = 0.5;
/** Load when the size is known (`reserve`, `fit`). */
const FIT_LOAD = 0.6;
const MIN_CAPACITY = 8;
/** Typed arrays hold up to 2^32 elements in Node 20; slot arithmetic stays below 2^32. */
const MAX_CAPACITY = 2 ** 32 - 1;
const TWO32 = 4294967296;

const SLOT = 64;
const BLOCKED = 1;
const MONITORED = 2;
const NOTE_SHIFT = 2;
const NOTE_ONE = 1 << NOTE_SHIFT;
const NOTE_MASK = 15 << NOTE_SHIFT;
/** A notification count of 15 or more: the exact count is in `overflow`. */
const NOTE_OVER = 15;

/** 10^8: the number of 8-digit TACs. */
const TAC_LIMIT = 100_000_000;

/**
 * The 14-digit IMEI key as a number, or NaN for anything that is not exactly 14 ASCII digits.
 * Charcode-based: no regular expression, no allocation.
 */
export function imeiNumber(s: string): number {
  if (s.length !== 14) return NaN;
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < 7; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    hi = hi * 10 + d;
  }
  for (let i = 7; i < 14; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    lo = lo * 10 + d;
  }
  return hi * 1e7 + lo;
}

/**
 * IMSI digits (5 to 15) as a number, or NaN: the exception pairs' second key and `decide`'s `imsi`.
 * Leading zeros are lost (IMSI 001010000000001 and 01010000000001 would be one number): only
 * test MCCs start with 0 and no allocated MCC makes the shorter twin, so the plain value is kept.
 */
export function imsiNumber(s: string): number {
  const n = s.length;
  if (n < 5 || n > 15) return NaN;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return v;
}

/** The 8-digit TAC of an IMEI number. */
export function tacOfNumber(imei: number): number {
  return Math.floor(imei / 1e6);
}

/** 32-bit hash of a non-negative integer below 2^53 (murmur3's finaliser over both halves). */
function hash53(k: number): number {
  let h = (k >>> 0) ^ Math.imul((k / TWO32) >>> 0, 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function hashPair(a: number, b: number): number {
  let h = hash53(a) ^ Math.imul(hash53(b), 0x27d4eb2f);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h ^= h >>> 12;
  return h >>> 0;
}

function capacityFor(entries: number, load: number): number {
  const cap = Math.max(MIN_CAPACITY, Math.ceil(entries / load) + 1);
  if (cap > MAX_CAPACITY) throw new RangeError(`status index: ${entries} entries need more than 2^32 slots`);
  return cap;
}

/**
 * Backward-shift deletion: may the entry at `j`, whose home slot is `h`, move to the hole at `i`?
 * Yes unless its home lies cyclically in (i, j] (it would then sit before its home).
 */
function canShift(i: number, j: number, h: number): boolean {
  return i <= j ? h <= i || h > j : h <= i && h > j;
}

/**
 * IMEI → flags (1..63). 0 means absent. A slot holds `imei * 64 + flags`, 0 when empty.
 */
export class ImeiTable {
  private keys: Float64Array;
  private cap: number;
  private scale: number;
  private count = 0;
  private shared = false;

  constructor(capacity = MIN_CAPACITY) {
    this.cap = Math.max(MIN_CAPACITY, Math.ceil(capacity));
    this.keys = new Float64Array(this.cap);
    this.scale = this.cap / TWO32;
  }

  get size(): number {
    return this.count;
  }

  get capacity(): number {
    return this.cap;
  }

  get bytes(): number {
    return this.keys.byteLength;
  }

  private home(key: number): number {
    return (hash53(key) * this.scale) >>> 0;
  }

  /** The flags of `key`, 0 when absent. */
  get(key: number): number {
    const keys = this.keys;
    const cap = this.cap;
    const base = key * SLOT;
    let i = (hash53(key) * this.scale) >>> 0;
    while (true) {
      const v = keys[i];
      if (v === 0) return 0;
      if (v >= base && v < base + SLOT) return v - base;
      if (++i === cap) i = 0;
    }
  }

  /** The slot holding `key`, or `~slot` of the empty slot where it would go. */
  private locate(key: number): number {
    const keys = this.keys;
    const base = key * SLOT;
    let i = this.home(key);
    while (true) {
      const v = keys[i];
      if (v === 0) return ~i;
      if (v >= base && v < base + SLOT) return i;
      if (++i === this.cap) i = 0;
    }
  }

  /** Write `flags` (0 removes) to the slot `at` found by `locate`. Returns the previous flags. */
  private write(key: number, at: number, flags: number): number {
    const base = key * SLOT;
    if (at >= 0) {
      const prev = this.keys[at] - base;
      if (flags !== prev) {
        this.own();
        if (flags === 0) this.removeAt(at);
        else this.keys[at] = base + flags;
      }
      return prev;
    }
    if (flags === 0) return 0;
    if (!(key >= 0 && key < 2 ** 53 / SLOT && Number.isInteger(key))) throw new RangeError(`status index: key ${key} is not an IMEI number`);
    let i = ~at;
    if (this.count + 1 > this.cap * MAX_LOAD) {
      this.rehash(capacityFor(this.count + 1, GROW_LOAD));
      i = ~this.locate(key);
    } else this.own();
    this.keys[i] = base + flags;
    this.count++;
    return 0;
  }

  /** Set the flags of `key` (1..63), or remove it (0). Returns the previous flags. */
  set(key: number, flags: number): number {
    return this.write(key, this.locate(key), flags);
  }

  /** Set or clear one flag bit in one probe; true when that changed the entry. */
  setBit(key: number, bit: number, on: boolean): boolean {
    const at = this.locate(key);
    const prev = at >= 0 ? this.keys[at] - key * SLOT : 0;
    if (((prev & bit) !== 0) === on) return false;
    this.write(key, at, prev ^ bit);
    return true;
  }

  /**
   * Add `one` to the counter field `mask` of `key`'s flags in one probe, unless the field is at its
   * maximum (it then stays there). Returns the previous flags.
   */
  increment(key: number, one: number, mask: number): number {
    const at = this.locate(key);
    const prev = at >= 0 ? this.keys[at] - key * SLOT : 0;
    if ((prev & mask) !== mask) this.write(key, at, prev + one);
    return prev;
  }

  private removeAt(hole: number): void {
    const keys = this.keys;
    const cap = this.cap;
    let i = hole;
    let j = hole;
    while (true) {
      if (++j === cap) j = 0;
      const v = keys[j];
      if (v === 0) break;
      const h = this.home(Math.floor(v / SLOT));
      if (canShift(i, j, h)) {
        keys[i] = v;
        i = j;
      }
    }
    keys[i] = 0;
    this.count--;
  }

  /** Make sure `extra` more entries fit without growing, and that this table owns its array. */
  reserve(extra: number): void {
    if (this.count + extra > this.cap * MAX_LOAD) this.rehash(capacityFor(this.count + extra, FIT_LOAD));
  }

  /** Shrink to a load of 0.6 when the load fell below 0.5 (after an over-estimated `reserve`). */
  fit(): void {
    if (this.cap > MIN_CAPACITY * 2 && this.count < this.cap * GROW_LOAD) this.rehash(capacityFor(this.count, FIT_LOAD));
  }

  /** Every entry, in slot order. */
  forEach(fn: (key: number, flags: number) => void): void {
    const keys = this.keys;
    for (let i = 0; i < this.cap; i++) {
      const v = keys[i];
      if (v !== 0) {
        const k = Math.floor(v / SLOT);
        fn(k, v - k * SLOT);
      }
    }
  }

  /** A copy-on-write copy: both share the array until one of them writes. */
  clone(): ImeiTable {
    // Built through the constructor so that every table has one hidden class (monomorphic lookups).
    const t = new ImeiTable();
    t.keys = this.keys;
    t.cap = this.cap;
    t.scale = this.scale;
    t.count = this.count;
    t.shared = this.shared = true;
    return t;
  }

  private own(): void {
    if (this.shared) {
      this.keys = this.keys.slice();
      this.shared = false;
    }
  }

  private rehash(cap: number): void {
    const old = this.keys;
    const keys = new Float64Array(cap);
    const scale = cap / TWO32;
    for (let s = 0; s < old.length; s++) {
      const v = old[s];
      if (v === 0) continue;
      let i = (hash53(Math.floor(v / SLOT)) * scale) >>> 0;
      while (keys[i] !== 0) if (++i === cap) i = 0;
      keys[i] = v;
    }
    this.keys = keys;
    this.cap = cap;
    this.scale = scale;
    this.shared = false;
  }
}

/**
 * (a, b) → count ≥ 1, for pairs of integers below 2^53 (IMEI and IMSI numbers). A slot is
 * `a + 1` (0 when empty), `b` and the count.
 */
export class PairTable {
  private as: Float64Array;
  private bs: Float64Array;
  private ns: Uint32Array;
  private cap: number;
  private scale: number;
  private count = 0;
  private rows = 0;
  private shared = false;

  constructor(capacity = MIN_CAPACITY) {
    this.cap = Math.max(MIN_CAPACITY, Math.ceil(capacity));
    this.as = new Float64Array(this.cap);
    this.bs = new Float64Array(this.cap);
    this.ns = new Uint32Array(this.cap);
    this.scale = this.cap / TWO32;
  }

  /** Distinct pairs. */
  get size(): number {
    return this.count;
  }

  /** Sum of the counts. */
  get total(): number {
    return this.rows;
  }

  get capacity(): number {
    return this.cap;
  }

  get bytes(): number {
    return this.as.byteLength + this.bs.byteLength + this.ns.byteLength;
  }

  private home(a: number, b: number): number {
    return (hashPair(a, b) * this.scale) >>> 0;
  }

  /** The count of (a, b), 0 when absent. */
  get(a: number, b: number): number {
    const as = this.as;
    const cap = this.cap;
    const a1 = a + 1;
    let i = this.home(a, b);
    while (true) {
      const v = as[i];
      if (v === 0) return 0;
      if (v === a1 && this.bs[i] === b) return this.ns[i];
      if (++i === cap) i = 0;
    }
  }

  /** Add `delta` (±) to the count of (a, b); at 0 the pair goes. Returns the new count, or -1 if it would go below 0 (nothing changes). */
  add(a: number, b: number, delta: number): number {
    const a1 = a + 1;
    let i = this.home(a, b);
    while (true) {
      const v = this.as[i];
      if (v === 0) break;
      if (v === a1 && this.bs[i] === b) {
        const n = this.ns[i] + delta;
        if (n < 0) return -1;
        this.own();
        this.rows += delta;
        if (n === 0) this.removeAt(i);
        else this.ns[i] = n;
        return n;
      }
      if (++i === this.cap) i = 0;
    }
    if (delta < 0) return -1;
    if (delta === 0) return 0;
    if (!(a >= 0 && a < 2 ** 53 - 1 && Number.isInteger(a) && b >= 0 && b < 2 ** 53 && Number.isInteger(b))) {
      throw new RangeError(`status index: pair (${a}, ${b}) is not a pair of non-negative integers`);
    }
    if (this.count + 1 > this.cap * MAX_LOAD) {
      this.rehash(capacityFor(this.count + 1, GROW_LOAD));
      i = this.home(a, b);
      while (this.as[i] !== 0) if (++i === this.cap) i = 0;
    } else this.own();
    this.as[i] = a1;
    this.bs[i] = b;
    this.ns[i] = delta;
    this.count++;
    this.rows += delta;
    return delta;
  }

  /** Set the count of (a, b) (0 removes). */
  set(a: number, b: number, n: number): void {
    this.add(a, b, n - this.get(a, b));
  }

  private removeAt(hole: number): void {
    const { as, bs, ns, cap } = this;
    let i = hole;
    let j = hole;
    while (true) {
      if (++j === cap) j = 0;
      const v = as[j];
      if (v === 0) break;
      if (canShift(i, j, this.home(v - 1, bs[j]))) {
        as[i] = v;
        bs[i] = bs[j];
        ns[i] = ns[j];
        i = j;
      }
    }
    as[i] = 0;
    bs[i] = 0;
    ns[i] = 0;
    this.count--;
  }

  reserve(extra: number): void {
    if (this.count + extra > this.cap * MAX_LOAD) this.rehash(capacityFor(this.count + extra, FIT_LOAD));
  }

  fit(): void {
    if (this.cap > MIN_CAPACITY * 2 && this.count < this.cap * GROW_LOAD) this.rehash(capacityFor(this.count, FIT_LOAD));
  }

  forEach(fn: (a: number, b: number, count: number) => void): void {
    for (let i = 0; i < this.cap; i++) if (this.as[i] !== 0) fn(this.as[i] - 1, this.bs[i], this.ns[i]);
  }

  clone(): PairTable {
    const t = new PairTable();
    t.as = this.as;
    t.bs = this.bs;
    t.ns = this.ns;
    t.cap = this.cap;
    t.scale = this.scale;
    t.count = this.count;
    t.rows = this.rows;
    t.shared = this.shared = true;
    return t;
  }

  private own(): void {
    if (this.shared) {
      this.as = this.as.slice();
      this.bs = this.bs.slice();
      this.ns = this.ns.slice();
      this.shared = false;
    }
  }

  private rehash(cap: number): void {
    const { as: oa, bs: ob, ns: on } = this;
    const as = new Float64Array(cap);
    const bs = new Float64Array(cap);
    const ns = new Uint32Array(cap);
    const scale = cap / TWO32;
    for (let s = 0; s < oa.length; s++) {
      const v = oa[s];
      if (v === 0) continue;
      let i = (hashPair(v - 1, ob[s]) * scale) >>> 0;
      while (as[i] !== 0) if (++i === cap) i = 0;
      as[i] = v;
      bs[i] = ob[s];
      ns[i] = on[s];
    }
    this.as = as;
    this.bs = bs;
    this.ns = ns;
    this.cap = cap;
    this.scale = scale;
    this.shared = false;
  }
}

/** A set of 8-digit TACs: a bitmap of 10^8 bits (12.5 MB), allocated on the first TAC. */
export class TacSet {
  private bits: Uint32Array | null = null;
  private count = 0;
  private shared = false;

  get size(): number {
    return this.count;
  }

  get bytes(): number {
    return this.bits ? this.bits.byteLength : 0;
  }

  has(tac: number): boolean {
    const bits = this.bits;
    if (bits === null || !(tac >= 0 && tac < TAC_LIMIT)) return false;
    return (bits[tac >>> 5] & (1 << (tac & 31))) !== 0;
  }

  /** Add (`on`) or remove a TAC; true when that changed the set. */
  set(tac: number, on: boolean): boolean {
    if (!(tac >= 0 && tac < TAC_LIMIT && Number.isInteger(tac))) throw new RangeError(`status index: TAC ${tac} is not an 8-digit number`);
    if (this.has(tac) === on) return false;
    if (this.bits === null) this.bits = new Uint32Array(TAC_LIMIT / 32);
    else if (this.shared) {
      this.bits = this.bits.slice();
      this.shared = false;
    }
    this.bits[tac >>> 5] ^= 1 << (tac & 31);
    this.count += on ? 1 : -1;
    return true;
  }

  clone(): TacSet {
    const t = new TacSet();
    t.bits = this.bits;
    t.count = this.count;
    t.shared = this.shared = this.bits !== null;
    return t;
  }
}

export type IndexCounts = {
  /** IMEIs in the main table (blocked, notified or monitored). */
  listedImeis: number;
  blocked: number;
  /** IMEIs with at least one notification. */
  notifiedImeis: number;
  /** Notification rows (an IMEI notified for three subscribers counts three). */
  notifications: number;
  monitored: number;
  /** Distinct (IMEI, IMSI) exception pairs. */
  exceptionPairs: number;
  /** Exception rows. */
  exceptions: number;
  knownImeis: number;
  knownTacs: number;
};

export interface IndexSizing {
  /** Blocked, notified and monitored IMEIs expected. */
  listed?: number;
  exceptions?: number;
  known?: number;
}

/**
 * Every set an equipment check reads, and `decide` (DOMAIN §7). Mutations are for building and
 * patching a snapshot; a snapshot being served is never mutated (`clone` first).
 */
export class StatusIndex {
  private main: ImeiTable;
  /** IMEI → notification count, for counts of 15 and more (b is always 0). */
  private overflow: PairTable;
  private exceptions: PairTable;
  private known: ImeiTable;
  private tacs: TacSet;
  private nBlocked = 0;
  private nMonitored = 0;
  private nNotified = 0;
  private nNotes = 0;

  constructor(sizing: IndexSizing = {}) {
    this.main = new ImeiTable(capacityFor(sizing.listed ?? 0, FIT_LOAD));
    this.overflow = new PairTable();
    this.exceptions = new PairTable(capacityFor(sizing.exceptions ?? 0, FIT_LOAD));
    this.known = new ImeiTable(capacityFor(sizing.known ?? 0, FIT_LOAD));
    this.tacs = new TacSet();
  }

  /**
   * The answer to an equipment check (DOMAIN §7): an exception for this IMEI and IMSI →
   * WHITELISTED; blocked → BLACKLISTED; notified or monitored → GREYLISTED; otherwise permissive →
   * WHITELISTED, restrictive → WHITELISTED when the IMEI or its TAC is known, else `unknownAnswer`
   * (UNKNOWN by default; an operator may prefer GREYLISTED).
   * `imei` from `imeiNumber` (NaN is never listed nor known), `imsi` from `imsiNumber` or NaN.
   */
  decide(imei: number, imsi: number, policy: EirPolicy, unknownAnswer: CheckAnswer = 'UNKNOWN'): CheckAnswer {
    const f = this.main.get(imei);
    if (f === 0 && policy === 'permissive') return 'WHITELISTED';
    if (imsi === imsi && this.exceptions.size !== 0 && this.exceptions.get(imei, imsi) !== 0) return 'WHITELISTED';
    if ((f & BLOCKED) !== 0) return 'BLACKLISTED';
    if (f !== 0) return 'GREYLISTED';
    if (policy === 'permissive') return 'WHITELISTED';
    if (this.known.size !== 0 && this.known.get(imei) !== 0) return 'WHITELISTED';
    if (this.tacs.has(Math.floor(imei / 1e6))) return 'WHITELISTED';
    return unknownAnswer;
  }

  isBlocked(imei: number): boolean {
    return (this.main.get(imei) & BLOCKED) !== 0;
  }

  isMonitored(imei: number): boolean {
    return (this.main.get(imei) & MONITORED) !== 0;
  }

  /** Notification rows of this IMEI. */
  notificationCount(imei: number): number {
    const n = (this.main.get(imei) & NOTE_MASK) >>> NOTE_SHIFT;
    return n === NOTE_OVER ? this.overflow.get(imei, 0) : n;
  }

  exceptionCount(imei: number, imsi: number): number {
    return this.exceptions.get(imei, imsi);
  }

  isKnownImei(imei: number): boolean {
    return this.known.get(imei) !== 0;
  }

  isKnownTac(tac: number): boolean {
    return this.tacs.has(tac);
  }

  private flag(imei: number, bit: number, on: boolean): boolean {
    return this.main.setBit(imei, bit, on);
  }

  /** True when the IMEI was not blocked. */
  addBlocked(imei: number): boolean {
    const changed = this.flag(imei, BLOCKED, true);
    if (changed) this.nBlocked++;
    return changed;
  }

  /** True when the IMEI was blocked. */
  removeBlocked(imei: number): boolean {
    const changed = this.flag(imei, BLOCKED, false);
    if (changed) this.nBlocked--;
    return changed;
  }

  addMonitored(imei: number): boolean {
    const changed = this.flag(imei, MONITORED, true);
    if (changed) this.nMonitored++;
    return changed;
  }

  removeMonitored(imei: number): boolean {
    const changed = this.flag(imei, MONITORED, false);
    if (changed) this.nMonitored--;
    return changed;
  }

  /** One more notification row for this IMEI; returns its count. */
  addNotification(imei: number): number {
    const n = (this.main.increment(imei, NOTE_ONE, NOTE_MASK) & NOTE_MASK) >>> NOTE_SHIFT;
    let count: number;
    if (n < NOTE_OVER - 1) count = n + 1;
    else if (n === NOTE_OVER - 1) {
      this.overflow.set(imei, 0, NOTE_OVER);
      count = NOTE_OVER;
    } else count = this.overflow.add(imei, 0, 1);
    if (count === 1) this.nNotified++;
    this.nNotes++;
    return count;
  }

  /** One notification row fewer; returns the remaining count, or -1 when the IMEI had none (nothing changes). */
  removeNotification(imei: number): number {
    const f = this.main.get(imei);
    const n = (f & NOTE_MASK) >>> NOTE_SHIFT;
    if (n === 0) return -1;
    let count: number;
    if (n < NOTE_OVER) {
      this.main.set(imei, f - NOTE_ONE);
      count = n - 1;
    } else {
      count = this.overflow.add(imei, 0, -1);
      if (count === NOTE_OVER - 1) {
        this.overflow.add(imei, 0, -count);
        this.main.set(imei, f - NOTE_ONE);
      }
    }
    if (count === 0) this.nNotified--;
    this.nNotes--;
    return count;
  }

  /** One more exception row for (IMEI, IMSI); returns its count. */
  addException(imei: number, imsi: number): number {
    return this.exceptions.add(imei, imsi, 1);
  }

  /** One exception row fewer; the remaining count, or -1 when the pair had none. */
  removeException(imei: number, imsi: number): number {
    return this.exceptions.add(imei, imsi, -1);
  }

  addKnownImei(imei: number): boolean {
    return this.known.set(imei, 1) === 0;
  }

  removeKnownImei(imei: number): boolean {
    return this.known.set(imei, 0) !== 0;
  }

  addKnownTac(tac: number): boolean {
    return this.tacs.set(tac, true);
  }

  removeKnownTac(tac: number): boolean {
    return this.tacs.set(tac, false);
  }

  /** Empty the known IMEIs (sized for `expected` new ones). */
  clearKnownImeis(expected = 0): void {
    this.known = new ImeiTable(capacityFor(expected, FIT_LOAD));
  }

  clearKnownTacs(): void {
    this.tacs = new TacSet();
  }

  /** Room for that many more entries without growing (one copy or rehash per table, up front). */
  reserve(extra: IndexSizing): void {
    if (extra.listed) this.main.reserve(extra.listed);
    if (extra.exceptions) this.exceptions.reserve(extra.exceptions);
    if (extra.known) this.known.reserve(extra.known);
  }

  /** Shrink tables whose load fell below 0.5 (to keep ≤ 16 bytes an entry) after loading. */
  fit(): void {
    this.main.fit();
    this.exceptions.fit();
    this.known.fit();
    this.overflow.fit();
  }

  /** A copy-on-write copy: it shares every typed array until it (or this) writes to it. */
  clone(): StatusIndex {
    const c = new StatusIndex();
    c.main = this.main.clone();
    c.overflow = this.overflow.clone();
    c.exceptions = this.exceptions.clone();
    c.known = this.known.clone();
    c.tacs = this.tacs.clone();
    c.nBlocked = this.nBlocked;
    c.nMonitored = this.nMonitored;
    c.nNotified = this.nNotified;
    c.nNotes = this.nNotes;
    return c;
  }

  /** Every listed IMEI with its state. */
  forEachListed(fn: (imei: number, blocked: boolean, monitored: boolean, notifications: number) => void): void {
    this.main.forEach((k, f) => {
      const n = (f & NOTE_MASK) >>> NOTE_SHIFT;
      fn(k, (f & BLOCKED) !== 0, (f & MONITORED) !== 0, n === NOTE_OVER ? this.overflow.get(k, 0) : n);
    });
  }

  counts(): IndexCounts {
    return {
      listedImeis: this.main.size, blocked: this.nBlocked, notifiedImeis: this.nNotified, notifications: this.nNotes, monitored: this.nMonitored,
      exceptionPairs: this.exceptions.size, exceptions: this.exceptions.total, knownImeis: this.known.size, knownTacs: this.tacs.size,
    };
  }

  /** Bytes held by the typed arrays (arrays shared with a clone count in both). */
  bytes(): number {
    return this.main.bytes + this.overflow.bytes + this.exceptions.bytes + this.known.bytes + this.tacs.bytes;
  }

  /** Bytes of the listed-IMEI table alone (blocked, notified, monitored) and its overflow counts. */
  listedBytes(): number {
    return this.main.bytes + this.overflow.bytes;
  }
}
