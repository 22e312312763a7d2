/** `malformed_imei` (DIRBS): a seen IMEI whose normalised key is not 14 digits. */
import { z } from 'zod';
import { defineDimension, isImeiKey } from './common.ts';

export const malformedImei = defineDimension({
  name: 'malformed_imei',
  description: 'seen IMEI whose key is not 14 digits',
  params: z.object({}).strict(),
  sql() {
    return {
      text: `
SELECT imei_norm, jsonb_build_object('first_seen', first_seen, 'last_seen', last_seen) AS evidence
FROM v_seen_imei WHERE NOT ${isImeiKey('imei_norm')}`,
      values: [],
    };
  },
});
