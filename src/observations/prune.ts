/**
 * Retention: subscriber-level data (IMSI, MSISDN, location per month) older than the retention
 * period is removed by dropping whole monthly partitions, with the summaries drawn from it;
 * IMEI-level facts stay. Every prune is recorded with what it removed.
 */
import { advisoryLock, type Db } from '../store/db.ts';

export interface PruneReport {
  months_kept: number;
  cutoff: string;
  partitions: string[];
  rows_removed: number;
}

const PARTITIONED = ['obs_triplet', 'obs_location'];

/** Months strictly before the first day of (this month − `months`) are removed. */
export function pruneCutoff(months: number, now = new Date()): string {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - months, 1));
  return d.toISOString().slice(0, 10);
}

export async function prune(db: Db, months: number, now = new Date()): Promise<PruneReport> {
  const cutoff = pruneCutoff(months, now);
  return db.transaction(async (tx) => {
    await advisoryLock(tx, 'ceir:observations:prune');
    const partitions: string[] = [];
    let removed = 0;
    for (const parent of PARTITIONED) {
      const { rows } = await tx.query<{ name: string }>(
        `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = $1::regclass ORDER BY c.relname`,
        [parent],
      );
      for (const { name } of rows) {
        const m = /_y(\d{4})m(\d{2})$/.exec(name);
        if (!m || `${m[1]}-${m[2]}-01` >= cutoff) continue;
        const n = await tx.query<{ n: number }>(`SELECT count(*) AS n FROM ${name}`);
        removed += n.rows[0].n;
        await tx.exec(`DROP TABLE ${name}`);
        partitions.push(name);
      }
    }
    // The summaries follow: multi-cell days of the months dropped, current identifiers of IMEIs
    // not seen since the cutoff (personal data: kept no longer than the observations).
    await tx.query('DELETE FROM obs_loc_multi WHERE month < $1', [cutoff]);
    await tx.query('DELETE FROM obs_imei_ident i USING obs_imei o WHERE o.imei_norm = i.imei_norm AND o.last_seen < $1', [cutoff]);
    await tx.query('INSERT INTO obs_prune (months_kept, cutoff, partitions, rows_removed) VALUES ($1, $2, $3, $4)', [months, cutoff, partitions, removed]);
    return { months_kept: months, cutoff, partitions, rows_removed: removed };
  });
}
