/**
 * 5G Permanent Equipment Identifier (3GPP TS 29.571 §5.3.2 `Pei`, TS 23.003 §6.4).
 *
 * Forms: `imei-<15 digits>`, `imeisv-<16 digits>`, `mac-xx-xx-xx-xx-xx-xx` with an optional
 * `-untrusted` suffix, and `eui-<8 hex pairs>`. The OpenAPI pattern also admits any string, so the
 * 5G-EIR validates the value itself and answers 400 with the `reason` given here. Prefixes are
 * lower case as in the schema; hex digits are case-insensitive. The 15th digit of `imei-` is not
 * Luhn-checked: it is network data.
 */

export type PeiParse =
  | { ok: true; kind: 'imei' | 'imeisv'; key: string; tac: string; svn?: string; raw: string }
  /** `mac` is lower-case hex pairs joined by `-`. */
  | { ok: true; kind: 'mac'; mac: string; untrusted: boolean; raw: string }
  /** `eui` is lower-case hex pairs joined by `-`. */
  | { ok: true; kind: 'eui'; eui: string; raw: string }
  | { ok: false; reason: string };

const IMEI = /^imei-([0-9]{15})$/;
const IMEISV = /^imeisv-([0-9]{16})$/;
const MAC = /^mac-((?:[0-9A-Fa-f]{2}-){5}[0-9A-Fa-f]{2})(-untrusted)?$/;
const EUI = /^eui-((?:[0-9A-Fa-f]{2}-){7}[0-9A-Fa-f]{2})$/;

function show(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

/** Parse a PEI; failures carry a sentence fit for a 3GPP `invalidParams[].reason`. */
export function parsePei(pei: string): PeiParse {
  const raw = pei;
  if (pei === '') return { ok: false, reason: 'The PEI is empty.' };
  let m = IMEI.exec(pei);
  if (m) {
    const key = m[1].slice(0, 14);
    return { ok: true, kind: 'imei', key, tac: key.slice(0, 8), raw };
  }
  m = IMEISV.exec(pei);
  if (m) {
    const key = m[1].slice(0, 14);
    const svn = m[1].slice(14);
    if (svn === '99') {
      return { ok: false, reason: `PEI ${show(pei)} has software version number 99, which TS 23.003 reserves.` };
    }
    return { ok: true, kind: 'imeisv', key, tac: key.slice(0, 8), svn, raw };
  }
  m = MAC.exec(pei);
  if (m) return { ok: true, kind: 'mac', mac: m[1].toLowerCase(), untrusted: m[2] !== undefined, raw };
  m = EUI.exec(pei);
  if (m) return { ok: true, kind: 'eui', eui: m[1].toLowerCase(), raw };

  const expected: [string, string][] = [
    ['imeisv-', '"imeisv-" must be followed by exactly 16 digits'],
    ['imei-', '"imei-" must be followed by exactly 15 digits'],
    ['mac-', '"mac-" must be followed by 6 hex pairs separated by "-", optionally ending "-untrusted"'],
    ['eui-', '"eui-" must be followed by 8 hex pairs separated by "-"'],
  ];
  for (const [prefix, rule] of expected) {
    if (pei.startsWith(prefix)) return { ok: false, reason: `PEI ${show(pei)} is malformed: ${rule}.` };
  }
  return {
    ok: false,
    reason:
      `PEI ${show(pei)} is not in a supported format: expected imei-<15 digits>, imeisv-<16 digits>, ` +
      'mac-xx-xx-xx-xx-xx-xx[-untrusted] or eui-<8 hex pairs>.',
  };
}
