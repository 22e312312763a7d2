/**
 * Partial aggregation of observations before they reach the database: one entry per month,
 * IMEI, IMSI and MSISDN with first and last day and a day-of-month bitmask, plus per-IMEI
 * locations and software versions. The maps are bounded: when one is full it is flushed as
 * COPY rows and emptied, and the database merges partial entries (bitwise OR, min / max), so
 * memory does not grow with the file.
 */
import { copyText } from '../store/db.ts';
import { monthOf } from './days.ts';
import type { Observation } from './parser.ts';
import { decimalValue, TripletTable } from './triplet-table.ts';

interface Entry {
  first: number;
  last: number;
  bits: number;
  rat: number;
}

/** COPY columns of `obs_stage`. */
export const STAGE_COLUMNS = 'kind, month, imei_norm, imsi, msisdn, cell_id, svn, first_day, last_day, date_bits, rat_bits';

export const STAGE_TABLE = `CREATE TEMP TABLE obs_stage (
  kind "char" NOT NULL, month integer, imei_norm text NOT NULL, imsi text, msisdn text, cell_id text, svn text,
  first_day integer NOT NULL, last_day integer NOT NULL, date_bits integer NOT NULL, rat_bits integer NOT NULL
) ON COMMIT DROP`;

// Map keys join values with characters no value can hold: the parser refuses NUL bytes, and an
// empty IMSI or MSISDN is null. (U+0001 / U+0002 did not: a hostile field split into the next column.)
const SEP = '\u0000';
const NULL = '';

/** Stands for a missing IMSI or MSISDN in the numeric table. */
const ABSENT = -2;

export class Aggregator {
  /** Numeric identifiers (nearly all rows), one table per month. */
  private readonly tables = new Map<number, TripletTable>();
  /**
   * Locations (IMEI, cell) per month and software versions (IMEI, SVN) in the same kind of
   * table: cells are interned to small numbers, SVNs are two digits. With string-keyed maps these
   * columns held a realistic import to about 0.2 M rows/s.
   */
  private readonly locationTables = new Map<number, TripletTable>();
  private versionTable: TripletTable | undefined;
  private readonly cellIds = new Map<string, number>();
  private readonly cellNames: string[] = [];
  /** The rest: malformed or non-numeric identifiers. */
  private readonly triplets = new Map<string, Entry>();
  private readonly locations = new Map<string, Entry>();
  private readonly versions = new Map<string, Entry>();
  private monthCache = { day: -1, month: 0, bit: 0 };
  /** Entries written out so far (rows of the stage table). */
  flushed = 0;

  constructor(
    private readonly maxEntries = 1_000_000,
    private readonly tableLog2 = 20,
  ) {}

  add(o: Observation): void {
    const c = this.monthCache;
    if (o.day !== c.day) {
      const m = monthOf(o.day);
      this.monthCache = { day: o.day, month: m.month, bit: 1 << (m.dom - 1) };
    }
    const { month, bit } = this.monthCache;
    const imsi = o.imsi === null ? ABSENT : o.imsiNum;
    const msisdn = o.msisdn === null ? ABSENT : o.msisdnNum;
    if (o.imeiNum >= 0 && imsi !== -1 && msisdn !== -1) {
      let table = this.tables.get(month);
      if (!table) this.tables.set(month, (table = new TripletTable(this.tableLog2)));
      table.add(o.imeiNum, imsi, msisdn, o.day, bit, o.rat);
    } else upsert(this.triplets, `${month}${SEP}${o.imei}${SEP}${o.imsi ?? NULL}${SEP}${o.msisdn ?? NULL}`, o.day, bit, o.rat);
    if (o.cell !== null) {
      let cell = this.cellIds.get(o.cell);
      if (cell === undefined && o.imeiNum >= 0 && this.cellNames.length < MAX_CELLS) {
        cell = this.cellNames.length;
        this.cellNames.push(o.cell);
        this.cellIds.set(o.cell, cell);
      }
      if (o.imeiNum >= 0 && cell !== undefined) {
        let table = this.locationTables.get(month);
        if (!table) this.locationTables.set(month, (table = new TripletTable(this.tableLog2)));
        table.add(o.imeiNum, cell, 0, o.day, bit, 0);
      } else upsert(this.locations, `${month}${SEP}${o.imei}${SEP}${o.cell}`, o.day, bit, 0);
    }
    if (o.svn !== null) {
      const svn = o.svn.length === 2 ? decimalValue(o.svn, true) : -1;
      if (o.imeiNum >= 0 && svn >= 0) (this.versionTable ??= new TripletTable(this.tableLog2)).add(o.imeiNum, svn, 0, o.day, 0, 0);
      else upsert(this.versions, `${o.imei}${SEP}${o.svn}`, o.day, 0, 0);
    }
  }

