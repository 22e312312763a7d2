/** Pure identifier handling: IMEI/IMEISV, PEI, IMSI/SUPI, MSISDN/GPSI, suspicious shapes. */
export * from './luhn.ts';
export * from './imei.ts';
export * from './pei.ts';
export * from './imsi.ts';
export * from './msisdn.ts';
export * from './suspicious.ts';
