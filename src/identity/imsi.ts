/**
 * IMSI (3GPP TS 23.003 §2.2): MCC (3 digits) + MNC (2 or 3) + MSIN, at most 15 digits.
 * The MCC+MNC prefix names the home operator. The MNC length cannot be read from the IMSI itself,
 * so it comes from a numbering plan (known operator prefixes, per-MCC lengths, or a default).
 * SUPI (TS 23.003 §2.2A, TS 29.571 `Supi`): `imsi-<digits>` carries an IMSI; `nai-`, `gci-`,
 * `gli-` are other subscriber identifiers.
 */

export type ImsiRule = 'empty' | 'non_digit' | 'length' | 'not_imsi' | 'supi_format';

export type ImsiParse =
  | { ok: true; imsi: string; mcc: string; mnc: string; msin: string }
  | { ok: false; rule: ImsiRule; message: string };

export interface NumberingPlan {
  /** MNC length when nothing more specific is known (default 2). */
  mncLength?: 2 | 3;
  /** MNC length per MCC, e.g. `{ '310': 3 }`. */
  mncLengthByMcc?: Record<string, 2 | 3>;
  /** Known MCC+MNC prefixes (5 or 6 digits); the longest one that prefixes the IMSI wins. */
  knownPrefixes?: string[];
}

function show(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

/** MNC length for an IMSI under a plan. Throws RangeError for a malformed known prefix. */
function mncLengthFor(imsi: string, plan: NumberingPlan): 2 | 3 {
  let best = '';
  for (const prefix of plan.knownPrefixes ?? []) {
    if (!/^[0-9]{5,6}$/.test(prefix)) {
      throw new RangeError(`MCC+MNC prefix must be 5 or 6 digits, got ${show(prefix)}`);
    }
    if (prefix.length > best.length && imsi.startsWith(prefix)) best = prefix;
  }
  if (best) return best.length === 6 ? 3 : 2;
  return plan.mncLengthByMcc?.[imsi.slice(0, 3)] ?? plan.mncLength ?? 2;
}

/** Parse a bare IMSI of 6..15 digits and split it into MCC, MNC and MSIN. */
export function parseImsi(imsi: string, plan: NumberingPlan = {}): ImsiParse {
  if (imsi === '') return { ok: false, rule: 'empty', message: 'No IMSI was given: the value is empty.' };
  if (!/^[0-9]+$/.test(imsi)) {
    return { ok: false, rule: 'non_digit', message: `IMSI ${show(imsi)} contains characters other than digits 0-9.` };
  }
  if (imsi.length < 6 || imsi.length > 15) {
    return {
      ok: false,
      rule: 'length',
      message: `IMSI ${show(imsi)} has ${imsi.length} digits; an IMSI has 6 to 15 digits (MCC, MNC and MSIN).`,
    };
  }
  const mncEnd = 3 + mncLengthFor(imsi, plan);
  return { ok: true, imsi, mcc: imsi.slice(0, 3), mnc: imsi.slice(3, mncEnd), msin: imsi.slice(mncEnd) };
}

/** DIRBS "clean IMSI" rule used by the observation quality gates: 14 or 15 digits. */
export function isCleanImsi(imsi: string): boolean {
  return /^[0-9]{14,15}$/.test(imsi);
}

/** Parse a SUPI; only the `imsi-` type carries an IMSI. */
export function parseSupi(supi: string, plan: NumberingPlan = {}): ImsiParse {
  if (supi === '') return { ok: false, rule: 'empty', message: 'No SUPI was given: the value is empty.' };
  if (supi.startsWith('imsi-')) return parseImsi(supi.slice(5), plan);
  const type = /^(nai|gci|gli)-/.exec(supi);
  if (type) {
    return {
      ok: false,
      rule: 'not_imsi',
      message: `SUPI ${show(supi)} is of type "${type[1]}", not an IMSI; only "imsi-<digits>" is supported.`,
    };
  }
  return {
    ok: false,
    rule: 'supi_format',
    message: `SUPI ${show(supi)} is not in a supported format: expected "imsi-" followed by 6 to 15 digits.`,
  };
}
