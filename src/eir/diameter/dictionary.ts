/**
 * The Diameter dictionary of the S13 node: the base protocol AVPs and commands (RFC 6733) and the
 * S13 application (TS 29.272, application 16777252, vendor 3GPP 10415).
 */
import { AVP_FLAG_MANDATORY, encodeAvp, encodeValue, type AvpType, type AvpValue } from './codec.ts';

export const VENDOR_3GPP = 10415;
export const APP_BASE = 0;
export const APP_S13 = 16777252;
/** The relay application: a relay agent advertises it and carries every application. */
export const APP_RELAY = 0xffffffff;
export const DEFAULT_PORT = 3868;

export const CMD_CAPABILITIES_EXCHANGE = 257;
export const CMD_DEVICE_WATCHDOG = 280;
export const CMD_DISCONNECT_PEER = 282;
export const CMD_ME_IDENTITY_CHECK = 324;

export const COMMAND_NAMES: Record<number, [request: string, answer: string]> = {
  [CMD_CAPABILITIES_EXCHANGE]: ['CER', 'CEA'],
  [CMD_DEVICE_WATCHDOG]: ['DWR', 'DWA'],
  [CMD_DISCONNECT_PEER]: ['DPR', 'DPA'],
  [CMD_ME_IDENTITY_CHECK]: ['ECR', 'ECA'],
};

/** Result-Code and Experimental-Result-Code values used here. */
export const RESULT = {
  SUCCESS: 2001,
  COMMAND_UNSUPPORTED: 3001,
  APPLICATION_UNSUPPORTED: 3007,
  INVALID_HDR_BITS: 3008,
  AVP_UNSUPPORTED: 5001,
  INVALID_AVP_VALUE: 5004,
  MISSING_AVP: 5005,
  NO_COMMON_APPLICATION: 5010,
  UNABLE_TO_COMPLY: 5012,
  INVALID_AVP_LENGTH: 5014,
  /** TS 29.272 §7.4.3, an Experimental-Result-Code of vendor 10415. */
  EQUIPMENT_UNKNOWN: 5422,
} as const;

/** Disconnect-Cause values (RFC 6733 §5.4.3). */
export const DISCONNECT_CAUSE = { REBOOTING: 0, BUSY: 1, DO_NOT_WANT_TO_TALK_TO_YOU: 2 } as const;
/** Auth-Session-State NO_STATE_MAINTAINED. */
export const NO_STATE_MAINTAINED = 1;
/** Equipment-Status (TS 29.272 §7.3.51). */
export const EQUIPMENT_STATUS_NAMES = ['WHITELISTED', 'BLACKLISTED', 'GREYLISTED'] as const;

export interface AvpDef {
  name: string;
  code: number;
  /** 0 for IETF AVPs. */
  vendorId: number;
  type: AvpType;
  /** Whether the M flag is set when we send it. */
  mandatory: boolean;
}

type Def = readonly [code: number, type: AvpType, mandatory: boolean, vendorId?: number];

