/** `malformed_imei` (DIRBS): a seen IMEI whose normalised key is not 14 digits. */
import { z } from 'zod';
import { defineDimension, inScope, isImeiKey, seenWithTac } from './common.ts';

export const malformedImei = defineDimension({
  name: 'malformed_imei',
  description: 'seen IMEI whose key is not 14 digits',
  params: z.object({}).strict(),
  sql(_p, ctx) {
    return {
      text: `
SELECT imei_norm, jsonb_build_object('first_seen', first_seen, 'last_seen', last_seen) AS evidence
FROM v_seen_imei s WHERE NOT ${isImeiKey('imei_norm')}${inScope('s', ctx)}`,
      values: [],
    };
  },
  screen: () => seenWithTac('t.malformed'),
});
