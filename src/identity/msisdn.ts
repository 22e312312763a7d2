/**
 * MSISDN (3GPP TS 23.003 §3.3): an E.164 number, at most 15 digits, kept as digits only in
 * international format (country code first, no `+`). GPSI (TS 29.571 `Gpsi`): `msisdn-<digits>`
 * carries an MSISDN; `extid-` is an external identifier.
 */

export type MsisdnRule = 'empty' | 'non_digit' | 'length' | 'not_msisdn' | 'gpsi_format';

export type MsisdnParse = { ok: true; msisdn: string } | { ok: false; rule: MsisdnRule; message: string };

function show(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

/** Parse an MSISDN: one leading `+` or `00` international prefix is stripped; 1..15 digits remain. */
export function parseMsisdn(s: string): MsisdnParse {
  const digits = s.startsWith('+') ? s.slice(1) : s.startsWith('00') ? s.slice(2) : s;
  if (digits === '') return { ok: false, rule: 'empty', message: `No MSISDN was given: the value ${show(s)} is empty.` };
  if (!/^[0-9]+$/.test(digits)) {
    return { ok: false, rule: 'non_digit', message: `MSISDN ${show(s)} contains characters other than digits 0-9.` };
  }
  if (digits.length > 15) {
    return {
      ok: false,
      rule: 'length',
      message: `MSISDN ${show(s)} has ${digits.length} digits; an E.164 number has at most 15.`,
    };
  }
  return { ok: true, msisdn: digits };
}

/** Parse a GPSI; only the `msisdn-` type carries an MSISDN. */
export function parseGpsi(gpsi: string): MsisdnParse {
  if (gpsi === '') return { ok: false, rule: 'empty', message: 'No GPSI was given: the value is empty.' };
  if (gpsi.startsWith('msisdn-')) return parseMsisdn(gpsi.slice(7));
  if (gpsi.startsWith('extid-')) {
    return {
      ok: false,
      rule: 'not_msisdn',
      message: `GPSI ${show(gpsi)} is an external identifier, not an MSISDN; only "msisdn-<digits>" is supported.`,
    };
  }
  return {
    ok: false,
    rule: 'gpsi_format',
    message: `GPSI ${show(gpsi)} is not in a supported format: expected "msisdn-" followed by up to 15 digits.`,
  };
}

/**
 * The country calling code (ITU-T E.164) an MSISDN starts with: the longest of `callingCodes`
 * that prefixes it, as digits (a leading `+` in the list is ignored; empty codes never match).
 */
export function countryCodeOf(msisdn: string, callingCodes: string[]): string | undefined {
  let best: string | undefined;
  for (const code of callingCodes) {
    const digits = code.startsWith('+') ? code.slice(1) : code;
    if (digits !== '' && msisdn.startsWith(digits) && (best === undefined || digits.length > best.length)) {
      best = digits;
    }
  }
  return best;
}
