/**
 * Value rules for reference-list columns. Each parser returns the stored value (null for empty)
 * or throws a FieldRuleError whose `rule` is a stable name for reports.
 */
import { isCleanImsi, luhnValid, normaliseImei, parseImei, parseMsisdn } from '../identity/index.ts';

export class FieldRuleError extends Error {
  constructor(
    readonly rule: string,
    message: string,
  ) {
    super(message);
  }
}

export type FieldParser = (v: string) => string | null;

function allDigits(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

const fail = (rule: string, message: string): never => {
  throw new FieldRuleError(rule, message);
};

/** An IMEI a person uploaded: 14-16 digits, a 15th digit must be the Luhn check digit. Stored as the 14-digit key. */
export const imeiHuman: FieldParser = (v) => {
  // Fast path for the common case (15 clean digits, right check digit); parseImei says why otherwise.
  if (v.length === 15 && allDigits(v) && luhnValid(v)) return v.slice(0, 14);
  if (v.length === 14 && allDigits(v)) return v;
  const p = parseImei(v, { human: true });
  return p.ok ? p.key : fail(`imei_${p.rule}`, p.message);
};

/**
 * An IMEI as the network may send it, for lists that target what is seen (barred, monitoring,
 * golden): 1-16 hex characters, normalised by the DIRBS rule so malformed values can be listed too.
 */
export const imeiAny: FieldParser = (v) => {
  const t = v.trim();
  if (!/^[0-9A-Fa-f]{1,16}$/.test(t)) fail('imei_format', `"${t.slice(0, 40)}" is not an IMEI: 1 to 16 digits or hex characters expected`);
  return normaliseImei(t);
};

export const imsi: FieldParser = (v) => (isCleanImsi(v.trim()) ? v.trim() : fail('imsi_format', `"${v.slice(0, 40)}" is not an IMSI: 14 or 15 digits expected`));

export const msisdn: FieldParser = (v) => {
  const p = parseMsisdn(v.trim());
  return p.ok ? p.msisdn : fail(`msisdn_${p.rule}`, p.message);
};

export const tac: FieldParser = (v) => (/^\d{8}$/.test(v.trim()) ? v.trim() : fail('tac_format', `"${v.slice(0, 40)}" is not a TAC: 8 digits expected`));

/** A `YYYYMMDD` date, stored as `YYYY-MM-DD`; a real calendar day, not in the future. */
export const ymd: FieldParser = (v) => {
  const t = v.trim();
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(t);
  if (!m) return fail('date_format', `"${t.slice(0, 20)}" is not a date in the form YYYYMMDD`);
  const iso = `${m[1]}-${m[2]}-${m[3]}`;
  if (!isRealDay(iso)) fail('date_invalid', `${t} is not a calendar day`);
  if (iso > new Date().toISOString().slice(0, 10)) fail('date_future', `${t} is in the future`);
  return iso;
};

const MONTHS: Record<string, string> = {
  jan: '01', feb: '02', mar: '03', apr: '04', may: '05', jun: '06', jul: '07', aug: '08', sep: '09', oct: '10', nov: '11', dec: '12',
};

/** GSMA's `DD-Mon-YYYY` allocation date, stored as `YYYY-MM-DD`. */
export const gsmaDate: FieldParser = (v) => {
  const t = v.trim();
  const m = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(t);
  const month = m && MONTHS[m[2].toLowerCase()];
  if (!m || !month) return fail('date_format', `"${t.slice(0, 20)}" is not a date in the form DD-Mon-YYYY`);
  const iso = `${m[3]}-${month}-${m[1].padStart(2, '0')}`;
  return isRealDay(iso) ? iso : fail('date_invalid', `${t} is not a calendar day`);
};

function isRealDay(iso: string): boolean {
  const d = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === iso;
}

/** Free text, trimmed, at most `max` characters; empty is null. */
/** `v.trim()`, without a call in the common case of nothing to trim (hot path of every import). */
export function trimmed(v: string): string {
  return v.length > 0 && v.charCodeAt(0) > 32 && v.charCodeAt(v.length - 1) > 32 ? v : v.trim();
}

export const text =
  (max = 255): FieldParser =>
  (v) => {
    const t = trimmed(v);
    if (t.length > max) fail('too_long', `value is longer than ${max} characters`);
    return t === '' ? null : t;
  };

/** A list status word (`whitelist`, `blacklist`, `pending`, ...), lower-cased; empty is null. */
export const status: FieldParser = (v) => {
  const t = v.trim().toLowerCase();
  if (t === '') return null;
  return /^[a-z][a-z_ -]{0,31}$/.test(t) ? t : fail('status_format', `"${t.slice(0, 40)}" is not a status word`);
};

/** An identifier such as a national ID or a device id: printable, at most 64 characters. */
export const uid: FieldParser = (v) => {
  const t = v.trim();
  if (!/^[\x21-\x7e][\x20-\x7e]{0,63}$/.test(t)) fail('id_format', `"${t.slice(0, 40)}" is not an identifier (1-64 printable characters)`);
  return t;
};

/** An MD5 hex digest (a pre-hashed golden-list entry), lower-cased. */
export const md5hex: FieldParser = (v) => {
  const t = v.trim().toLowerCase().replace(/-/g, '');
  return /^[0-9a-f]{32}$/.test(t) ? t : fail('md5_format', `"${v.slice(0, 40)}" is not an MD5 digest (32 hex characters)`);
};

/** A latitude or longitude in decimal degrees, within ±`max`. */
export const coordinate =
  (max: number): FieldParser =>
  (v) => {
    const t = v.trim();
    const n = Number(t);
    if (!/^-?\d{1,3}(\.\d+)?$/.test(t) || Math.abs(n) > max) fail('coordinate', `"${t.slice(0, 20)}" is not a coordinate in degrees (±${max})`);
    return t;
  };
