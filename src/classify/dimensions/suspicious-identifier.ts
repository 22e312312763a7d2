/**
 * `suspicious_identifier`: a seen, well-formed IMEI with one of the chosen shapes of DOMAIN §2,
 * defined as in `identity/suspicious.ts`: all zeros, one non-zero digit repeated, digits counting
 * up or down by one (mod 10) over all 14 digits, a test TAC. (Malformed keys are `malformed_imei`'s.)
 */
import { z } from 'zod';
import { defineDimension, inScope, isImeiKey, seenWithTac, TEST_TAC } from './common.ts';

export const IDENTIFIER_SHAPES = ['all_zeros', 'repeated_digit', 'ascending_run', 'descending_run', 'test_tac'] as const;

// Runs: the key must equal the 14 characters of a repeated digit cycle starting at its first digit.
const SHAPE_SQL: Record<(typeof IDENTIFIER_SHAPES)[number], string> = {
  all_zeros: `imei_norm = '00000000000000'`,
  repeated_digit: `imei_norm <> '00000000000000' AND imei_norm = repeat(left(imei_norm, 1), 14)`,
  ascending_run: `imei_norm = substr('0123456789012345678901234', strpos('0123456789', left(imei_norm, 1)), 14)`,
  descending_run: `imei_norm = substr('9876543210987654321098765', strpos('9876543210', left(imei_norm, 1)), 14)`,
  test_tac: `imei_norm ~ ${TEST_TAC}`,
};

export const suspiciousIdentifier = defineDimension({
  name: 'suspicious_identifier',
  description: 'seen IMEI of a suspicious shape (all zeros, repeated digit, ascending or descending run, test TAC)',
  params: z
    .object({ shapes: z.array(z.enum(IDENTIFIER_SHAPES)).min(1).default([...IDENTIFIER_SHAPES]) })
    .strict(),
  sql(p, ctx) {
    const chosen = IDENTIFIER_SHAPES.filter((s) => p.shapes.includes(s));
    const cases = chosen.map((s) => `CASE WHEN ${SHAPE_SQL[s]} THEN '${s}' END`).join(',\n           ');
    return {
      text: `
SELECT imei_norm, jsonb_build_object('shapes', to_jsonb(shapes), 'first_seen', first_seen, 'last_seen', last_seen) AS evidence
FROM (
  SELECT imei_norm, first_seen, last_seen,
         array_remove(ARRAY[${cases}]::text[], NULL) AS shapes
  FROM v_seen_imei s WHERE ${isImeiKey('imei_norm')}${inScope('s', ctx)}
) x
WHERE cardinality(shapes) > 0`,
      values: [],
    };
  },
  // Every shape but test TACs is a handful of keys, looked up one by one; test TACs by TAC.
  screen(p) {
    const keys = p.shapes.flatMap((s) => SHAPE_KEYS[s]);
    const tacs = p.shapes.includes('test_tac') ? `\nUNION\n${seenWithTac(`t.tac ~ ${TEST_TAC}`).text}` : '';
    return { text: `SELECT imei_norm FROM v_seen_imei WHERE imei_norm = ANY ($1::text[])${tacs}`, values: [keys] };
  },
});

/** The keys of each shape (test TACs: none, a TAC range). */
const SHAPE_KEYS: Record<(typeof IDENTIFIER_SHAPES)[number], string[]> = {
  all_zeros: ['00000000000000'],
  repeated_digit: Array.from({ length: 9 }, (_, d) => String(d + 1).repeat(14)),
  ascending_run: Array.from({ length: 10 }, (_, k) => '0123456789012345678901234'.slice(k, k + 14)),
  descending_run: Array.from({ length: 10 }, (_, k) => '9876543210987654321098765'.slice(k, k + 14)),
  test_tac: [],
};