const DEFS = {
  // RFC 6733 base protocol
  'User-Name': [1, 'UTF8String', true],
  'Class': [25, 'OctetString', true],
  'Proxy-State': [33, 'OctetString', true],
  'Host-IP-Address': [257, 'Address', true],
  'Auth-Application-Id': [258, 'Unsigned32', true],
  'Acct-Application-Id': [259, 'Unsigned32', true],
  'Vendor-Specific-Application-Id': [260, 'Grouped', true],
  'Redirect-Host-Usage': [261, 'Enumerated', true],
  'Redirect-Max-Cache-Time': [262, 'Unsigned32', true],
  'Session-Id': [263, 'UTF8String', true],
  'Origin-Host': [264, 'DiameterIdentity', true],
  'Supported-Vendor-Id': [265, 'Unsigned32', true],
  'Vendor-Id': [266, 'Unsigned32', true],
  'Firmware-Revision': [267, 'Unsigned32', false],
  'Result-Code': [268, 'Unsigned32', true],
  'Product-Name': [269, 'UTF8String', false],
  'Session-Binding': [270, 'Unsigned32', true],
  'Session-Server-Failover': [271, 'Enumerated', true],
  'Disconnect-Cause': [273, 'Enumerated', true],
  'Auth-Request-Type': [274, 'Enumerated', true],
  'Auth-Grace-Period': [276, 'Unsigned32', true],
  'Auth-Session-State': [277, 'Enumerated', true],
  'Origin-State-Id': [278, 'Unsigned32', true],
  'Failed-AVP': [279, 'Grouped', true],
  'Proxy-Host': [280, 'DiameterIdentity', true],
  'Error-Message': [281, 'UTF8String', false],
  'Route-Record': [282, 'DiameterIdentity', true],
  'Destination-Realm': [283, 'DiameterIdentity', true],
  'Proxy-Info': [284, 'Grouped', true],
  'Re-Auth-Request-Type': [285, 'Enumerated', true],
  'Authorization-Lifetime': [291, 'Unsigned32', true],
  'Redirect-Host': [292, 'DiameterURI', true],
  'Destination-Host': [293, 'DiameterIdentity', true],
  'Error-Reporting-Host': [294, 'DiameterIdentity', false],
  'Termination-Cause': [295, 'Enumerated', true],
  'Origin-Realm': [296, 'DiameterIdentity', true],
  'Experimental-Result': [297, 'Grouped', true],
  'Experimental-Result-Code': [298, 'Unsigned32', true],
  'Inband-Security-Id': [299, 'Unsigned32', true],
  'E2E-Sequence': [300, 'Grouped', true],
  // RFC 7944
  'DRMP': [301, 'Enumerated', false],
  // TS 29.272 (S6a/S6d/S13) and TS 29.229 (Supported-Features)
  'Supported-Features': [628, 'Grouped', false, VENDOR_3GPP],
  'Feature-List-ID': [629, 'Unsigned32', false, VENDOR_3GPP],
  'Feature-List': [630, 'Unsigned32', false, VENDOR_3GPP],
  'Terminal-Information': [1401, 'Grouped', true, VENDOR_3GPP],
  'IMEI': [1402, 'UTF8String', true, VENDOR_3GPP],
  'Software-Version': [1403, 'UTF8String', true, VENDOR_3GPP],
  'Equipment-Status': [1445, 'Enumerated', true, VENDOR_3GPP],
  '3GPP2-MEID': [1471, 'OctetString', true, VENDOR_3GPP],
  'UE-SRVCC-Capability': [1615, 'Enumerated', false, VENDOR_3GPP],
} as const satisfies Record<string, Def>;

export type AvpName = keyof typeof DEFS;

const byName = new Map<string, AvpDef>();
const byKey = new Map<number, AvpDef>();
const key = (code: number, vendorId: number) => vendorId * 0x1_0000_0000 + code;
for (const [name, d] of Object.entries(DEFS) as [AvpName, Def][]) {
  const def: AvpDef = { name, code: d[0], type: d[1], mandatory: d[2], vendorId: d[3] ?? 0 };
  byName.set(name, def);
  byKey.set(key(def.code, def.vendorId), def);
}

/** The definition of an AVP, by name. */
export function avpDef(name: AvpName): AvpDef {
  return byName.get(name)!;
}

/** The definition of an AVP by code and vendor, or undefined when it is not in the dictionary. */
export function lookupAvp(code: number, vendorId = 0): AvpDef | undefined {
  return byKey.get(key(code, vendorId));
}

export function isKnownAvp(code: number, vendorId = 0): boolean {
  return byKey.has(key(code, vendorId));
}

/** Codes (and vendor) of the AVPs, to read decoded messages by name. */
export function avpCode(name: AvpName): { code: number; vendorId: number } {
  const d = avpDef(name);
  return { code: d.code, vendorId: d.vendorId };
}

/**
 * Encodes an AVP of the dictionary with its usual flags: `avp('Origin-Host', 'eir.example')`,
 * `avp('Terminal-Information', [avp('IMEI', '35209900176148')])`. `mandatory` overrides the M flag.
 */
export function avp(name: AvpName, value: AvpValue, opts: { mandatory?: boolean } = {}): Buffer {
  const d = avpDef(name);
  const m = opts.mandatory ?? d.mandatory;
  return encodeAvp(d.code, encodeValue(d.type, value), m ? AVP_FLAG_MANDATORY : 0, d.vendorId);
}

/**
 * An example of a missing AVP for Failed-AVP (RFC 6733 §7.5): the AVP with a value of the
 * minimum length for its type, filled with zeroes.
 */
export function exampleAvp(name: AvpName, inner: readonly Buffer[] = []): Buffer {
  const d = avpDef(name);
  const size: Partial<Record<AvpType, number>> = { Unsigned32: 4, Integer32: 4, Enumerated: 4, Time: 4, Float32: 4, Unsigned64: 8, Integer64: 8, Float64: 8 };
  const data = d.type === 'Grouped' ? Buffer.concat(inner as Buffer[]) : Buffer.alloc(size[d.type] ?? 0);
  return encodeAvp(d.code, data, d.mandatory ? AVP_FLAG_MANDATORY : 0, d.vendorId);
}
