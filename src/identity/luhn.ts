/**
 * Luhn check digit of an IMEI (TS 23.003 annex B) over the 14 digits TAC+SNR.
 * D1 is the last SNR digit: D1, D3, ... D13 are doubled, the digits of the products summed
 * with D2, D4, ... D14; CD = (10 - sum mod 10) mod 10.
 */
export function luhnCheckDigit(digits14: string): number {
  if (!/^\d{14}$/.test(digits14)) throw new RangeError(`Luhn needs 14 digits, got "${digits14}"`);
  let sum = 0;
  for (let i = 0; i < 14; i++) {
    let d = digits14.charCodeAt(13 - i) - 48;
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

/** True when a 15-digit IMEI carries the right Luhn check digit. */
export function luhnValid(digits15: string): boolean {
  if (!/^\d{15}$/.test(digits15)) return false;
  return luhnCheckDigit(digits15.slice(0, 14)) === digits15.charCodeAt(14) - 48;
}
