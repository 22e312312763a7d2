/**
 * The contract between the EIR's interfaces (N5g-eir over HTTP/2, Diameter S13) and the node
 * that decides checks. The interfaces parse and format; the decision, the check recording and the
 * counters live behind `EirChecker`.
 */

/** The answers of DOMAIN §7 (TS 29.511 EquipmentStatus; S13 Equipment-Status 0/1/2). */
export type EquipmentStatus = 'WHITELISTED' | 'BLACKLISTED' | 'GREYLISTED';

/** UNKNOWN: restrictive policy and equipment not known (404 ERROR_EQUIPMENT_UNKNOWN / S13 5422). */
export type CheckAnswer = EquipmentStatus | 'UNKNOWN';

export type CheckInterface = 'n5g' | 's13';

/** `svn` of a check whose request carried no software version. */
export const NO_SVN = -1;

export interface EirChecker {
  /**
   * Decides one check. Numbers, not strings: the interfaces read the digits straight from the
   * request bytes, and the node keys its index and its record by number, so a check allocates
   * nothing (no string built per request, parsed back by the node, and kept until written).
   *
   * `imei` is the 14-digit IMEI key as a number (no check digit, no SVN; leading zeros are
   * implied: `imeiKeyText` gives its digits). `imsi` is the subscriber's IMSI digits as a number
   * and `imsiDigits` their count (5 to 15; 0 when the request carried no IMSI): an IMSI may start
   * with zeros (test network 001 01). `svn` is the 2-digit software version (0 to 99), or
   * `NO_SVN`. Synchronous and allocation-free: it runs once per request.
   */
  check(imei: number, imsi: number, imsiDigits: number, iface: CheckInterface, svn: number): CheckAnswer;
  /** Records the time `count` (default 1) requests each took, from arrival to their answer being written. */
  observeLatency(iface: CheckInterface, seconds: number, count?: number): void;
  /** A Diameter peer connected (+1) or went away (-1). */
  peerChange(delta: 1 | -1): void;
}

/** The 14 digits of an IMEI key given as a number. */
export function imeiKeyText(imei: number): string {
  return String(imei).padStart(14, '0');
}

/** The digits of an IMSI given as a number and a digit count; undefined for no IMSI (0 digits). */
export function imsiText(imsi: number, digits: number): string | undefined {
  return digits ? String(imsi).padStart(digits, '0') : undefined;
}

/** The 2 digits of a software version; undefined for `NO_SVN`. */
export function svnText(svn: number): string | undefined {
  return svn >= 0 ? String(svn).padStart(2, '0') : undefined;
}

/** Equipment-Status enumeration values of TS 29.272 §7.3.51. */
export const S13_EQUIPMENT_STATUS: Record<EquipmentStatus, number> = { WHITELISTED: 0, BLACKLISTED: 1, GREYLISTED: 2 };
