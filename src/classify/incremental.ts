/**
 * What a run carries to the next, so that the next one does the work of what changed only
 * (docs/classification.md, "Speed"): per cached dimension, the observation and reference imports
 * its cache reflects. A cache is used only while it provably still holds: the same dimension,
 * parameters and profile settings (the key), no reference import of the lists it reads since, and
 * every observation import it saw still the only ones up to its last (an import that committed
 * late, under an older id, makes it start over).
 */
import { createHash } from 'node:crypto';
import type { CountryProfile } from '../config/profile.ts';
import type { Db } from '../store/db.ts';

/** The imports visible to this run. */
export interface Watermark {
  obsMax: number;
  obsCount: number;
  /** Per reference list kind: imports and the latest import id. */
  refs: Record<string, { n: number; max: number }>;
}

export async function readWatermark(tx: Db): Promise<Watermark> {
  const obs = await tx.query<{ max: number; n: number }>('SELECT coalesce(max(id), 0) AS max, count(*) AS n FROM v_obs_import');
  const refs = await tx.query<{ kind: string; n: number; max: number }>('SELECT kind, count(*) AS n, max(id) AS max FROM v_reference_import GROUP BY kind');
  return { obsMax: obs.rows[0].max, obsCount: obs.rows[0].n, refs: Object.fromEntries(refs.rows.map((r) => [r.kind, { n: r.n, max: r.max }])) };
}

/** The imports of `kinds` (sorted), as stored with a cache. */
function refFingerprint(w: Watermark, kinds: readonly string[]): Record<string, { n: number; max: number }> {
  return Object.fromEntries([...kinds].sort().map((k) => [k, w.refs[k] ?? { n: 0, max: 0 }]));
}

/** A cache's key: the dimension, its parameters and the profile settings dimensions read. */
export function cacheKey(module: string, parameters: unknown, profile: CountryProfile): string {
  const settings = { country: profile.country, operators: profile.operators, exempted: profile.exempted_device_types };
  return createHash('sha1').update(JSON.stringify([module, parameters, settings])).digest('hex').slice(0, 20);
}

export interface CacheState {
  key: string;
  analysis_date: string;
  obs_import_max: number;
  covered_from: string | null;
  covered_to: string | null;
}

/** The cache of `key` if it still holds for this run (see the module's comment), else null. */
export async function validCache(tx: Db, key: string, w: Watermark, kinds: readonly string[]): Promise<CacheState | null> {
  const { rows } = await tx.query<CacheState & { obs_import_count: number; ref_imports: unknown }>(
    'SELECT key, analysis_date::text AS analysis_date, obs_import_max, obs_import_count, ref_imports, covered_from::text AS covered_from, covered_to::text AS covered_to FROM cls_dim_cache WHERE key = $1',
    [key],
  );
  const c = rows[0];
  if (!c || JSON.stringify(c.ref_imports) !== JSON.stringify(refFingerprint(w, kinds))) return null;
  if (c.obs_import_max > w.obsMax) return null;
  const seen = await tx.query<{ n: number }>('SELECT count(*) AS n FROM v_obs_import WHERE id <= $1', [c.obs_import_max]);
  return seen.rows[0].n === c.obs_import_count ? c : null;
}

/** Record that the cache of `key` now reflects the imports of `w` and holds the days `covered`. */
export async function saveCache(tx: Db, key: string, D: string, w: Watermark, kinds: readonly string[], covered: { from: string; to: string }): Promise<void> {
  await tx.query(
    `INSERT INTO cls_dim_cache AS c (key, analysis_date, obs_import_max, obs_import_count, ref_imports, covered_from, covered_to)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (key) DO UPDATE SET analysis_date = excluded.analysis_date, obs_import_max = excluded.obs_import_max,
       obs_import_count = excluded.obs_import_count, ref_imports = excluded.ref_imports, covered_from = excluded.covered_from, covered_to = excluded.covered_to`,
    [key, D, w.obsMax, w.obsCount, JSON.stringify(refFingerprint(w, kinds)), covered.from, covered.to],
  );
}
