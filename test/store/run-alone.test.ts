/**
 * `runAlone`: a job under its advisory lock, reading one snapshot throughout, refused as busy
 * rather than waiting for another holder of the lock or writing over rows changed since its snapshot.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { advisoryLock, runAlone } from '../../src/store/db.ts';
import { ENGINE, freshDb } from '../helpers/store.ts';

const busy = (message: RegExp) => (e: Error & { code?: string }) => e.code === 'CEIR_ERR_BUSY' && message.test(e.message);

test('runAlone: one snapshot, the lock, and busy when another job holds it or changed what it writes', async () => {
  const db = await freshDb({ migrate: false });
  await db.exec('CREATE TABLE t (id integer PRIMARY KEY, x integer); INSERT INTO t VALUES (1, 0)');
  const level = await runAlone(db, 'ceir:test', 'test job', async (tx) => (await tx.query<{ l: string }>("SELECT current_setting('transaction_isolation') AS l")).rows[0].l);
  assert.equal(level, 'repeatable read');
  if (ENGINE === 'pglite') return; // one session: nothing else can run meanwhile

  // What commits after the job's first statement is not seen by it.
  const seen = await runAlone(db, 'ceir:test', 'test job', async (tx) => {
    const before = (await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM t')).rows[0].n;
    await db.exec('INSERT INTO t VALUES (2, 0)');
    return [before, (await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM t')).rows[0].n];
  });
  assert.deepEqual(seen, [1, 1]);

  // Another transaction holding the lock: refused at once, not waited for.
  await db.transaction(async (holder) => {
    await advisoryLock(holder, 'ceir:test');
    await assert.rejects(runAlone(db, 'ceir:test', 'test job', async () => 'ran'), busy(/^another test job is in progress/));
  });

  // A row changed and committed after the job's snapshot, then written by the job: refused, nothing written.
  await assert.rejects(
    runAlone(db, 'ceir:test', 'test job', async (tx) => {
      await tx.query('SELECT 1 FROM t');
      await db.exec('UPDATE t SET x = 1 WHERE id = 1');
      await tx.exec('UPDATE t SET x = 2 WHERE id = 1');
    }),
    busy(/^another test job finished as this one started: nothing changed/),
  );
  assert.deepEqual((await db.query<{ x: number }>('SELECT x FROM t WHERE id = 1')).rows[0].x, 1);
});
