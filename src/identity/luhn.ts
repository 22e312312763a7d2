/**
 * Luhn check digit of an IMEI (TS 23.003 annex B) over the 14 digits TAC+SNR.
 * D1 is the last SNR digit: D1, D3, ... D13 are doubled, the digits of the products summed
 * with D2, D4, ... D14; CD = (10 - sum mod 10) mod 10.
 *
 * Written over char codes without regular expressions: it runs once per row of every
 * uploaded list (bench/reference-import).
 */

/** Check digit of the first 14 characters of `s`, or -1 if one of them is not a digit. */
function checkDigitOf(s: string): number {
  let sum = 0;
  for (let i = 0; i < 14; i++) {
    let d = s.charCodeAt(13 - i) - 48;
    if (d < 0 || d > 9) return -1;
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

export function luhnCheckDigit(digits14: string): number {
  const cd = digits14.length === 14 ? checkDigitOf(digits14) : -1;
  if (cd < 0) throw new RangeError(`Luhn needs 14 digits, got "${digits14}"`);
  return cd;
}

/** True when a 15-digit IMEI carries the right Luhn check digit. */
export function luhnValid(digits15: string): boolean {
  if (digits15.length !== 15) return false;
  const last = digits15.charCodeAt(14) - 48;
  return last >= 0 && last <= 9 && checkDigitOf(digits15) === last;
}
