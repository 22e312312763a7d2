/** `used_by_dirbs_subscriber` (DIRBS): seen in the lookback window with an IMSI of a participating operator. */
import { ofOperator, operatorPrefixes, usedBy } from './used-by.ts';

export const usedByDirbsSubscriber = usedBy(
  'used_by_dirbs_subscriber',
  'seen in the lookback window with an IMSI of a participating operator',
  (profile) => ({ condition: (n) => `t.imsi LIKE ANY ($${n}::text[])`, values: [operatorPrefixes(profile)], test: (imsi) => ofOperator(profile, imsi) }),
  false, // nearly every device is used by a participating operator's subscriber: no narrowing
);
