/**
 * What the network data says about an IMEI: when and where it was seen, with whom, on which
 * radio technologies. Used by classification and by the explanations given to people.
 */
import type { Db } from '../store/db.ts';
import { dayFromIso, isoDay } from './days.ts';
import { operatorCodes } from './operators.ts';
import { generationMask, ratCodes } from './rat.ts';

export interface Window {
  /** Inclusive ISO days; both optional. */
  from?: string;
  to?: string;
}

export interface SubscriberSeen {
  imsi: string | null;
  msisdn: string | null;
  operator: string;
  days_seen: number;
  first_seen: string;
  last_seen: string;
}

export interface ImeiObservations {
  imei_norm: string;
  seen: boolean;
  first_seen: string | null;
  last_seen: string | null;
  rat_codes: string[];
  generations: string[];
  operators: string[];
  /** Distinct days the IMEI was seen in the window (any subscriber, any operator). */
  days_seen: number;
  subscribers: SubscriberSeen[];
  distinct_imsis: number;
  distinct_msisdns: number;
  locations: { cell_id: string; operator: string; days_seen: number; first_seen: string; last_seen: string }[];
  software_versions: { svn: string; first_seen: string; last_seen: string }[];
}

/** The days of a monthly bitmask that fall in [from, to] (day numbers). */
function daysIn(monthIso: string, bitmask: number, from: number, to: number): number[] {
  const month = dayFromIso(monthIso);
  const out: number[] = [];
  for (let b = 0; b < 31; b++) if (bitmask & (1 << b) && month + b >= from && month + b <= to) out.push(month + b);
  return out;
}

export async function imeiObservations(db: Db, imei: string, w: Window = {}): Promise<ImeiObservations> {
  const from = w.from ? dayFromIso(w.from) : -Infinity;
  const to = w.to ? dayFromIso(w.to) : Infinity;
  const monthFrom = w.from ? `${w.from.slice(0, 7)}-01` : '0001-01-01';
  const monthTo = w.to ?? '9999-12-31';
  const [summary, triplets, locations, versions] = await Promise.all([
    db.query<{ first_seen: string; last_seen: string; rat_bitmask: number; operator_bitmask: number }>('SELECT * FROM obs_imei WHERE imei_norm = $1', [imei]),
    db.query<{ month: string; imsi: string | null; msisdn: string | null; code: string; date_bitmask: number }>(
      `SELECT t.month, t.imsi, t.msisdn, o.code, t.date_bitmask FROM obs_triplet t JOIN obs_operator o ON o.id = t.operator_id
       WHERE t.imei_norm = $1 AND t.month BETWEEN $2 AND $3`,
      [imei, monthFrom, monthTo],
    ),
    db.query<{ month: string; cell_id: string; code: string; date_bitmask: number }>(
      `SELECT l.month, l.cell_id, o.code, l.date_bitmask FROM obs_location l JOIN obs_operator o ON o.id = l.operator_id
       WHERE l.imei_norm = $1 AND l.month BETWEEN $2 AND $3`,
      [imei, monthFrom, monthTo],
    ),
    db.query<{ svn: string; first_seen: string; last_seen: string }>('SELECT svn, first_seen, last_seen FROM obs_imei_svn WHERE imei_norm = $1 ORDER BY first_seen, svn', [imei]),
  ]);
  const s = summary.rows[0];
  const allDays = new Set<number>();
  const subs = new Map<string, { sub: SubscriberSeen; days: Set<number> }>();
  for (const t of triplets.rows) {
    const days = daysIn(t.month, t.date_bitmask, from, to);
    if (!days.length) continue;
    const key = `${t.imsi}|${t.msisdn}|${t.code}`;
    let e = subs.get(key);
    if (!e) subs.set(key, (e = { sub: { imsi: t.imsi, msisdn: t.msisdn, operator: t.code, days_seen: 0, first_seen: '', last_seen: '' }, days: new Set() }));
    for (const d of days) {
      e.days.add(d);
      allDays.add(d);
    }
  }
  const subscribers = [...subs.values()].map(({ sub, days }) => {
    const sorted = [...days].sort((a, b) => a - b);
    return { ...sub, days_seen: days.size, first_seen: isoDay(sorted[0]), last_seen: isoDay(sorted[sorted.length - 1]) };
  });
  subscribers.sort((a, b) => a.first_seen.localeCompare(b.first_seen) || String(a.imsi).localeCompare(String(b.imsi)));
  const locs = new Map<string, { cell_id: string; operator: string; days: Set<number> }>();
  for (const l of locations.rows) {
    const days = daysIn(l.month, l.date_bitmask, from, to);
    if (!days.length) continue;
    const key = `${l.cell_id}|${l.code}`;
    let e = locs.get(key);
    if (!e) locs.set(key, (e = { cell_id: l.cell_id, operator: l.code, days: new Set() }));
    for (const d of days) e.days.add(d);
  }
  const mask = s?.rat_bitmask ?? 0;
  return {
    imei_norm: imei,
    seen: !!s,
    first_seen: s?.first_seen ?? null,
    last_seen: s?.last_seen ?? null,
    rat_codes: ratCodes(mask),
    generations: (['2G', '3G', '4G', '5G'] as const).filter((_, i) => generationMask(mask) & (1 << i)),
    operators: s ? await operatorCodes(db, s.operator_bitmask) : [],
    days_seen: allDays.size,
    subscribers,
    distinct_imsis: new Set(subscribers.map((x) => x.imsi).filter(Boolean)).size,
    distinct_msisdns: new Set(subscribers.map((x) => x.msisdn).filter(Boolean)).size,
    locations: [...locs.values()].map((l) => {
      const sorted = [...l.days].sort((a, b) => a - b);
      return { cell_id: l.cell_id, operator: l.operator, days_seen: l.days.size, first_seen: isoDay(sorted[0]), last_seen: isoDay(sorted[sorted.length - 1]) };
    }),
    software_versions: versions.rows,
  };
}
