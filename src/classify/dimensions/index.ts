/** Every classification dimension, by module name (one file each). */
import type { Dimension } from '../dimension.ts';
import { dailyAvgUid } from './daily-avg-uid.ts';
import { duplicateDailyAvg } from './duplicate-daily-avg.ts';
import { duplicateThreshold } from './duplicate-threshold.ts';
import { existsInBarredList } from './exists-in-barred-list.ts';
import { existsInMonitoringList } from './exists-in-monitoring-list.ts';
import { gsmaNotFound } from './gsma-not-found.ts';
import { inconsistentRat } from './inconsistent-rat.ts';
import { isBarredTac } from './is-barred-tac.ts';
import { isTestTac } from './is-test-tac.ts';
import { malformedImei } from './malformed-imei.ts';
import { notOnAssociationList } from './not-on-association-list.ts';
import { notOnRegistrationList } from './not-on-registration-list.ts';
import { seenBeforeTacAllocation } from './seen-before-tac-allocation.ts';
import { stolenList } from './stolen-list.ts';
import { suspiciousIdentifier } from './suspicious-identifier.ts';
import { timeDistanceConflict } from './time-distance-conflict.ts';
import { transientImei } from './transient-imei.ts';
import { unknownSoftwareVersion } from './unknown-software-version.ts';
import { usedByDirbsSubscriber } from './used-by-dirbs-subscriber.ts';
import { usedByInternationalRoamer } from './used-by-international-roamer.ts';
import { usedByLocalNonDirbsRoamer } from './used-by-local-non-dirbs-roamer.ts';

const ALL = [
  // DIRBS (DOMAIN §5)
  gsmaNotFound,
  stolenList,
  duplicateThreshold,
  duplicateDailyAvg,
  dailyAvgUid,
  malformedImei,
  notOnRegistrationList,
  notOnAssociationList,
  inconsistentRat,
  transientImei,
  usedByDirbsSubscriber,
  usedByInternationalRoamer,
  usedByLocalNonDirbsRoamer,
  isTestTac,
  isBarredTac,
  existsInBarredList,
  existsInMonitoringList,
  // beyond DIRBS
  seenBeforeTacAllocation,
  suspiciousIdentifier,
  timeDistanceConflict,
  unknownSoftwareVersion,
];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const DIMENSIONS: Record<string, Dimension<any>> = Object.fromEntries(ALL.map((d) => [d.name, d]));
