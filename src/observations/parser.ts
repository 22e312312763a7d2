/**
 * The operator-file parser: `date,imei,imsi,msisdn,rat[,cell_id][,svn]` rows turned into
 * normalised observations and the counts the quality gates need, in one pass.
 *
 * Purpose-built for the hot path of national ingestion (bench/ingest): bytes are read as latin1
 * (one char per byte, no UTF-8 decoding) when a chunk is ASCII, as nearly all are; UTF-8 validity is checked
 * natively per chunk, and a row costs one `split`. csv-parse reads the same files at roughly a
 * quarter of this rate (bench/ingest).
 */
import { isAscii, isUtf8 } from 'node:buffer';
import type { Readable } from 'node:stream';
import type { CountryProfile, Operator } from '../config/profile.ts';
import { splitQuoted } from '../io/csv-reader.ts';
import { InputError } from '../io/input-error.ts';
import { dayNumber } from './days.ts';
import type { FilePeriod } from './file-name.ts';
import { Hll } from './hll.ts';
import { ratMask } from './rat.ts';
import { decimalValue } from './triplet-table.ts';

/** One observation, reused between rows: copy what you keep. */
export interface Observation {
  line: number;
  day: number;
  /** The DIRBS-normalised IMEI: 14 digits, or the upper-cased raw value when malformed. */
  imei: string;
  imsi: string | null;
  msisdn: string | null;
  /** The identifiers as numbers where they round-trip exactly (see decimalValue), else -1. */
  imeiNum: number;
  imsiNum: number;
  msisdnNum: number;
  rat: number;
  cell: string | null;
  svn: string | null;
}

export interface DayVolume {
  rows: number;
  imei: Hll;
  imsi: Hll;
  msisdn: Hll;
}

export interface ObservationCounts {
  rows: number;
  /** Rows kept: a date inside the period and an IMEI. */
  kept: number;
  date_out_of_range: number;
  null_imei: number;
  null_imsi: number;
  null_msisdn: number;
  null_rat: number;
  unclean_imei: number;
  unclean_imsi: number;
  unknown_rat: number;
  foreign_imsi: number;
  foreign_msisdn: number;
  other_operator_imsi: number;
  /** Per day number: rows and distinct-count sketches. */
  days: Map<number, DayVolume>;
  hasLocation: boolean;
  hasSoftwareVersion: boolean;
}

export interface ParseOptions {
  file: string;
  period: FilePeriod;
  /** Day number of today: later dates are refused as out of range. */
  today: number;
  profile: CountryProfile;
  operator: Operator;
  maxLineBytes: number;
  onRow: (o: Observation) => void;
}

const COLUMNS = ['date', 'imei', 'imsi', 'msisdn', 'rat'] as const;
// No prototype: a column named "constructor" or "toString" must be unknown, not an inherited truthy entry.
const OPTIONAL: Record<string, 'cell_id' | 'svn'> = Object.assign(Object.create(null), { cell_id: 'cell_id', cell: 'cell_id', location_id: 'cell_id', svn: 'svn', software_version: 'svn' });

export function emptyCounts(): ObservationCounts {
  return {
    rows: 0, kept: 0, date_out_of_range: 0, null_imei: 0, null_imsi: 0, null_msisdn: 0, null_rat: 0, unclean_imei: 0,
    unclean_imsi: 0, unknown_rat: 0, foreign_imsi: 0, foreign_msisdn: 0, other_operator_imsi: 0, days: new Map(),
    hasLocation: false, hasSoftwareVersion: false,
  };
}

function headerIndex(fields: string[], file: string) {
  const names = fields.map((f) => f.trim().toLowerCase());
  const at = (n: string) => names.indexOf(n);
  const expected = `${COLUMNS.join(',')} (then optionally cell_id, svn)`;
  for (const [i, n] of names.entries()) {
    if (!(COLUMNS as readonly string[]).includes(n) && !OPTIONAL[n]) {
      if (fields.length === 1 && /[|;\t]/.test(fields[0])) {
        throw new InputError({ file, line: 1, rule: 'header', message: `operator files are comma-separated; this header is not: expected ${expected}` });
      }
      throw new InputError({ file, line: 1, column: fields[i], rule: 'header', message: `unknown column "${fields[i].slice(0, 40)}"; expected ${expected}` });
    }
    // two aliases of one optional column (cell_id and location_id) are a duplicate too
    const first = OPTIONAL[n] ? names.findIndex((m) => OPTIONAL[m] === OPTIONAL[n]) : names.indexOf(n);
    if (first !== i) {
      const message = names[first] === n ? `column "${n}" appears twice` : `columns "${names[first]}" and "${n}" are both the ${OPTIONAL[n]} column`;
      throw new InputError({ file, line: 1, column: fields[i], rule: 'header', message });
    }
  }
  const missing = COLUMNS.filter((c) => at(c) < 0);
  if (missing.length) throw new InputError({ file, line: 1, rule: 'header', message: `missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; expected ${expected}` });
  const opt = (kind: 'cell_id' | 'svn') => names.findIndex((n) => OPTIONAL[n] === kind);
  return { date: at('date'), imei: at('imei'), imsi: at('imsi'), msisdn: at('msisdn'), rat: at('rat'), cell: opt('cell_id'), svn: opt('svn'), width: names.length };
}

