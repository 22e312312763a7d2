/**
 * `alongside`: another session that sees what a transaction saw, at the same time as it (the
 * PostgreSQL server); PGlite, with one session, has none and its callers do the work themselves.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ENGINE, freshDb } from '../helpers/store.ts';

test('alongside: the snapshot of the transaction at the call, not its own writes nor later commits; both sessions at once', async () => {
  const db = await freshDb({ migrate: false });
  await db.exec('CREATE TABLE t (x integer); INSERT INTO t VALUES (1)');
  await db.transaction(async (tx) => {
    await tx.exec('INSERT INTO t VALUES (2)');
    if (ENGINE === 'pglite') {
      assert.equal(tx.alongside, undefined);
      return;
    }
    assert.ok(tx.alongside);
    let release!: () => void;
    const mainDone = new Promise<void>((r) => (release = r));
    const seen = tx.alongside(async (peer) => {
      // Committed by a third session after the call: not in the snapshot.
      await db.exec('INSERT INTO t VALUES (3)');
      await mainDone;
      await peer.exec('CREATE TEMP TABLE mine AS SELECT x FROM t');
      return (await peer.query<{ x: number }>('SELECT x FROM mine ORDER BY x')).rows.map((r) => r.x);
    });
    // The transaction goes on while the other session waits for it.
    assert.deepEqual((await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM t')).rows[0].n, 2);
    release();
    assert.deepEqual(await seen, [1]);
  });
  assert.deepEqual((await db.query<{ x: number }>('SELECT x FROM t ORDER BY x')).rows.map((r) => r.x), ENGINE === 'pglite' ? [1, 2] : [1, 2, 3]);
  if (ENGINE === 'pglite') return;
  // An error in the other session reaches the caller, and that session's writes are rolled back.
  await assert.rejects(
    db.transaction(async (tx) =>
      tx.alongside!(async (peer) => {
        await peer.exec('INSERT INTO t VALUES (4)');
        await peer.exec('SELECT 1 / 0');
      }),
    ),
    /division by zero/,
  );
  assert.deepEqual((await db.query<{ x: number }>('SELECT x FROM t ORDER BY x')).rows.map((r) => r.x), [1, 2, 3]);
});
