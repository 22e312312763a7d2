/**
 * Small text helpers shared by the generator's writers: CSV quoting and date formats.
 * All dates are handled as UTC day numbers (days since 1970-01-01) so nothing depends on the
 * machine's time zone or on the current time.
 */

/** A CSV field, quoted (RFC 4180) only when it holds a comma, quote or line break. */
export function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** One CSV line (with its trailing newline). */
export function csvLine(fields: readonly string[]): string {
  return fields.map(csvField).join(',') + '\n';
}

const MS_PER_DAY = 86_400_000;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/** Day number of an ISO `YYYY-MM-DD` date. */
export function dayOf(iso: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) throw new RangeError(`expected YYYY-MM-DD, got "${iso}"`);
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const day = t / MS_PER_DAY;
  if (isoOf(day) !== iso) throw new RangeError(`not a calendar date: "${iso}"`);
  return day;
}

/** Day number of 1 January of a year. */
export function dayOfYearStart(year: number): number {
  return Date.UTC(year, 0, 1) / MS_PER_DAY;
}

/** `YYYY-MM-DD` of a day number. */
export function isoOf(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/** `YYYYMMDD` of a day number (operator files, stolen list reporting dates). */
export function yyyymmdd(day: number): string {
  return isoOf(day).replace(/-/g, '');
}

/** GSMA `DD-Mon-YYYY` (e.g. `05-Mar-2019`) of a day number. */
export function gsmaDate(day: number): string {
  const d = new Date(day * MS_PER_DAY);
  return `${String(d.getUTCDate()).padStart(2, '0')}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()}`;
}

/** Parse a GSMA `DD-Mon-YYYY` date to a day number, or undefined when it is not one. */
export function parseGsmaDate(s: string): number | undefined {
  const m = /^(\d{2})-([A-Z][a-z]{2})-(\d{4})$/.exec(s);
  if (!m) return undefined;
  const month = (MONTHS as readonly string[]).indexOf(m[2]);
  if (month < 0) return undefined;
  const day = Date.UTC(Number(m[3]), month, Number(m[1])) / MS_PER_DAY;
  return gsmaDate(day) === s ? day : undefined;
}

/** `DEV000123`: the device_id that groups the IMEIs of one multi-SIM device. */
export function deviceIdOf(n: number): string {
  return `DEV${String(n).padStart(6, '0')}`;
}
