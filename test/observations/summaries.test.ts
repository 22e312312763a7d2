/**
 * The summaries kept for classification (`obs_imei_ident`, `obs_loc_multi`), on the engine of the
 * run: what they hold after plain imports, and, over random sequences of files (in order, out of
 * order, several operators, overlapping, re-imported, many drains), that they stay sound against
 * the stored observations: after `imsi_since` only the current identifier is seen, and the
 * multi-cell days are exactly those with two or more cells.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Db } from '../../src/store/db.ts';
import { csv, dayList, freshDb, impOk, imeiKey, imsiOf, lenient, msisdnOf, put, withTempDir, type Row } from './helpers.ts';

interface Ident {
  imei_norm: string;
  imsi: string | null;
  imsi_since: string | null;
  msisdn: string | null;
  msisdn_since: string | null;
}

/** The current identifiers per IMEI. */
async function ident(db: Db): Promise<Ident[]> {
  return (await db.query<Ident>('SELECT imei_norm, imsi, imsi_since, msisdn, msisdn_since FROM obs_imei_ident ORDER BY imei_norm COLLATE "C"')).rows;
}

async function locMulti(db: Db): Promise<{ imei_norm: string; month: string; days: number }[]> {
  return (await db.query<{ imei_norm: string; month: string; days: number }>('SELECT * FROM obs_loc_multi ORDER BY imei_norm COLLATE "C", month')).rows;
}

const row = (date: string, i: number, sub: number, extra: Partial<Row> = {}): Row => ({
  date, imei: imeiKey(i) + '0', imsi: imsiOf(sub), msisdn: msisdnOf(sub), rat: '006', ...extra,
});

test('one subscriber: the current identifiers, never another; a SIM change in order: alone since the day after the old one', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    const file = async (name: string, rows: Row[], operator = 'alpha') => impOk(db, await put(dir, name, csv(rows)), { operator, profile: lenient() });
    await file('alpha_20250101_20250110.csv', dayList('20250101', 10).flatMap((d) => [row(d, 1, 1), row(d, 2, 2)]));
    assert.deepEqual(await ident(db), [
      { imei_norm: imeiKey(1), imsi: imsiOf(1), imsi_since: null, msisdn: msisdnOf(1), msisdn_since: null },
      { imei_norm: imeiKey(2), imsi: imsiOf(2), imsi_since: null, msisdn: msisdnOf(2), msisdn_since: null },
    ]);
    // IMEI 2 gets a new SIM from the 11th; IMEI 1 carries on: only IMEI 2 changes.
    await file('alpha_20250111_20250115.csv', dayList('20250111', 5).flatMap((d) => [row(d, 1, 1), row(d, 2, 3)]));
    assert.deepEqual(await ident(db), [
      { imei_norm: imeiKey(1), imsi: imsiOf(1), imsi_since: null, msisdn: msisdnOf(1), msisdn_since: null },
      { imei_norm: imeiKey(2), imsi: imsiOf(3), imsi_since: '2025-01-11', msisdn: msisdnOf(3), msisdn_since: '2025-01-11' },
    ]);
    // Two SIMs in one IMEI on the same days: none current, alone only after the file.
    await file('beta_20250116_20250120.csv', dayList('20250116', 5).flatMap((d) => [row(d, 1, 1), row(d, 1, 4)]), 'beta');
    assert.deepEqual((await ident(db))[0], { imei_norm: imeiKey(1), imsi: null, imsi_since: '2025-01-21', msisdn: null, msisdn_since: '2025-01-21' });
  });
});

test('multi-cell days: several cells on a day in one file, or across operators; one cell a day however far it moves is none', async () => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    const file = async (name: string, rows: Row[], operator = 'alpha') => impOk(db, await put(dir, name, csv(rows)), { operator, profile: lenient() });
    const days = dayList('20250128', 6); // across a month boundary
    await file('alpha_20250128_20250202.csv', [
      ...days.map((d, k) => row(d, 1, 1, { cell_id: `c${k}` })), // a new cell every day
      ...days.map((d) => row(d, 2, 2, { cell_id: 'home' })),
      row(days[1], 2, 2, { cell_id: 'away' }), // IMEI 2 in two cells on the 29th
    ]);
    assert.deepEqual(await locMulti(db), [{ imei_norm: imeiKey(2), month: '2025-01-01', days: 1 << 28 }]);
    // Another operator sees IMEI 1 on Feb 1 in another cell; on Feb 2 in the same cell as alpha.
    await file('beta_20250201_20250202.csv', [row(days[4], 1, 5, { cell_id: 'elsewhere' }), row(days[5], 1, 5, { cell_id: 'c5' })], 'beta');
    assert.deepEqual(await locMulti(db), [
      { imei_norm: imeiKey(1), month: '2025-02-01', days: 1 },
      { imei_norm: imeiKey(2), month: '2025-01-01', days: 1 << 28 },
    ]);
  });
});

