/**
 * `copyTo` gives a COPY's output as it comes, and `copyFrom` loads it again unchanged, on both
 * engines, in a transaction and out of one: the way results pass from one session to another.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freshDb } from '../helpers/store.ts';

test('copyTo then copyFrom: every value back as it was, NULLs, escapes, JSON and all', async () => {
  const db = await freshDb({ migrate: false });
  await db.exec(`CREATE TABLE src (k text, d date, n double precision, j jsonb);
    INSERT INTO src VALUES ('tab\there', '2026-03-30', 1.5, '{"a": "quote \\" and \\\\ backslash", "b": [1, null]}'),
                           ('new\nline\r', NULL, -0.25, NULL),
                           (NULL, '2026-01-01', NULL, '"é ✓"'),
                           ('back\\\\slash', '2026-02-28', 1e300, '[]');
    INSERT INTO src SELECT 'row ' || i, date '2026-01-01' + i % 90, i / 7.0, jsonb_build_object('i', i) FROM generate_series(1, 20000) i`);
  const data = await db.copyTo('COPY src TO STDOUT');
  assert.ok(data.length >= 1 && data.every((c) => c instanceof Uint8Array));
  await db.exec('CREATE TABLE dst (LIKE src)');
  assert.equal(await db.copyFrom('COPY dst FROM STDIN', data), 20004);
  const differ = `SELECT count(*)::int AS n FROM ((SELECT * FROM src EXCEPT ALL SELECT * FROM dst) UNION ALL (SELECT * FROM dst EXCEPT ALL SELECT * FROM src)) x`;
  assert.equal((await db.query<{ n: number }>(differ)).rows[0].n, 0);
  // From a query, in a transaction, with temporary tables on both sides.
  const out = await db.transaction(async (tx) => {
    await tx.exec("CREATE TEMP TABLE t ON COMMIT DROP AS SELECT k, j FROM src WHERE k LIKE 'tab%' OR k IS NULL");
    return tx.copyTo('COPY (SELECT k, j FROM t ORDER BY k NULLS FIRST) TO STDOUT');
  });
  const rows = await db.transaction(async (tx) => {
    await tx.exec('CREATE TEMP TABLE u (k text, j jsonb) ON COMMIT DROP');
    await tx.copyFrom('COPY u FROM STDIN', out);
    return (await tx.query<{ k: string | null; j: unknown }>('SELECT k, j FROM u ORDER BY k NULLS FIRST')).rows;
  });
  assert.deepEqual(rows, [
    { k: null, j: 'é ✓' },
    { k: 'tab\there', j: { a: 'quote " and \\ backslash', b: [1, null] } },
  ]);
  // Nothing to copy: no data, and loading it loads nothing.
  const none = await db.copyTo('COPY (SELECT * FROM src WHERE false) TO STDOUT');
  assert.equal(Buffer.concat(none).length, 0);
  assert.equal(await db.copyFrom('COPY dst FROM STDIN', none), 0);
});
