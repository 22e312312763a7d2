/**
 * The country of the list tests, on list date 2025-03-01 (lookback window 2024-12-31..2025-02-28):
 * classification states, observations on three operators and reference lists, each entry there
 * to prove one rule of DOMAIN §6. `EXPECTED` is the content the rules give.
 */
import { luhnCheckDigit } from '../../src/identity/luhn.ts';
import type { Db } from '../../src/store/db.ts';
import { classifyFixture, imsi, key, msisdn, observe, reference, type StateSpec } from './helpers.ts';

export const L = '2025-03-01';
export const MALFORMED = '3520990012';

const A = '99901';
const B2 = '99902';
const B3 = '99903';
const ES = '21401';

export const K = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [i, key(i)])) as Record<number, string>;
export const a = (i: number) => imsi(A, i);
export const b = (i: number) => imsi(B2, i);
export const b3 = (i: number) => imsi(B3, i);
export const r = (i: number) => imsi(ES, i);
export const m = msisdn;

export const STATES: StateSpec[] = [
  { imei: K[1], cond: 'stolen', block: '2025-02-15' },
  // Two conditions past their date: the earliest date, both reasons (sorted).
  { imei: K[2], cond: 'stolen', block: '2025-02-01' },
  { imei: K[2], cond: 'dup', block: '2025-02-20' },
  // One past, one pending: on the block list with the past one's reason only, not notified.
  { imei: K[3], cond: 'stolen', block: '2025-02-10' },
  { imei: K[3], cond: 'dup', block: '2025-03-30' },
  { imei: K[4], cond: 'dup', block: '2025-03-20' },
  { imei: K[5], cond: 'dup', block: '2025-03-25' },
  { imei: K[6], cond: 'dup', block: '2025-03-20' },
  // Golden: on no list.
  { imei: K[7], cond: 'stolen', block: '2025-02-01' },
  { imei: K[8], cond: 'dup', block: '2025-03-20' },
  // Informative condition: ignored even with a date.
  { imei: K[11], cond: 'watch', block: '2025-02-01' },
  // Amnesty granted during the evaluation period: no date, no list.
  { imei: K[12], cond: 'dup', block: null, granted: true },
  // Closed state.
  { imei: K[13], cond: 'stolen', block: '2025-02-01', end: '2025-02-20' },
  { imei: K[14], cond: 'dup', block: '2025-03-20' },
  { imei: K[15], cond: 'dup', block: '2025-03-22' },
  { imei: MALFORMED, cond: 'stolen', block: '2025-02-01' },
];

const imei15 = (k: string) => k + luhnCheckDigit(k);

export async function buildCountry(db: Db, dir: string): Promise<void> {
  const row = (date: string, k: string, s: string, n: string) => ({ date, imei: imei15(k), imsi: s, msisdn: n });
  await observe(db, dir, 'alpha', [
    row('20250210', K[4], a(1), m(1)),
    // A beta subscriber seen on alpha's network: routed to beta, its home.
    row('20250210', K[4], b(2), m(2)),
    // A roamer: routed to every operator that saw it (alpha and gamma), not beta.
    row('20250211', K[5], r(5), m(5)),
    // Exactly paired: not notified.
    row('20250212', K[6], a(6), m(6)),
    // An unrelated pairing (K9) has MSISDN m(7): still notified (DIRBS's defect not copied).
    row('20250212', K[6], a(7), m(7)),
    // An unrelated pairing (K10) has IMSI a(8): still notified.
    row('20250212', K[6], a(8), m(8)),
    row('20250212', K[8], a(80), m(80)),
    row('20250209', K[3], a(3), m(3)),
    // No MSISDN: left out.
    row('20250213', K[14], a(14), ''),
    // The last day of the window.
    row('20250228', K[15], a(15), m(15)),
  ]);
  await observe(db, dir, 'gamma', [row('20250211', K[5], r(5), m(5))]);
  await observe(db, dir, 'beta', [
    row('20250214', K[16], r(16), m(16)),
    // Used by the version tests: K12 seen early in January only, K19 mid-February.
    row('20250105', K[12], b(12), m(12)),
    row('20250215', K[19], b(19), m(19)),
  ]);
  await reference(db, dir, 'pairing_list', [
    'imei,imsi,msisdn',
    `${K[6]},${a(6)},${m(6)}`,
    `${K[9]},${a(9)},${m(7)}`,
    `${K[10]},${a(8)},${m(10)}`,
    `${K[1]},${b3(1)},${m(11)}`,
    `${K[16]},${r(16)},${m(16)}`,
    `${K[17]},${r(17)},${m(17)}`,
    `${K[18]},${a(18)},${m(18)}`,
  ]);
  await reference(db, dir, 'golden_list', ['golden_imei', K[7], K[8]]);
  await reference(db, dir, 'barred_list', ['imei', K[18]]);
  // What an EIR needs beyond the lists: monitored IMEIs; registered IMEIs (a provisional one is
  // not known); TACs of device types exempted from registration (the demo exempts Module).
  await reference(db, dir, 'monitoring_list', ['imei', K[11]]);
  await reference(db, dir, 'registration_list', [
    'approved_imei,make,model,status,model_number,brand_name,device_type,radio_interface,device_id',
    `${K[12]},Acme,A1,,,,,,`,
    `${K[13]},Acme,A1,pending,,,,,`,
  ]);
  await reference(db, dir, 'gsma_tac', [
    'TAC|Manufacturer|Model Name|Bands|Allocation Date|Device Type',
    '35209900|Acme|A1|LTE FDD BAND 3|01-Jan-2020|Smartphone',
    '86000001|Acme|M1|LTE FDD BAND 3|01-Jan-2020|Module',
  ]);
  await classifyFixture(db, L, STATES);
}

export const EXPECTED = {
  blocklist: [
    `${K[1]},2025-02-15,IMEI reported stolen`,
    `${K[2]},2025-02-01,Duplicate IMEI|IMEI reported stolen`,
    `${K[3]},2025-02-10,IMEI reported stolen`,
    `${MALFORMED},2025-02-01,IMEI reported stolen`,
  ].sort(),
  notifications: [
    `alpha:${K[4]},${a(1)},${m(1)},2025-03-20,Duplicate IMEI`,
    `beta:${K[4]},${b(2)},${m(2)},2025-03-20,Duplicate IMEI`,
    `alpha:${K[5]},${r(5)},${m(5)},2025-03-25,Duplicate IMEI`,
    `gamma:${K[5]},${r(5)},${m(5)},2025-03-25,Duplicate IMEI`,
    `alpha:${K[6]},${a(7)},${m(7)},2025-03-20,Duplicate IMEI`,
    `alpha:${K[6]},${a(8)},${m(8)},2025-03-20,Duplicate IMEI`,
    `alpha:${K[15]},${a(15)},${m(15)},2025-03-22,Duplicate IMEI`,
  ].sort(),
  exceptions: [
    `alpha:${K[6]},${a(6)},${m(6)}`,
    `alpha:${K[9]},${a(9)},${m(7)}`,
    `alpha:${K[10]},${a(8)},${m(10)}`,
    `beta:${K[1]},${b3(1)},${m(11)}`,
    `beta:${K[16]},${r(16)},${m(16)}`,
  ].sort(),
};
