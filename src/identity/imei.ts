/**
 * IMEI and IMEISV identifiers (3GPP TS 23.003 §6.2).
 *
 * IMEI   = TAC (8 digits, GSMA-allocated; first 2 = reporting body) + SNR (6) + CD (1).
 * IMEISV = TAC + SNR + SVN (2-digit software version; 99 is reserved), no check digit.
 *
 * The key of a device throughout OpenCEIR is the 14-digit TAC+SNR. The network never sends a
 * real check digit (a handset may send a spare `0`), so network data is never rejected for a
 * wrong 15th digit; Luhn is enforced only for values a human typed (see `parseImei`).
 */
import { luhnCheckDigit, luhnValid } from './luhn.ts';

/** Largest 14-digit key + 1; far below 2^53, so keys convert to numbers exactly. */
const KEY_LIMIT = 1e14;

/** Quote a value for a message, escaping control characters and cutting very long input. */
function show(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

/**
 * DIRBS-compatible normalisation: trim, then if the value starts with 14 digits the key is those
 * 14 digits; otherwise the key is the upper-cased value, so malformed and hex identifiers survive
 * to be flagged as malformed rather than silently dropped. Idempotent.
 */
export function normaliseImei(raw: string): string {
  const trimmed = raw.trim();
  const head = /^[0-9]{14}/.exec(trimmed);
  return head ? head[0] : trimmed.toUpperCase();
}

/** True when `key` is exactly 14 ASCII digits (a well-formed TAC+SNR). */
export function isImeiKey(key: string): boolean {
  return /^[0-9]{14}$/.test(key);
}

/** The key as an exact integer (14 digits < 2^53), e.g. for typed-array sets. */
export function imeiKeyToNumber(key: string): number {
  if (!isImeiKey(key)) throw new RangeError(`IMEI key must be 14 digits, got ${show(key)}`);
  return Number(key);
}

/** Inverse of `imeiKeyToNumber`: the integer zero-padded to 14 digits. */
export function numberToImeiKey(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0 || n >= KEY_LIMIT) {
    throw new RangeError(`IMEI key number must be an integer in 0..99999999999999, got ${n}`);
  }
  return String(n).padStart(14, '0');
}

/** Type Allocation Code: the first 8 characters of a key. */
export function tacOf(key: string): string {
  return key.slice(0, 8);
}

/** GSMA reporting body of a TAC: its first 2 characters (e.g. `35`, `86`). */
export function reportingBodyOf(tac: string): string {
  return tac.slice(0, 2);
}

/** Stable failure codes of `parseImei`. */
export type ImeiRule = 'empty' | 'non_digit' | 'length' | 'check_digit' | 'imeisv_svn_reserved';

export type ImeiParse =
  | {
      ok: true;
      /** 14-digit TAC+SNR. */
      key: string;
      tac: string;
      snr: string;
      form: 'imei14' | 'imei15' | 'imeisv';
      /** The 15th digit as given (form `imei15` only). */
      checkDigit?: number;
      /** Whether that 15th digit is the Luhn check digit (form `imei15` only). */
      checkDigitValid?: boolean;
      /** Software version number (form `imeisv` only). */
      svn?: string;
    }
  | { ok: false; rule: ImeiRule; message: string };

export interface ParseImeiOptions {
  /**
   * The value was typed or uploaded by a person: strip a leading `IMEI`/`IMEI:` label, spaces,
   * dashes and dots, and refuse a 15-digit value whose check digit is wrong.
   */
  human?: boolean;
}

/** Remove the formatting people add when copying an IMEI from a box or a `*#06#` screen. */
function stripHumanFormatting(value: string): string {
  return value.replace(/^IMEI\s*:?/i, '').replace(/[\s.-]/g, '');
}

/**
 * Parse an IMEI (14 or 15 digits) or IMEISV (16 digits).
 * Network data (default): a 15th digit is accepted whatever it is, `checkDigitValid` reports it.
 * Human input (`human: true`): formatting is stripped and a wrong check digit is an error.
 */
export function parseImei(input: string, opts: ParseImeiOptions = {}): ImeiParse {
  const given = input.trim();
  const value = opts.human ? stripHumanFormatting(given) : given;
  if (value === '') return { ok: false, rule: 'empty', message: 'No IMEI was given: the value is empty.' };
  if (!/^[0-9]+$/.test(value)) {
    const what = opts.human ? 'characters other than digits, spaces, dashes and dots' : 'characters other than digits 0-9';
    return { ok: false, rule: 'non_digit', message: `IMEI ${show(given)} contains ${what}.` };
  }
  if (value.length < 14 || value.length > 16) {
    return {
      ok: false,
      rule: 'length',
      message:
        `IMEI ${show(given)} has ${value.length} digits; an IMEI has 14 digits (TAC and serial number), ` +
        '15 with the check digit, or 16 for an IMEISV.',
    };
  }
  const key = value.slice(0, 14);
  const base = { ok: true as const, key, tac: key.slice(0, 8), snr: key.slice(8, 14) };
  if (value.length === 14) return { ...base, form: 'imei14' };
  if (value.length === 15) {
    const checkDigit = value.charCodeAt(14) - 48;
    const checkDigitValid = luhnValid(value);
    if (opts.human && !checkDigitValid) {
      return {
        ok: false,
        rule: 'check_digit',
        message:
          `IMEI ${show(given)} has a wrong check digit: the last digit should be ${luhnCheckDigit(key)}, ` +
          `not ${checkDigit}. Please check the number for a typing mistake.`,
      };
    }
    return { ...base, form: 'imei15', checkDigit, checkDigitValid };
  }
  const svn = value.slice(14, 16);
  if (svn === '99') {
    return {
      ok: false,
      rule: 'imeisv_svn_reserved',
      message: `IMEISV ${show(given)} has software version number 99, which TS 23.003 reserves for future use.`,
    };
  }
  return { ...base, form: 'imeisv', svn };
}
