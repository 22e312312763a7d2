/**
 * `is_test_tac` (DIRBS): a seen IMEI whose TAC is in a range reserved for test equipment (DOMAIN §2):
 * `00`, then `10` with `01`..`17`, or `44`, `86`, `91`.
 */
import { z } from 'zod';
import { defineDimension, inScope, seenWithTac, TEST_TAC } from './common.ts';

export const isTestTac = defineDimension({
  name: 'is_test_tac',
  description: 'seen IMEI with a test TAC',
  params: z.object({}).strict(),
  sql(_p, ctx) {
    return {
      text: `
SELECT imei_norm, jsonb_build_object('tac', left(imei_norm, 8), 'first_seen', first_seen, 'last_seen', last_seen) AS evidence
FROM v_seen_imei s WHERE imei_norm ~ ${TEST_TAC}${inScope('s', ctx)}`,
      values: [],
    };
  },
  // The pattern spans the 8 characters of a TAC.
  screen: () => seenWithTac(`t.tac ~ ${TEST_TAC}`),
});
