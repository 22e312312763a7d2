/** Day arithmetic on day numbers (days since 1970-01-01, UTC), the unit of observation dates. */

const MS_PER_DAY = 86_400_000;

/** `YYYYMMDD` → day number, or null if not a calendar day. */
export function dayNumber(yyyymmdd: string): number | null {
  if (!/^\d{8}$/.test(yyyymmdd)) return null;
  const y = +yyyymmdd.slice(0, 4);
  const m = +yyyymmdd.slice(4, 6);
  const d = +yyyymmdd.slice(6, 8);
  const t = Date.UTC(y, m - 1, d);
  const back = new Date(t);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== m - 1 || back.getUTCDate() !== d) return null;
  return t / MS_PER_DAY;
}

export function isoDay(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

export function compactDay(day: number): string {
  return isoDay(day).replaceAll('-', '');
}

export function todayNumber(now = new Date()): number {
  return Math.floor(now.getTime() / MS_PER_DAY);
}

/** The first day of the day's month, and the day of month (1..31). */
export function monthOf(day: number): { month: number; dom: number } {
  const d = new Date(day * MS_PER_DAY);
  const dom = d.getUTCDate();
  return { month: day - dom + 1, dom };
}

export function dayFromIso(iso: string): number {
  return Date.parse(`${iso}T00:00:00Z`) / MS_PER_DAY;
}