/** A small deterministic generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The exact facts from the stored observations, to check the summaries against. */
async function checkSound(db: Db, label: string): Promise<void> {
  const trips = (await db.query<{ imei_norm: string; month: string; imsi: string | null; msisdn: string | null; date_bitmask: number }>(
    'SELECT imei_norm, month::text AS month, imsi, msisdn, date_bitmask FROM obs_triplet',
  )).rows;
  const byImei = new Map<string, { day: string; imsi: string | null; msisdn: string | null }[]>();
  for (const t of trips) {
    for (let b = 0; b < 31; b++) {
      if (!(t.date_bitmask & (1 << b))) continue;
      const day = new Date(Date.parse(`${t.month}T00:00:00Z`) + b * 86_400_000).toISOString().slice(0, 10);
      (byImei.get(t.imei_norm) ?? byImei.set(t.imei_norm, []).get(t.imei_norm)!).push({ day, imsi: t.imsi, msisdn: t.msisdn });
    }
  }
  const rows = new Map((await ident(db)).map((r) => [r.imei_norm, r]));
  for (const [imei, seen] of byImei) {
    const r = rows.get(imei);
    for (const k of ['imsi', 'msisdn'] as const) {
      const values = seen.filter((s) => s[k] !== null);
      if (!values.length) continue;
      assert.ok(r, `${label}: ${imei} has a summary`);
      const since = r[`${k}_since`];
      const after = new Set(values.filter((s) => since === null || s.day >= since).map((s) => s[k]));
      assert.ok(after.size <= 1, `${label}: ${imei} ${k}: one value at most from ${since} (${[...after].join(', ')})`);
      if (after.size) assert.equal(r[k], [...after][0], `${label}: ${imei} ${k}: the current value`);
      if (since === null) assert.equal(new Set(values.map((s) => s[k])).size, 1, `${label}: ${imei} ${k}: never another`);
    }
  }
  const cells = (await db.query<{ imei_norm: string; month: string; cell_id: string; bits: number }>(
    'SELECT imei_norm, month::text AS month, cell_id, bit_or(date_bitmask) AS bits FROM obs_location GROUP BY 1, 2, 3',
  )).rows;
  const exact = new Map<string, number>();
  const counts = new Map<string, number[]>();
  for (const c of cells) {
    const key = `${c.imei_norm}|${c.month}`;
    const n = counts.get(key) ?? counts.set(key, new Array(31).fill(0)).get(key)!;
    for (let b = 0; b < 31; b++) if (c.bits & (1 << b)) n[b]++;
  }
  for (const [key, n] of counts) {
    const days = n.reduce((m, c, b) => (c >= 2 ? m | (1 << b) : m), 0);
    if (days) exact.set(key, days);
  }
  const stored = new Map((await locMulti(db)).map((r) => [`${r.imei_norm}|${r.month}`, r.days]));
  assert.deepEqual(stored, exact, `${label}: multi-cell days`);
}

test('over random sequences of files (order, operators, overlaps, re-imports, drains) the summaries stay sound', async () => {
  const db = await freshDb();
  for (const seed of [1, 2, 3]) {
    await freshDb();
    const rand = rng(seed);
    const pick = <T,>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
    await withTempDir(async (dir) => {
      const files: { name: string; rows: Row[]; operator: string }[] = [];
      for (let f = 0; f < 9; f++) {
        // Mostly consecutive periods, sometimes an earlier or overlapping one; across Jan/Feb.
        const start = f < 6 ? 20 + f * 4 + Math.floor(rand() * 3) : 18 + Math.floor(rand() * 20);
        const len = 1 + Math.floor(rand() * 6);
        const days = dayList('20241231', 60).slice(start, start + len);
        const operator = pick(['alpha', 'alpha', 'beta']);
        const rows: Row[] = [];
        for (const d of days) {
          for (let i = 0; i < 6; i++) {
            if (rand() < 0.2) continue;
            const sub = i + (rand() < 0.15 ? 10 * Math.floor(1 + rand() * 3) : 0); // sometimes another SIM
            rows.push(row(d, i, sub, { cell_id: `c${Math.floor(rand() * 4)}`, msisdn: rand() < 0.1 ? '' : msisdnOf(sub) }));
            if (rand() < 0.1) rows.push(row(d, i, sub + 100, { cell_id: `c${Math.floor(rand() * 4)}` }));
          }
        }
        if (!rows.length) continue;
        const name = `${operator}_${days[0]}_${days[days.length - 1]}.csv`;
        files.push({ name, rows, operator });
        await impOk(db, await put(dir, name, csv(rows)), { operator, profile: lenient(), maxAggregateEntries: rand() < 0.3 ? 3 : undefined });
        await checkSound(db, `seed ${seed} file ${f} ${name}`);
      }
      // Re-importing a file changes neither summary.
      const before = [await ident(db), await locMulti(db)];
      const again = files[Math.floor(files.length / 2)];
      await impOk(db, await put(dir, again.name, csv(again.rows)), { operator: again.operator, profile: lenient() });
      assert.deepEqual([await ident(db), await locMulti(db)], before, `seed ${seed}: re-import`);
    });
  }
});