function isDigits(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Parse a whole operator file; `onRow` sees every kept observation, the counts are returned. */
export async function parseObservations(stream: Readable, opts: ParseOptions): Promise<ObservationCounts> {
  const counts = emptyCounts();
  for await (const _ of parseObservationChunks(stream, opts, counts));
  return counts;
}

/**
 * The same, yielding after each chunk read (about 1 MiB) so that a consumer can drain what
 * `onRow` accumulated; `counts` is complete when the generator is done.
 */
export async function* parseObservationChunks(stream: Readable, opts: ParseOptions, counts: ObservationCounts): AsyncGenerator<void> {
  const { file, period, today, onRow } = opts;
  const countryMcc = new Set(opts.profile.country.mcc);
  const callingCodes = opts.profile.country.calling_codes;
  const opPrefixes = opts.operator.mcc_mnc;
  const obs: Observation = { line: 0, day: 0, imei: '', imsi: null, msisdn: null, imeiNum: -1, imsiNum: -1, msisdnNum: -1, rat: 0, cell: null, svn: null };
  // RAT lists repeat: remember the masks of the ones seen (a few dozen distinct values at most).
  const ratCache = new Map<string, number>();
  let col: ReturnType<typeof headerIndex> | undefined;
  let lineNo = 0;
  let lastDateText = '';
  let lastDay = 0;
  let lastDayVolume: DayVolume | undefined;
  let carry: Buffer | null = null;

  const refuse = (line: number, rule: string, message: string, column?: string): never => {
    throw new InputError({ file, line, column, rule, message });
  };

  const row = (fields: string[]) => {
    const line = lineNo;
    if (!col) {
      col = headerIndex(fields, file);
      counts.hasLocation = col.cell >= 0;
      counts.hasSoftwareVersion = col.svn >= 0;
      return;
    }
    if (fields.length !== col.width) refuse(line, 'field_count', `expected ${col.width} fields, found ${fields.length}`);
    counts.rows++;
    const dateText = fields[col.date];
    if (dateText !== lastDateText) {
      const d = dayNumber(dateText);
      if (d === null) refuse(line, 'date_format', `"${dateText.slice(0, 20)}" is not a date in the form YYYYMMDD`, 'date');
      lastDateText = dateText;
      lastDay = d!;
      lastDayVolume = undefined;
    }
    const day = lastDay;
    const imeiRaw = fields[col.imei];
    const imsi = fields[col.imsi];
    const msisdn = fields[col.msisdn];
    const ratText = fields[col.rat];
    let rat = 0;
    if (ratText === '') counts.null_rat++;
    else {
      rat = ratCache.get(ratText) ?? -2;
      if (rat === -2) {
        rat = ratMask(ratText);
        if (ratCache.size < 1024) ratCache.set(ratText, rat);
      }
      if (rat < 0) {
        counts.unknown_rat++;
        rat = 0;
      }
    }
    if (imsi === '') counts.null_imsi++;
    else if (imsi.length < 14 || imsi.length > 15 || !isDigits(imsi, 0, imsi.length)) counts.unclean_imsi++;
    else {
      if (!countryMcc.has(imsi.slice(0, 3))) counts.foreign_imsi++;
      let ours = false;
      for (const p of opPrefixes) if (imsi.startsWith(p)) ours = true;
      if (!ours) counts.other_operator_imsi++;
    }
    if (msisdn === '') counts.null_msisdn++;
    else {
      let home = false;
      for (const c of callingCodes) if (msisdn.startsWith(c)) home = true;
      if (!home) counts.foreign_msisdn++;
    }
    if (day < period.start || day > period.end || day > today) {
      counts.date_out_of_range++;
      return;
    }
    if (imeiRaw === '') {
      counts.null_imei++;
      return;
    }
    let imei = imeiRaw;
    let imeiNum = -1;
    if (imeiRaw.length >= 14) {
      imei = imeiRaw.length === 14 ? imeiRaw : imeiRaw.slice(0, 14);
      imeiNum = decimalValue(imei, true);
    }
    if (imeiNum < 0) {
      imei = imeiRaw.toUpperCase();
      counts.unclean_imei++;
    }
    let vol = lastDayVolume;
    if (!vol) {
      vol = counts.days.get(day);
      if (!vol) counts.days.set(day, (vol = { rows: 0, imei: new Hll(), imsi: new Hll(), msisdn: new Hll() }));
      lastDayVolume = vol;
    }
    const imsiNum = imsi === '' ? -1 : decimalValue(imsi);
    const msisdnNum = msisdn === '' ? -1 : decimalValue(msisdn);
    vol.rows++;
    if (imeiNum >= 0) vol.imei.addNumber(imeiNum);
    else vol.imei.add(imei);
    if (imsiNum >= 0) vol.imsi.addNumber(imsiNum);
    else if (imsi !== '') vol.imsi.add(imsi);
    if (msisdnNum >= 0) vol.msisdn.addNumber(msisdnNum);
    else if (msisdn !== '') vol.msisdn.add(msisdn);
    counts.kept++;
    obs.line = line;
    obs.day = day;
    obs.imei = imei;
    obs.imeiNum = imeiNum;
    obs.imsi = imsi === '' ? null : imsi;
    obs.imsiNum = imsiNum;
    obs.msisdn = msisdn === '' ? null : msisdn;
    obs.msisdnNum = msisdnNum;
    obs.rat = rat;
    obs.cell = col.cell >= 0 && fields[col.cell] !== '' ? fields[col.cell] : null;
    obs.svn = col.svn >= 0 && fields[col.svn] !== '' ? fields[col.svn] : null;
    onRow(obs);
  };

  // Fields of the current row, reused: the fast path slices them straight out of the chunk text
  // (no per-line substring, no array from split: split was a third of the parse time).
  const fields: string[] = [];
  const lines = (text: string, final: boolean): number => {
    let pos = 0;
    const quoted = text.indexOf('"') >= 0;
    while (true) {
      let nl = text.indexOf('\n', pos);
      if (nl < 0) {
        if (!final || pos >= text.length) break;
        nl = text.length;
      }
      lineNo++;
      const end = nl > pos && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      if (end - pos > opts.maxLineBytes) refuse(lineNo, 'line_too_long', `line is longer than ${opts.maxLineBytes} characters`);
      if (end > pos) {
        if (!col || quoted) {
          const line = text.slice(pos, end);
          const parts = line.includes('"') ? splitQuoted(line, ',', file, lineNo) : line.split(',');
          if (parts === null) refuse(lineNo, 'unterminated_quote', 'a quoted field is never closed (operator files have no multi-line fields)');
          row(parts!);
        } else {
          let p = pos;
          let n = 0;
          for (; n < col.width; n++) {
            const c = text.indexOf(',', p);
            if (c < 0 || c >= end) break;
            fields[n] = text.slice(p, c);
            p = c + 1;
          }
          fields[n++] = text.slice(p, end);
          fields.length = n;
          row(fields);
        }
      }
      pos = nl + 1;
    }
    return pos;
  };

  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let buf: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
      if (lineNo === 0 && buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
      const cut = buf.lastIndexOf(10) + 1;
      if (cut === 0) {
        if (buf.length > opts.maxLineBytes) refuse(lineNo + 1, 'line_too_long', `line is longer than ${opts.maxLineBytes} characters`);
        carry = buf;
        continue;
      }
      checkText(buf.subarray(0, cut));
      lines(decode(buf.subarray(0, cut)), false);
      carry = cut < buf.length ? buf.subarray(cut) : null;
      yield;
    }
    if (carry) {
      checkText(carry);
      lines(decode(carry), true);
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    const why = (e as NodeJS.ErrnoException).code?.startsWith('Z_') ? 'the compressed data is damaged or truncated' : 'the file could not be read';
    throw new InputError({ file, line: lineNo || undefined, rule: 'unreadable', message: `${why} (${(e as Error).message})` });
  }
  if (!col) refuse(1, 'empty', `the file is empty: a header line is expected (${COLUMNS.join(',')})`);

  function checkText(b: Buffer): void {
    const nul = b.indexOf(0);
    if (nul >= 0) refuse(lineNo + countNl(b, nul) + 1, 'binary', 'binary data (NUL byte): this is not a CSV text file');
    if (!isUtf8(b)) {
      let i = 0;
      while (i < b.length && isUtf8(b.subarray(0, b.indexOf(10, i) + 1 || b.length))) i = b.indexOf(10, i) + 1 || b.length;
      refuse(lineNo + countNl(b, i) + 1, 'encoding', 'invalid UTF-8 byte sequence: the file must be UTF-8 text');
    }
  }
}

/**
 * Text of a chunk. ASCII (nearly every operator file) decodes fastest as latin1; anything else is
 * read as the UTF-8 it is, or a cell id "Zürich" would be stored as "ZÃ¼rich".
 */
function decode(b: Buffer): string {
  return isAscii(b) ? b.toString('latin1') : b.toString('utf8');
}

function countNl(b: Buffer, upTo: number): number {
  let n = 0;
  for (let i = b.indexOf(10); i >= 0 && i < upTo; i = b.indexOf(10, i + 1)) n++;
  return n;
}
