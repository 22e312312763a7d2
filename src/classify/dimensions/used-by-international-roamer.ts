/** `used_by_international_roamer` (DIRBS): seen in the lookback window with an IMSI whose MCC is not one of the country's. */
import { usedBy } from './used-by.ts';

export const usedByInternationalRoamer = usedBy(
  'used_by_international_roamer',
  "seen in the lookback window with an IMSI whose MCC is not the country's",
  (profile) => ({
    condition: (n) => `left(t.imsi, 3) <> ALL ($${n}::text[])`,
    values: [profile.country.mcc],
    test: (imsi) => !profile.country.mcc.includes(imsi.slice(0, 3)),
  }),
);