  private *numericTables(): Generator<TripletTable> {
    yield* this.tables.values();
    yield* this.locationTables.values();
    if (this.versionTable) yield this.versionTable;
  }

  get size(): number {
    let n = this.triplets.size + this.locations.size + this.versions.size;
    for (const t of this.numericTables()) n += t.size;
    return n;
  }

  full(): boolean {
    for (const t of this.numericTables()) if (t.full()) return true;
    return this.triplets.size + this.locations.size + this.versions.size >= this.maxEntries;
  }

  /**
   * Everything held, as COPY text for `obs_stage` in chunks of about `CHUNK_ROWS` rows (so that
   * draining a full table never holds it all as text at once); the tables and maps are emptied.
   */
  *drainChunks(): Generator<string> {
    let out: string[] = [];
    const flush = () => {
      this.flushed += out.length;
      const text = out.join('');
      out = [];
      return text;
    };
    const id = (v: number) => (v === ABSENT ? '\\N' : String(v));
    for (const [month, table] of this.tables) {
      for (let from = 0; from < table.capacity; from += CHUNK_SLOTS) {
        table.drainRange(from, from + CHUNK_SLOTS, (imei, imsi, msisdn, first, last, bits, rat) => {
          out.push(`t\t${month}\t${String(imei).padStart(14, '0')}\t${id(imsi)}\t${id(msisdn)}\t\\N\t\\N\t${first}\t${last}\t${bits}\t${rat}\n`);
        });
        if (out.length >= CHUNK_ROWS) yield flush();
      }
    }
    const key = (imei: number) => String(imei).padStart(14, '0');
    for (const [month, table] of this.locationTables) {
      for (let from = 0; from < table.capacity; from += CHUNK_SLOTS) {
        table.drainRange(from, from + CHUNK_SLOTS, (imei, cell, _z, first, last, bits) => {
          out.push(`l\t${month}\t${key(imei)}\t\\N\t\\N\t${copyText(this.cellNames[cell])}\t\\N\t${first}\t${last}\t${bits}\t0\n`);
        });
        if (out.length >= CHUNK_ROWS) yield flush();
      }
    }
    const versions = this.versionTable;
    for (let from = 0; versions && from < versions.capacity; from += CHUNK_SLOTS) {
      versions.drainRange(from, from + CHUNK_SLOTS, (imei, svn, _z, first, last) => {
        out.push(`s\t\\N\t${key(imei)}\t\\N\t\\N\t\\N\t${String(svn).padStart(2, '0')}\t${first}\t${last}\t0\t0\n`);
      });
      if (out.length >= CHUNK_ROWS) yield flush();
    }
    for (const [k, e] of this.triplets) {
      const [month, imei, imsi, msisdn] = k.split(SEP);
      out.push(`t\t${month}\t${copyText(imei)}\t${imsi === NULL ? '\\N' : copyText(imsi)}\t${msisdn === NULL ? '\\N' : copyText(msisdn)}\t\\N\t\\N\t${e.first}\t${e.last}\t${e.bits}\t${e.rat}\n`);
      if (out.length >= CHUNK_ROWS) yield flush();
    }
    for (const [k, e] of this.locations) {
      const [month, imei, cell] = k.split(SEP);
      out.push(`l\t${month}\t${copyText(imei)}\t\\N\t\\N\t${copyText(cell)}\t\\N\t${e.first}\t${e.last}\t${e.bits}\t0\n`);
      if (out.length >= CHUNK_ROWS) yield flush();
    }
    for (const [k, e] of this.versions) {
      const [imei, svn] = k.split(SEP);
      out.push(`s\t\\N\t${copyText(imei)}\t\\N\t\\N\t\\N\t${copyText(svn)}\t${e.first}\t${e.last}\t0\t0\n`);
      if (out.length >= CHUNK_ROWS) yield flush();
    }
    this.triplets.clear();
    this.locations.clear();
    this.versions.clear();
    if (out.length) yield flush();
  }

  /** Everything held as one COPY text (small aggregators, tests). */
  drain(): string {
    return [...this.drainChunks()].join('');
  }
}

const CHUNK_ROWS = 16_384;
/** Distinct cell ids interned per import; beyond, locations go to the string-keyed map. */
const MAX_CELLS = 4_000_000;

const CHUNK_SLOTS = 1 << 16;

function upsert(map: Map<string, Entry>, key: string, day: number, bit: number, rat: number): void {
  const e = map.get(key);
  if (e === undefined) {
    map.set(key, { first: day, last: day, bits: bit, rat });
    return;
  }
  if (day < e.first) e.first = day;
  if (day > e.last) e.last = day;
  e.bits |= bit;
  e.rat |= rat;
}
