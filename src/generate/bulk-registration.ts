/**
 * A fast, constant-memory registration-list generator for benchmarks (millions of rows).
 *
 * Devices are slots (TAC, SNR pair) of a synthetic catalogue visited through a keyed Feistel
 * permutation, so every IMEI is unique without remembering any of them. Each TAC owns a number
 * of slots proportional to its model's popularity (popular phones dominate, as in a real list,
 * and no TAC exceeds its 500 000 SNR pairs). A dual-SIM model's
 * device takes both SNRs of its pair (two rows sharing a device_id); a single-SIM device takes
 * one of them. Per-TAC text and Luhn partial sums are precomputed; the hot loop only
 * concatenates strings.
 */
import { buildCatalogue, NOT_KNOWN } from './catalogue.ts';
import { generations } from './bands.ts';
import { csvField, deviceIdOf } from './format.ts';
import { Permutation, Rng } from './prng.ts';
import { ChunkWriter } from './sink.ts';
import { LIST_HEADERS } from './reference-lists.ts';

/** SNR pairs per TAC: SNRs 2p and 2p+1 form pair p. */
const PAIRS = 500_000;

interface TacText {
  tac: string;
  /** Luhn sum contributed by the 8 TAC digits. */
  luhn: number;
  dual: boolean;
  /** `,make,model,` */
  mid: string;
  /** `,model_number,brand_name,device_type,radio_interface,` */
  tail: string;
}

/** 3-digit strings 000..999. */
const DIGITS3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/**
 * Luhn sums of the SNR halves. In the 15-digit IMEI, positions (0-based) with an odd index are
 * doubled: SNR digits at 8,9,10 (hi: middle doubled) and 11,12,13 (lo: first and last doubled).
 */
const dbl = (d: number): number => (d * 2 > 9 ? d * 2 - 9 : d * 2);
const LUHN_HI = Uint8Array.from({ length: 1000 }, (_, i) => Math.floor(i / 100) + dbl(Math.floor(i / 10) % 10) + (i % 10));
const LUHN_LO = Uint8Array.from({ length: 1000 }, (_, i) => dbl(Math.floor(i / 100)) + (Math.floor(i / 10) % 10) + dbl(i % 10));

function tacLuhn(tac: string): number {
  let s = 0;
  for (let i = 0; i < 8; i++) {
    const d = tac.charCodeAt(i) - 48;
    s += i % 2 === 1 ? dbl(d) : d;
  }
  return s;
}

export interface BulkResult {
  path: string;
  /** Data rows written (header excluded). */
  rows: number;
  /** Distinct device_ids. */
  devices: number;
}

/**
 * Stream a registration list of exactly `rows` data rows with unique, Luhn-valid IMEIs.
 * Memory use does not depend on `rows`.
 */
export async function generateRegistrationListFile(path: string, rows: number, seed = 1): Promise<BulkResult> {
  if (!Number.isInteger(rows) || rows < 0) throw new RangeError(`rows must be a non-negative integer, got ${rows}`);
  const root = Rng.fromSeed(seed);
  const catalogue = buildCatalogue(root.fork('catalogue'));
  const tacs: TacText[] = catalogue.tacs.map(({ tac, model: m }) => ({
    tac,
    luhn: tacLuhn(tac),
    dual: m.imeiQuantity === 2,
    mid: `,${csvField(m.brand === NOT_KNOWN ? m.manufacturer : m.brand)},${csvField(m.marketingName === NOT_KNOWN ? m.modelName : m.marketingName)},`,
    tail: `,${csvField(m.modelName)},${csvField(m.brand)},${csvField(m.deviceType)},${generations(m.capability)},`,
  }));
  // Slot ranges: TAC t owns pairs [start[t], start[t+1]).
  const maxPop = Math.max(...catalogue.tacs.map((c) => c.model.popularity));
  const start = new Float64Array(tacs.length + 1);
  catalogue.tacs.forEach((c, t) => (start[t + 1] = start[t] + Math.max(1, Math.floor((PAIRS * c.model.popularity) / maxPop))));
  const slots = start[tacs.length];
  if (rows > slots) throw new RangeError(`at most ${slots} rows for this catalogue`);
  const tacOfSlot = (x: number): number => {
    let lo = 0;
    let hi = tacs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (start[mid] <= x) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const rng = root.fork('bulk-registration');
  const perm = new Permutation(slots, rng.fork('slots'));
  // Status thresholds on a uniform uint32: 60% empty, 35% whitelist, 5% provisional.
  const EMPTY = 0.6 * 2 ** 32;
  const WHITE = 0.95 * 2 ** 32;

  const w = new ChunkWriter(path);
  let written = 0;
  let devices = 0;
  try {
    w.push(LIST_HEADERS.registration_list + '\n');
    for (let i = 0; written < rows; i++) {
      if (i >= perm.size) throw new Error('ran out of device slots');
      const x = perm.at(i);
      const t = tacOfSlot(x);
      const p = x - start[t];
      const info = tacs[t];
      if (info.dual && written + 1 === rows) continue; // the last row needs a single-SIM device
      const u = rng.next();
      const status = u < EMPTY ? '' : u < WHITE ? 'whitelist' : 'provisional';
      const tail = info.tail + deviceIdOf(++devices) + '\n';
      const first = info.dual ? 2 * p : 2 * p + ((p ^ t) & 1);
      for (let snr = first, k = info.dual ? 2 : 1; k > 0; k--, snr++) {
        const hi = Math.floor(snr / 1000);
        const lo = snr - hi * 1000;
        const cd = (10 - ((info.luhn + LUHN_HI[hi] + LUHN_LO[lo]) % 10)) % 10;
        written++;
        if (w.push(info.tac + DIGITS3[hi] + DIGITS3[lo] + cd + info.mid + status + tail)) await w.flush();
      }
    }
  } finally {
    await w.close();
  }
  return { path, rows: written, devices };
}
