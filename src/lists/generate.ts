/**
 * A list run (`ceir lists`): one new version. In one transaction under an advisory lock: the new
 * content for the list date is built, its delta against the previous version stored and applied
 * to the current lists, the delta against the requested base computed, and (with `out`) the files
 * written and signed. Files are written into a hidden folder and moved into place after the
 * commit, so a failed run leaves neither a version nor a folder behind.
 */
import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { CountryProfile } from '../config/profile.ts';
import { CeirError } from '../errors.ts';
import { runAlone, type Db } from '../store/db.ts';
import { BASE_DELTA_TABLE, buildBaseDelta } from './base.ts';
import { buildContent } from './build.ts';
import { applyChainDelta, storeChainDelta, zeroChanges, type ListName } from './delta.ts';
import { BLOCKLIST_FOLDER, EIR_FOLDER, writeVersionFiles, type DeltaSource, type Manifest } from './files.ts';
import type { SigningKey } from './keys.ts';

export interface GenerateListsOptions {
  profile: CountryProfile;
  /** `YYYY-MM-DD`; default: the analysis date of the latest classification run. */
  listDate?: string;
  /** Version the deltas (files, counts) are against; default: the previous version. */
  base?: number;
  /** Write the files into `<out>/<version>/`. */
  out?: string;
  /** Signs the manifests; required with `out`. */
  key?: SigningKey;
  /** The version's creation time (default: now). */
  now?: Date;
}

export interface VersionCounts {
  blocklist: number;
  notifications: Record<string, number>;
  exceptions: Record<string, number>;
  /** Delta rows against the base version, per change type (per operator for the operator lists). */
  delta: {
    blocklist: Record<string, number>;
    notifications: Record<string, Record<string, number>>;
    exceptions: Record<string, Record<string, number>>;
  };
}

export interface ListsReport {
  version: number;
  list_date: string;
  created_at: string;
  previous_version: number | null;
  base_version: number | null;
  classification_run: number;
  counts: VersionCounts;
  /** The version's folder, when files were written. */
  out: string | null;
  key_thumbprint: string | null;
  duration_ms: number;
}

async function countVersion(tx: Db, operators: string[], delta: DeltaSource): Promise<VersionCounts> {
  const perOp = () => Object.fromEntries(operators.map((o) => [o, 0]));
  const counts: VersionCounts = {
    blocklist: (await tx.query<{ n: number }>('SELECT count(*) AS n FROM lst_t_block')).rows[0].n,
    notifications: perOp(),
    exceptions: perOp(),
    delta: {
      blocklist: zeroChanges('blocklist'),
      notifications: Object.fromEntries(operators.map((o) => [o, zeroChanges('notifications')])),
      exceptions: Object.fromEntries(operators.map((o) => [o, zeroChanges('exceptions')])),
    },
  };
  for (const [list, table] of [['notifications', 'lst_t_notif'], ['exceptions', 'lst_t_exc']] as const) {
    const { rows } = await tx.query<{ operator: string; n: number }>(`SELECT operator, count(*) AS n FROM ${table} GROUP BY operator`);
    for (const r of rows) counts[list][r.operator] = r.n;
  }
  const { rows } = await tx.query<{ list: ListName; operator: string; change: string; n: number }>(
    `SELECT list, operator, change, count(*) AS n FROM ${delta.from} WHERE ${delta.where} GROUP BY list, operator, change`,
    delta.params,
  );
  for (const r of rows) {
    if (r.list === 'blocklist') counts.delta.blocklist[r.change] = r.n;
    else (counts.delta[r.list][r.operator] ??= zeroChanges(r.list))[r.change] = r.n;
  }
  return counts;
}

async function latestRun(tx: Db): Promise<{ id: number; analysis_date: string }> {
  const { rows } = await tx.query<{ id: number; analysis_date: string }>('SELECT id, analysis_date::text AS analysis_date FROM v_cls_latest_run');
  if (!rows.length) throw new CeirError('CEIR_ERR_NOT_FOUND', 'no classification run yet: run `ceir classify` before generating lists');
  return rows[0];
}

async function chooseBase(tx: Db, requested: number | undefined, previous: number | null): Promise<number | null> {
  if (requested === undefined) return previous;
  const { rows } = await tx.query<{ id: number }>('SELECT id FROM lst_version WHERE id = $1', [requested]);
  if (!rows.length) {
    throw new CeirError('CEIR_ERR_USAGE', `--base ${requested}: no such list version${previous ? ` (versions run from 1 to ${previous})` : ' (none yet)'}`);
  }
  return requested;
}

