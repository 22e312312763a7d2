/**
 * A fast operator observation file for benchmarks: exactly N rows, in date order, with the
 * repetition of real data (a fixed population of subscribers, each seen on most days).
 *
 * The population is sized from the rows per day (rows / days / activity), so memory is bounded
 * by the population, never by the rows written; identifiers are unique by construction (keyed
 * permutations for IMSI and MSISDN, a set only while drawing IMEIs). Each day takes exactly its
 * quota of distinct subscribers by selection sampling (Knuth's algorithm S), in population order.
 * Per-subscriber bytes (`,imei,imsi,msisdn,`, fixed width) are encoded once into one buffer;
 * the hot loop copies the date, those bytes and a pre-encoded RAT list drawn from the device's
 * capability into the output buffer: no string is built per row.
 */
import { luhnCheckDigit } from '../identity/luhn.ts';
import { buildCatalogue } from './catalogue.ts';
import { yyyymmdd } from './format.ts';
import { dayOfCompact, OBSERVATION_HEADER } from './observations.ts';
import { Permutation, Rng, WeightedTable } from './prng.ts';
import { ratTable, type RatTable } from './rat.ts';
import { ByteWriter, TextArena } from './sink.ts';

export interface BulkObservationOptions {
  seed: number;
  /** MCC+MNC of the operator: every IMSI starts with it. */
  operatorMccMnc: string;
  /** First day, `YYYYMMDD`. */
  start: string;
  days: number;
  /** Country calling code of the MSISDNs (default `99`, the demo country's). */
  callingCode?: string;
  /** Share of the days on which a subscriber is seen (default 0.85). */
  activity?: number;
}

export interface BulkObservationResult {
  path: string;
  /** Data rows written (header excluded). */
  rows: number;
  /** Distinct (IMEI, IMSI, MSISDN) in the population. */
  subscribers: number;
  /** Period of the rows, `YYYYMMDD`. */
  from: string;
  to: string;
}

/**
 * Stream exactly `rows` observation rows (`date,imei,imsi,msisdn,rat`) for one operator over
 * `days` days from `start` into `path`. Rows are spread evenly over the days, in date order,
 * with no (date, IMEI, IMSI, MSISDN) twice.
 */
export async function generateObservationFile(path: string, rows: number, opts: BulkObservationOptions): Promise<BulkObservationResult> {
  if (!Number.isInteger(rows) || rows < 0) throw new RangeError(`rows must be a non-negative integer, got ${rows}`);
  if (!Number.isInteger(opts.days) || opts.days < 1) throw new RangeError(`days must be a positive integer, got ${opts.days}`);
  if (!/^\d{5,6}$/.test(opts.operatorMccMnc)) throw new RangeError(`operatorMccMnc must be 5-6 digits, got "${opts.operatorMccMnc}"`);
  const cc = opts.callingCode ?? '99';
  if (!/^\d{1,3}$/.test(cc)) throw new RangeError(`callingCode must be 1-3 digits, got "${cc}"`);
  const activity = opts.activity ?? 0.85;
  if (!(activity > 0 && activity <= 1)) throw new RangeError(`activity must be in (0, 1], got ${activity}`);
  const startDay = dayOfCompact(opts.start);
  const { days } = opts;

  const root = Rng.fromSeed(opts.seed);
  const perDay = Math.ceil(rows / days);
  const population = rows === 0 ? 0 : Math.ceil(perDay / activity);

  // ---- population: one device and one SIM each ----
  const catalogue = buildCatalogue(root.fork('catalogue'), { lastDay: startDay }); // every TAC allocated before day 1
  const tacs = catalogue.tacs;
  const tacTable = new WeightedTable(tacs.map((t) => t.model.popularity / t.model.tacs.length));
  const tables: RatTable[] = [];
  const tableIndex = new Map<RatTable, number>();
  const ratOf = new Uint8Array(population);
  const rng = root.fork('bulk-observations');
  const msinLen = 15 - opts.operatorMccMnc.length;
  const imsiPerm = new Permutation(10 ** msinLen, rng.fork('imsi'));
  const msisdnPerm = new Permutation(9 * 10 ** 8, rng.fork('msisdn'));
  if (population > 9 * 10 ** 8) throw new RangeError('too many rows per day for the MSISDN space');
  // `,imei,imsi,msisdn,` of every subscriber, fixed width, in one buffer
  const width = 1 + 15 + 1 + 15 + 1 + cc.length + 9 + 1;
  const ids = Buffer.allocUnsafe(population * width);
  const keys = new Set<number>();
  for (let i = 0; i < population; i++) {
    const t = tacs[tacTable.sample(rng)];
    let key: string;
    do key = t.tac + rng.digits(6);
    while (keys.has(Number(key)));
    keys.add(Number(key));
    const cap = t.model.capability;
    const table = ratTable(cap, { lpwan: cap.lpwan ? (rng.chance(0.5) ? 'lte-m' : 'nb-iot') : undefined });
    let ti = tableIndex.get(table);
    if (ti === undefined) {
      ti = tables.length;
      tables.push(table);
      tableIndex.set(table, ti);
    }
    ratOf[i] = ti;
    const imsi = opts.operatorMccMnc + String(imsiPerm.at(i)).padStart(msinLen, '0');
    const msisdn = cc + String(10 ** 8 + msisdnPerm.at(i));
    ids.write(`,${key}${luhnCheckDigit(key)},${imsi},${msisdn},`, i * width, 'latin1');
  }
  keys.clear();
  // every RAT list once, and per table the arena index of each of its lists
  const lists = [...new Set(tables.flatMap((t) => t.all))];
  const ratArena = new TextArena(lists);
  const listOf = tables.map((t) => Uint16Array.from(t.all, (l) => lists.indexOf(l)));

  // ---- rows, day by day ----
  const daily = rng.fork('days');
  const w = new ByteWriter(path);
  let written = 0;
  try {
    w.ascii(OBSERVATION_HEADER + '\n');
    const base = Math.floor(rows / days);
    const extra = rows - base * days;
    const date = Buffer.alloc(8);
    for (let d = 0; d < days; d++) {
      date.write(yyyymmdd(startDay + d), 0, 'latin1');
      let need = base + (d < extra ? 1 : 0);
      for (let i = 0; i < population && need > 0; i++) {
        if (daily.float() * (population - i) >= need) continue;
        need--;
        written++;
        w.copy(date, 0, 8);
        w.copy(ids, i * width, i * width + width);
        const ti = ratOf[i];
        ratArena.put(w, listOf[ti][tables[ti].pickIndex(daily.next())]);
        w.byte(10);
        if (w.pos >= w.limit) await w.flush();
      }
    }
  } finally {
    await w.close();
  }
  return { path, rows: written, subscribers: population, from: yyyymmdd(startDay), to: yyyymmdd(startDay + days - 1) };
}
