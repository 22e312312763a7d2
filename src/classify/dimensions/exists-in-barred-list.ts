/** `exists_in_barred_list` (DIRBS): on the barred list, seen on the network or not. */
import { z } from 'zod';
import { defineDimension } from './common.ts';

export const existsInBarredList = defineDimension({
  name: 'exists_in_barred_list',
  description: 'on the barred list, even if never seen',
  params: z.object({}).strict(),
  sql() {
    return {
      text: `
SELECT imei_norm, jsonb_build_object('barred_since', (valid_from AT TIME ZONE 'UTC')::date) AS evidence
FROM v_barred`,
      values: [],
    };
  },
});
