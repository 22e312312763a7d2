/**
 * HyperLogLog distinct counter (Flajolet et al. 2007, with the small-range correction), used for
 * the daily-volume gate: distinct IMEIs, IMSIs and MSISDNs per day in constant memory, mergeable
 * across files (register-wise max). 2^12 registers: about 1.6% standard error, 4 KiB.
 */
const P = 12;
const M = 1 << P;
const ALPHA = 0.7213 / (1 + 1.079 / M);

export class Hll {
  readonly registers: Uint8Array;
  constructor(registers?: Uint8Array) {
    if (registers && registers.length !== M) throw new RangeError(`a sketch has ${M} registers, got ${registers.length}`);
    this.registers = registers ? Uint8Array.from(registers) : new Uint8Array(M);
  }

  /** Add a string (hashed with 32-bit FNV-1a, then mixed). */
  add(s: string): void {
    let h = 0x811c9dc5;
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    this.addHash(h);
  }

  /**
   * Add a non-negative integer below 2^53 (an identifier parsed as a number). A value is always
   * added the same way, as a number or as a string, so sketches of different files merge right.
   */
  addNumber(x: number): void {
    this.addHash((x >>> 0) ^ Math.imul((x / 4294967296) | 0, 0x9e3779b1));
  }

  private addHash(h: number): void {
    // murmur3 finaliser: FNV's low bits are weak for short keys.
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    const idx = h >>> (32 - P);
    const rest = (h << P) | (1 << (P - 1)); // guard bit bounds the rank
    const rank = Math.clz32(rest) + 1;
    if (rank > this.registers[idx]) this.registers[idx] = rank;
  }

  merge(other: Hll): void {
    const r = this.registers;
    const o = other.registers;
    for (let i = 0; i < M; i++) if (o[i] > r[i]) r[i] = o[i];
  }

  estimate(): number {
    let sum = 0;
    let zeros = 0;
    for (let i = 0; i < M; i++) {
      sum += 2 ** -this.registers[i];
      if (this.registers[i] === 0) zeros++;
    }
    const e = (ALPHA * M * M) / sum;
    if (e <= 2.5 * M && zeros > 0) return Math.round(M * Math.log(M / zeros));
    return Math.round(e);
  }
}
