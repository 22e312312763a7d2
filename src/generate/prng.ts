/**
 * Our own small, fast, seedable PRNG (no Math.random anywhere in the generator).
 *
 * - sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, 128-bit state, 32-bit output),
 *   seeded through splitmix32 so that close seeds give unrelated streams.
 * - `fork(label)` derives an independent stream from the *seed material* and a label, not from
 *   the current state: adding a new consumer later (e.g. an observation generator) never shifts
 *   the numbers an existing consumer draws, so already-generated files stay byte-identical.
 */

/** 32-bit FNV-1a hash of a string (labels for forks). */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The splitmix32 / murmur3 finaliser: a good 32-bit bijective mixer. */
export function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x21f0aaad);
  x = Math.imul(x ^ (x >>> 15), 0x735a2d97);
  return (x ^ (x >>> 15)) >>> 0;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** Seed material (two 32-bit words); forks derive from it. */
  private constructor(
    private readonly k0: number,
    private readonly k1: number,
  ) {
    // splitmix32 expands the key into the 4 state words.
    let sm = (k0 ^ mix32(k1 ^ 0x9e3779b9)) >>> 0;
    const next = (): number => {
      sm = (sm + 0x9e3779b9) >>> 0;
      return mix32(sm);
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = 1;
    for (let i = 0; i < 15; i++) this.next(); // warm up
  }

  /** A generator from a numeric seed (any finite number; the integer part up to 2^53 is used). */
  static fromSeed(seed: number): Rng {
    if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
    const s = Math.trunc(Math.abs(seed));
    const hi = Math.floor(s / 0x1_0000_0000) >>> 0;
    const lo = s >>> 0;
    return new Rng(mix32(lo ^ (seed < 0 ? 0xdeadbeef : 0)), mix32(hi + 0x6a09e667));
  }

  /** An independent stream named `label`, the same whatever was drawn from this one. */
  fork(label: string): Rng {
    const h = hashString(label);
    return new Rng(mix32(this.k0 ^ h), mix32((this.k1 + Math.imul(h, 0x85ebca6b)) >>> 0));
  }

  /** Next uniform 32-bit unsigned integer (sfc32). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform float in [0, 1) with 32 bits of resolution. */
  float(): number {
    return this.next() / 0x1_0000_0000;
  }

  /** Uniform integer in [min, max] (inclusive); the range must be below 2^32. */
  int(min: number, max: number): number {
    if (max < min) throw new RangeError(`int(${min}, ${max}): empty range`);
    return min + Math.floor(this.float() * (max - min + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** One element, uniformly. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty array');
    return items[Math.floor(this.float() * items.length)];
  }

  /** One element with probability proportional to its weight (small arrays; see WeightedTable). */
  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of entries) total += w;
    let r = this.float() * total;
    for (const [v, w] of entries) {
      r -= w;
      if (r < 0) return v;
    }
    return entries[entries.length - 1][0];
  }

  /** Fisher-Yates shuffle, in place; returns the array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.float() * (i + 1));
      const t = items[i];
      items[i] = items[j];
      items[j] = t;
    }
    return items;
  }

  /** A string of n random decimal digits (leading zeros allowed). */
  digits(n: number): string {
    let s = '';
    while (s.length < n) s += String(this.next() % 1_000_000_000).padStart(9, '0');
    return s.slice(0, n);
  }
}

/** O(log n) weighted sampling over a large, fixed array of weights (cumulative + binary search). */
export class WeightedTable {
  private readonly cum: Float64Array;
  readonly total: number;

  constructor(weights: ArrayLike<number>) {
    this.cum = new Float64Array(weights.length);
    let t = 0;
    for (let i = 0; i < weights.length; i++) {
      if (!(weights[i] >= 0)) throw new RangeError(`weight ${i} is not a non-negative number`);
      t += weights[i];
      this.cum[i] = t;
    }
    if (!(t > 0)) throw new RangeError('WeightedTable needs a positive total weight');
    this.total = t;
  }

  /** An index drawn with probability weight[i] / total. */
  sample(rng: Rng): number {
    const r = rng.float() * this.total;
    let lo = 0;
    let hi = this.cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cum[mid] > r) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/**
 * A keyed pseudo-random permutation of [0, size), size ≤ 2^52: a balanced 4-round Feistel
 * network over the smallest even power of two ≥ size, with cycle-walking back into range.
 * Lets a generator visit millions of distinct slots in a random-looking order in O(1) memory.
 */
export class Permutation {
  private readonly half: number;
  private readonly mask: number;
  private readonly scale: number;
  private readonly keys: number[];

  constructor(
    readonly size: number,
    rng: Rng,
  ) {
    if (!Number.isInteger(size) || size < 1 || size > 2 ** 52) throw new RangeError(`bad permutation size ${size}`);
    let bits = 2;
    while (2 ** bits < size) bits += 2;
    this.half = bits / 2;
    this.scale = 2 ** this.half;
    this.mask = this.scale - 1;
    this.keys = [rng.next(), rng.next(), rng.next(), rng.next()];
  }

  /** The image of i (0 ≤ i < size); distinct i give distinct results. */
  at(i: number): number {
    let x = i;
    do x = this.round(x);
    while (x >= this.size);
    return x;
  }

  private round(x: number): number {
    let l = Math.floor(x / this.scale);
    let r = x - l * this.scale;
    for (let k = 0; k < 4; k++) {
      const f = mix32((r ^ this.keys[k]) >>> 0) & this.mask;
      const nl = r;
      r = (l ^ f) & this.mask;
      l = nl;
    }
    return l * this.scale + r;
  }
}
