/** `stolen_list` (DIRBS): on the current stolen list with a stolen status, seen on the network or not. */
import { z } from 'zod';
import { defineDimension } from './common.ts';

export const stolenList = defineDimension({
  name: 'stolen_list',
  description: 'on the stolen list with stolen status (empty or blacklist), even if never seen',
  params: z.object({}).strict(),
  sql() {
    return {
      text: `
SELECT imei_norm, jsonb_build_object('reporting_date', reporting_date, 'status', status) AS evidence
FROM v_stolen WHERE stolen`,
      values: [],
    };
  },
});
