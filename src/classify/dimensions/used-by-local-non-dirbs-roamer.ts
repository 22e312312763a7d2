/**
 * `used_by_local_non_dirbs_roamer` (DIRBS): seen in the lookback window with a national IMSI (one
 * of the country's MCCs) under no participating operator's MCC+MNC.
 */
import { ofOperator, operatorPrefixes, usedBy } from './used-by.ts';

export const usedByLocalNonDirbsRoamer = usedBy(
  'used_by_local_non_dirbs_roamer',
  'seen in the lookback window with a national IMSI of no participating operator',
  (profile) => ({
    condition: (n) => `left(t.imsi, 3) = ANY ($${n}::text[]) AND NOT t.imsi LIKE ANY ($${n + 1}::text[])`,
    values: [profile.country.mcc, operatorPrefixes(profile)],
    test: (imsi) => profile.country.mcc.includes(imsi.slice(0, 3)) && !ofOperator(profile, imsi),
  }),
);
