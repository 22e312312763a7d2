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

export interface EirChecker {
  /**
   * Decides one check. `imei` is the 14-digit IMEI key (digits only, no check digit, no SVN);
   * `imsi` the subscriber's IMSI digits when the request carried one; `svn` the 2-digit software
   * version when known. Synchronous and allocation-light: it runs once per request.
   */
  check(imei: string, imsi: string | undefined, iface: CheckInterface, svn?: string): CheckAnswer;
  /** Records the time one request took, from its arrival to its answer being written. */
  observeLatency(iface: CheckInterface, seconds: number): void;
  /** A Diameter peer connected (+1) or went away (-1). */
  peerChange(delta: 1 | -1): void;
}

/** Equipment-Status enumeration values of TS 29.272 §7.3.51. */
export const S13_EQUIPMENT_STATUS: Record<EquipmentStatus, number> = { WHITELISTED: 0, BLACKLISTED: 1, GREYLISTED: 2 };
