/**
 * A classification run reads one snapshot of the data, in every session it uses: an operator file
 * imported while it runs (classification and imports do not wait for each other) is left to the
 * next run, whole, never seen by part of this one. A list run likewise builds its version from the
 * states of the classification run it names, whatever commits meanwhile.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { classify, type ClassifyReport } from '../../src/classify/engine.ts';
import { generateLists } from '../../src/lists/generate.ts';
import { generateCountry, type GeneratedCountry } from '../../src/generate/index.ts';
import { importObservations } from '../../src/observations/importer.ts';
import { importList } from '../../src/reference/importer.ts';
import { LIST_KINDS } from '../../src/reference/lists.ts';
import type { Db } from '../../src/store/db.ts';
import { slice, ymd } from '../helpers/slice.ts';
import { demoProfile, ENGINE, freshDb } from '../helpers/store.ts';

const dir = mkdtempSync(join(tmpdir(), 'ceir-snapshot-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const profile = demoProfile();
const DAYS = 12;
const iso = (d: string) => `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`;

/** A store with the reference lists and the first days of `country`; `last` imports its last day. */
async function setUp(country: GeneratedCountry): Promise<{ db: Db; last: (db: Db) => Promise<void> }> {
  const db = await freshDb();
  for (const kind of LIST_KINDS) {
    const f = kind === 'cell_list' ? country.cells! : country.reference[kind];
    assert.equal((await importList(db, { kind, file: f.path, profile })).status, 'imported', kind);
  }
  const today = new Date(`${country.asOf}T12:00:00Z`);
  const days = async (into: Db, from: number, to: number) => {
    for (const f of country.files) {
      const path = await slice(join(dir, 'slices'), f.path, f.operator, ymd(country.start, from), ymd(country.start, to));
      const r = await importObservations(into, { file: path, operator: f.operator, profile, today, disabledGates: ['daily_volume'] });
      assert.equal(r.status, 'imported', path);
    }
  };
  await days(db, 0, DAYS - 2);
  return { db, last: (into) => days(into, DAYS - 1, DAYS - 1) };
}

const outcome = async (db: Db, r: ClassifyReport) => ({
  report: { analysis_date: r.analysis_date, seen_imeis: r.seen_imeis, conditions: r.conditions },
  states: (await db.query('SELECT imei_norm, cond, start_date, end_date, block_date, evidence FROM cls_state ORDER BY imei_norm COLLATE "C", cond, start_date')).rows,
});

/**
 * `inner`, on which the first statement of a transaction matching `trigger` first starts
 * `concurrently` (another transaction). On the server, that statement and every later one of the
 * transaction, in each of its sessions, waits until the other has committed; PGlite, one session,
 * runs the other's statements after the transaction.
 */
function racing(inner: Db, trigger: RegExp, concurrently: () => Promise<void>): { db: Db; started: () => Promise<void> | null } {
  let started: Promise<void> | null = null;
  const call = (v: unknown, t: Db, args: unknown[]) => (v as (...a: unknown[]) => Promise<unknown>).apply(t, args);
  const gated = (tx: Db): Db =>
    new Proxy(tx, {
      get(t, k) {
        const v = Reflect.get(t, k, t) as unknown;
        if (k === 'query' || k === 'exec' || k === 'copyFrom' || k === 'copyTo') {
          return async (...args: unknown[]) => {
            if (!started && trigger.test(String(args[0]))) started = concurrently();
            if (started && ENGINE === 'postgres') await started;
            return call(v, t, args);
          };
        }
        if (k === 'alongside' && v) return (f: (peer: Db) => Promise<unknown>) => call(v, t, [(peer: Db) => f(gated(peer))]);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
      },
    });
  const db = new Proxy(inner, {
    get(t, k) {
      if (k === 'transaction') return (fn: (tx: Db) => Promise<unknown>) => t.transaction((tx) => fn(gated(tx)));
      const v = Reflect.get(t, k, t) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
  return { db, started: () => started };
}

const listed = async (db: Db) => ({
  block: (await db.query('SELECT * FROM lst_block ORDER BY imei_norm')).rows,
  notifications: (await db.query('SELECT * FROM lst_notification ORDER BY operator, imei_norm, imsi, msisdn')).rows,
});

test('a run reads one snapshot: what commits meanwhile is left whole to the next run', async () => {
  const country = await generateCountry({ outDir: dir, profile, seed: 5, subscribers: 600, days: DAYS, start: '20260301', withLocation: true, withSoftwareVersion: true });
  const D = iso(ymd(country.start, DAYS - 1));
  const next = iso(ymd(country.start, DAYS));
  // Long after: the windows hold no observation any more, so states close.
  const later = iso(ymd(country.start, DAYS + 60));

  // The reference: one thing after the other.
  const ref = await setUp(country);
  const before = await outcome(ref.db, await classify(ref.db, { profile, analysisDate: D }));
  await ref.last(ref.db);
  await generateLists(ref.db, { profile, listDate: next });
  const lists = await listed(ref.db);
  const afterwards = await outcome(ref.db, await classify(ref.db, { profile, analysisDate: later }));
  // Each step changes what the one before it would find (or the comparisons below would prove nothing).
  assert.ok((await outcome(ref.db, await classify(ref.db, { profile, analysisDate: next, whatIf: true }))).report.seen_imeis > before.report.seen_imeis, 'the last day brings devices not seen before');
  assert.ok(afterwards.report.conditions.some((c) => c.blocking && c.closed > 0), 'the later run releases blocked devices');

  // The same, each step committed while the one before it reads: the last day's import while the
  // run computes its dimensions, the later run while the lists are built.
  const { db, last } = await setUp(country);
  let committed = false;
  const imported = racing(db, /^CREATE TEMP TABLE cls_/, async () => {
    await last(db);
    committed = true;
  });
  const during = await classify(imported.db, { profile, analysisDate: D });
  assert.ok(imported.started(), 'the import started while the run was reading');
  assert.equal(committed, ENGINE === 'postgres', 'on the server, the import committed before the run read on');
  assert.deepEqual(await outcome(db, during), before, 'the run saw none of the import');
  await imported.started();

  let laterRun: Promise<ClassifyReport> | null = null;
  const classified = racing(db, /lst_t_imei/, async () => {
    laterRun = classify(db, { profile, analysisDate: later });
    await laterRun;
  });
  const version = await generateLists(classified.db, { profile, listDate: next });
  assert.ok(laterRun, 'the later run started while the lists were built');
  assert.equal(version.classification_run, during.run_id, 'the lists name the run they were built from');
  assert.deepEqual(await listed(db), lists, 'and hold its lists');
  assert.deepEqual(await outcome(db, await laterRun!), afterwards, 'the later run saw all that had committed before it');
});