export async function generateLists(db: Db, opts: GenerateListsOptions): Promise<ListsReport> {
  const started = Date.now();
  if (opts.listDate && !/^\d{4}-\d{2}-\d{2}$/.test(opts.listDate)) throw new CeirError('CEIR_ERR_USAGE', `list date "${opts.listDate}" is not YYYY-MM-DD`);
  if (opts.out && !opts.key) throw new Error('generateLists: writing files needs a signing key');
  const operators = opts.profile.operators.map((o) => o.id);
  for (const reserved of [BLOCKLIST_FOLDER, EIR_FOLDER]) {
    if (operators.includes(reserved)) throw new CeirError('CEIR_ERR_CONFIG_INVALID', `an operator cannot be called "${reserved}": that is a folder of every list version`);
  }
  const createdAt = opts.now ?? new Date();
  const { signing_key_file: _key, ...options } = opts.profile.lists;
  // Set inside the transaction: the hidden folder being written.
  const partial: { dir: string | null } = { dir: null };
  try {
    // The states of the run the version names, and the observations as they were then read,
    // whatever a classification or an import commits meanwhile.
    const report = await runAlone(db, 'ceir:lists', 'list run', async (tx): Promise<ListsReport> => {
      // Sorts and hashes over whole lists: spilling to disk at the 4 MB default tripled the time of
      // the reasons aggregation over 1 M states (2.9 s → 0.6 s with this). PostgreSQL server only:
      // PGlite's memory is the WebAssembly heap.
      if (tx.engine === 'postgres') await tx.exec(`SET LOCAL work_mem = '256MB'`);
      const run = await latestRun(tx);
      const listDate = opts.listDate ?? run.analysis_date;
      const previous = (await tx.query<{ v: number | null }>('SELECT max(id) AS v FROM lst_version')).rows[0].v;
      const base = await chooseBase(tx, opts.base, previous);

      await buildContent(tx, { profile: opts.profile, listDate, options: opts.profile.lists });
      const { rows } = await tx.query<{ id: number }>(
        `INSERT INTO lst_version (list_date, created_at, base_version, cls_run, options, counts) VALUES ($1, $2, $3, $4, $5, '{}') RETURNING id`,
        [listDate, createdAt, base, run.id, JSON.stringify(options)],
      );
      const version = rows[0].id;
      await storeChainDelta(tx, version);
      await applyChainDelta(tx, version);
      let delta: DeltaSource = { from: 'lst_delta', where: 'version = $1', params: [version] };
      if (base !== null && base !== previous) {
        await buildBaseDelta(tx, base, version);
        delta = { from: BASE_DELTA_TABLE, where: 'true', params: [] };
      }
      const counts = await countVersion(tx, operators, delta);

      let manifests: Record<string, Manifest> | null = null;
      let folder: string | null = null;
      if (opts.out) {
        folder = join(opts.out, String(version));
        if (existsSync(folder)) throw new CeirError('CEIR_ERR_USAGE', `${folder} already exists: list version ${version} was written there by another database? Choose another --out`);
        partial.dir = join(opts.out, `.${version}.partial`);
        await rm(partial.dir, { recursive: true, force: true });
        manifests = await writeVersionFiles(tx, {
          dir: partial.dir, version, baseVersion: base, listDate, createdAt, country: opts.profile.country.name, operators,
          checkDigit: opts.profile.lists.generate_check_digit, exemptedDeviceTypes: opts.profile.exempted_device_types, delta, key: opts.key!,
        });
      }
      await tx.query('UPDATE lst_version SET counts = $2, manifest = $3 WHERE id = $1', [version, JSON.stringify(counts), manifests && JSON.stringify(manifests)]);
      return {
        version, list_date: listDate, created_at: createdAt.toISOString(), previous_version: previous, base_version: base,
        classification_run: run.id, counts, out: folder, key_thumbprint: opts.out ? opts.key!.thumbprint : null, duration_ms: 0,
      };
    });
    if (partial.dir && report.out) await rename(partial.dir, report.out);
    report.duration_ms = Date.now() - started;
    return report;
  } catch (e) {
    if (partial.dir) await rm(partial.dir, { recursive: true, force: true });
    throw e;
  }
}
