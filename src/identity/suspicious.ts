/**
 * Identifier shapes that suggest a fake, cloned or test device (DOMAIN §2, Q.5052): all zeros,
 * one repeated digit, ascending or descending runs, GSMA test TACs, and keys that are not 14
 * digits at all. These are evidence for classification, never a block by themselves.
 */
import { isImeiKey } from './imei.ts';

export const SUSPICIOUS_SHAPES = [
  'all_zeros',
  'repeated_digit',
  'ascending_run',
  'descending_run',
  'test_tac',
  'malformed',
] as const;

export type SuspiciousShape = (typeof SUSPICIOUS_SHAPES)[number];

const DESCRIPTIONS: Record<SuspiciousShape, string> = {
  all_zeros: 'Every digit of the IMEI is zero.',
  repeated_digit: 'The IMEI is one non-zero digit repeated 14 times.',
  ascending_run: 'The IMEI digits count upwards (e.g. 12345678901234), a typical made-up number.',
  descending_run: 'The IMEI digits count downwards (e.g. 98765432109876), a typical made-up number.',
  test_tac: 'The TAC is in a range reserved for test equipment, not for devices on sale.',
  malformed: 'The IMEI is not 14 digits after normalisation.',
};

/** One English sentence describing a shape, for evidence shown to users and operators. */
export function describeShape(s: SuspiciousShape): string {
  return DESCRIPTIONS[s];
}

/**
 * Test TAC (DOMAIN §2): first two digits `00`, then digits 3–4 `10` with digits 5–6 in `01`..`17`,
 * or digits 3–4 one of `44`, `86`, `91`. Accepts a TAC or anything starting with 8 digits (a key).
 */
export function isTestTac(tac: string): boolean {
  if (!/^[0-9]{8}/.test(tac) || !tac.startsWith('00')) return false;
  const d34 = tac.slice(2, 4);
  if (d34 === '10') {
    const d56 = Number(tac.slice(4, 6));
    return d56 >= 1 && d56 <= 17;
  }
  return d34 === '44' || d34 === '86' || d34 === '91';
}

/** True when every digit steps by `step` (mod 10) from the previous one. */
function isRun(key: string, step: 1 | -1): boolean {
  for (let i = 1; i < key.length; i++) {
    const prev = key.charCodeAt(i - 1) - 48;
    if (key.charCodeAt(i) - 48 !== (prev + step + 10) % 10) return false;
  }
  return true;
}

/** Suspicious shapes of a 14-digit key, in `SUSPICIOUS_SHAPES` order; `['malformed']` otherwise. */
export function suspiciousShapes(key: string): SuspiciousShape[] {
  if (!isImeiKey(key)) return ['malformed'];
  const shapes: SuspiciousShape[] = [];
  if (key === '00000000000000') shapes.push('all_zeros');
  else if (key === key[0].repeat(14)) shapes.push('repeated_digit');
  if (isRun(key, 1)) shapes.push('ascending_run');
  if (isRun(key, -1)) shapes.push('descending_run');
  if (isTestTac(key)) shapes.push('test_tac');
  return shapes;
}
