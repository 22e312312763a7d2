/**
 * `is_test_tac` (DIRBS): a seen IMEI whose TAC is in a range reserved for test equipment (DOMAIN §2):
 * `00`, then `10` with `01`..`17`, or `44`, `86`, `91`.
 */
import { z } from 'zod';
import { defineDimension, TEST_TAC } from './common.ts';

export const isTestTac = defineDimension({
  name: 'is_test_tac',
  description: 'seen IMEI with a test TAC',
  params: z.object({}).strict(),
  sql() {
    return {
      text: `
SELECT imei_norm, jsonb_build_object('tac', left(imei_norm, 8), 'first_seen', first_seen, 'last_seen', last_seen) AS evidence
FROM v_seen_imei WHERE imei_norm ~ ${TEST_TAC}`,
      values: [],
    };
  },
});
