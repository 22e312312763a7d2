/**
 * The triplet rules in memory: their arithmetic is SQL's (numeric rounding and comparisons, not
 * binary floating point), and values pass through COPY's text format and back unchanged. (Each
 * rule is compared with its query in the dimension tests, and in runs with the equivalence test.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { atLeastTimes, round2 } from '../../src/classify/dimensions/rows.ts';
import { CANDIDATES, candidateParts, evaluateOnRows, ROW_COLUMNS } from '../../src/classify/triplet-rows.ts';
import { freshDb } from '../helpers/store.ts';
import { days, imsi, key, msisdn, observe, type Obs } from './dimensions/helpers.ts';

test('round2 gives what round(a::numeric / b, 2) gives, halves and scale included', async () => {
  const db = await freshDb();
  const { rows } = await db.query<{ a: number; b: number; r: string }>(
    'SELECT a, b, round(a::numeric / b, 2)::text AS r FROM generate_series(0, 60) a, generate_series(1, 16) b',
  );
  assert.equal(rows.length, 61 * 16);
  for (const { a, b, r } of rows) assert.equal(round2(a, b).text, r, `${a}/${b}`);
  // Cases a mistake would change: a half (0.125), a whole number written with its scale.
  assert.equal(round2(1, 8).text, '0.13');
  assert.equal(round2(6, 3).text, '2.00');
});

test('atLeastTimes compares in decimal, as SQL numeric does', async () => {
  const db = await freshDb();
  for (const threshold of [1, 1.05, 1.1, 2, 2.5, 0.3, 3.333, 1e-7, 12e3]) {
    const { rows } = await db.query<{ total: number; days: number; ok: boolean }>(
      'SELECT total, days, total >= $1::numeric * days AS ok FROM generate_series(0, 70) total, generate_series(1, 20) days',
      [threshold],
    );
    for (const { total, days, ok } of rows) assert.equal(atLeastTimes(total, threshold, days), ok, `${total} >= ${threshold} x ${days}`);
  }
  // In binary floating point 1.05 x 20 is 21.000000000000004: 21 would fall short.
  assert.equal(atLeastTimes(21, 1.05, 20), true);
  assert.throws(() => atLeastTimes(1, -1, 1), /not a non-negative decimal/);
});

test('identifiers with COPY escapes come back as they were, with evidence naming them, from every part', async () => {
  const db = await freshDb();
  const odd = ['A\\B', 'C\tD', 'E\nF', 'G\rH', 'plain'];
  const data = await db.transaction(async (tx) => {
    await tx.exec('CREATE TEMP TABLE odd_rows (imei_norm text, imsi text, msisdn text, operator_id integer, month date, date_bitmask integer) ON COMMIT DROP');
    for (const [i, s] of odd.entries()) {
      await tx.query("INSERT INTO odd_rows VALUES ($1, $2, NULL, 1, '2026-03-01', 5)", [`${s}${i}`, s]);
    }
    const rule = { rule: (rows: { imsi: string | null; msisdn: string | null; bits: number }[]) => ({ imsi: rows[0].imsi, msisdn: rows[0].msisdn, bits: rows[0].bits }), evidence: true };
    // In two parts, as a run reads many candidates: each part's IMEIs are evaluated on their rows.
    const parts = ["SELECT * FROM odd_rows WHERE imei_norm < 'D'", "SELECT * FROM odd_rows WHERE imei_norm >= 'D'"];
    const out = (await evaluateOnRows(tx, parts, new Map([['r', rule]]))).get('r')!;
    await tx.exec('CREATE TEMP TABLE back (imei_norm text, evidence jsonb) ON COMMIT DROP');
    await tx.copyFrom('COPY back FROM STDIN', out);
    return (await tx.query<{ imei_norm: string; evidence: { imsi: string; msisdn: null; bits: number } }>('SELECT * FROM back ORDER BY imei_norm')).rows;
  });
  const expected = odd.map((s, i) => ({ imei_norm: `${s}${i}`, evidence: { imsi: s, msisdn: null, bits: 5 } }));
  assert.deepEqual(data.sort((a, b) => (a.imei_norm < b.imei_norm ? -1 : 1)), expected.sort((a, b) => (a.imei_norm < b.imei_norm ? -1 : 1)));
});

test('candidates in parts: every candidate in exactly one part, with all its rows', async () => {
  const db = await freshDb();
  // Ten devices, device i seen with i + 1 IMSIs on three days: rows of a device spread over pages.
  const rows: Obs[] = [];
  for (let i = 0; i < 10; i++) {
    for (let k = 0; k <= i; k++) rows.push(...days('2025-06-01', 3).map((date) => ({ date, imei: key(500 + i), imsi: imsi(100 * i + k), msisdn: msisdn(i) })));
  }
  await observe(db, rows);
  const all = (await db.query<{ n: number }>('SELECT count(*) AS n FROM v_triplet')).rows[0].n;
  for (const perPart of [3, 10, 11, 50_000]) {
    const seen = await db.transaction(async (tx) => {
      // Nine candidates of the ten (with a parameter, as a run's screens have).
      const candidates = { text: 'SELECT imei_norm FROM v_seen_imei WHERE imei_norm <> $1', values: [key(509)] };
      const parts = await candidateParts(tx, candidates, (part) => `SELECT ${ROW_COLUMNS} FROM v_triplet t WHERE t.imei_norm = ANY (ARRAY(${part}))`, perPart);
      assert.equal(parts.length, Math.floor(9 / perPart) + 1, `${perPart} a part`);
      assert.equal((await tx.query<{ n: number }>(`SELECT count(*) AS n FROM ${CANDIDATES}`)).rows[0].n, 9);
      const byPart: string[][] = [];
      for (const q of parts) {
        const text = Buffer.concat(await tx.copyTo(`COPY (${q}) TO STDOUT`)).toString('utf8');
        byPart.push(text.split('\n').filter(Boolean).map((l) => l.split('\t')[0]));
      }
      return byPart;
    });
    const imeis = seen.map((p) => new Set(p));
    for (const [i, a] of imeis.entries()) for (const b of imeis.slice(i + 1)) for (const x of a) assert.ok(!b.has(x), `${x} in one part only`);
    assert.deepEqual(new Set(seen.flatMap((p) => [...new Set(p)])), new Set(Array.from({ length: 9 }, (_, i) => key(500 + i))));
    // All their rows: the ten devices' rows but the excluded one's (its 10 IMSIs).
    assert.equal(seen.flat().length, all - 10, `${perPart} a part: all the candidates' rows`);
  }
});
