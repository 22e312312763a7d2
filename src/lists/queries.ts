/** Questions other modules and faces ask the lists module: versions, deltas since a version, membership. */
import type { Db } from '../store/db.ts';
import type { ListName } from './delta.ts';
import type { VersionCounts } from './generate.ts';

export interface VersionInfo {
  id: number;
  list_date: string;
  created_at: string;
  base_version: number | null;
  cls_run: number;
  counts: VersionCounts;
}

export async function listVersions(db: Db): Promise<VersionInfo[]> {
  const { rows } = await db.query<VersionInfo & { created_at: Date | string }>(
    'SELECT id, list_date::text AS list_date, created_at, base_version, cls_run, counts FROM lst_version ORDER BY id',
  );
  return rows.map((r) => ({ ...r, created_at: new Date(r.created_at).toISOString() }));
}

export interface DeltaRow {
  version: number;
  list: ListName;
  /** null for the block list. */
  operator: string | null;
  imei_norm: string;
  imsi: string | null;
  msisdn: string | null;
  block_date: string | null;
  reasons: string | null;
  change: string;
}

/**
 * Every change after version `since` (0: from the start) that concerns `operator`: the block
 * list's and that operator's notification and exception rows, in version order. Each version's
 * rows are its delta against the version before it: applied in order to the lists of `since`,
 * they give the latest lists. Removal rows carry the removed values.
 */
export async function deltasSince(db: Db, operator: string, since: number): Promise<DeltaRow[]> {
  const { rows } = await db.query<DeltaRow>(
    `SELECT version, list, nullif(operator, '') AS operator, imei_norm, nullif(imsi, '') AS imsi, nullif(msisdn, '') AS msisdn,
            block_date::text AS block_date, reasons, change
     FROM lst_delta WHERE version > $1 AND (list = 'blocklist' OR operator = $2)
     ORDER BY version, list, imei_norm, imsi, msisdn`,
    [since, operator],
  );
  return rows;
}

export interface Membership {
  /** The latest list version (null before the first). */
  version: number | null;
  blocklist: { block_date: string; reasons: string[] } | null;
  notifications: { operator: string; imsi: string; msisdn: string; block_date: string; reasons: string[] }[];
  exceptions: { operator: string; imsi: string; msisdn: string }[];
}

/** Where one IMEI (a 14-digit key) stands on the latest lists. Holds IMSIs and MSISDNs: callers mask. */
export async function listMembership(db: Db, imeiNorm: string): Promise<Membership> {
  const version = (await db.query<{ v: number | null }>('SELECT max(id) AS v FROM lst_version')).rows[0].v;
  const block = await db.query<{ block_date: string; reasons: string }>('SELECT block_date::text AS block_date, reasons FROM lst_block WHERE imei_norm = $1', [imeiNorm]);
  const notif = await db.query<{ operator: string; imsi: string; msisdn: string; block_date: string; reasons: string }>(
    'SELECT operator, imsi, msisdn, block_date::text AS block_date, reasons FROM lst_notification WHERE imei_norm = $1 ORDER BY operator, imsi, msisdn',
    [imeiNorm],
  );
  const exc = await db.query<{ operator: string; imsi: string; msisdn: string }>(
    'SELECT operator, imsi, msisdn FROM lst_exception WHERE imei_norm = $1 ORDER BY operator, imsi, msisdn',
    [imeiNorm],
  );
  return {
    version,
    blocklist: block.rows.length ? { block_date: block.rows[0].block_date, reasons: block.rows[0].reasons.split('|') } : null,
    notifications: notif.rows.map((r) => ({ ...r, reasons: r.reasons.split('|') })),
    exceptions: exc.rows,
  };
}

export interface EirExamples {
  /** A stolen phone on the block list. */
  blocked?: { imei_norm: string };
  /** A notified phone (in its grace period) and one of its subscribers. */
  notified?: { imei_norm: string; imsi: string };
  /** A pairing (exception) of a phone that is otherwise listed: its own subscriber is let through. */
  paired?: { imei_norm: string; imsi: string };
}

/**
 * One phone of each kind on the latest lists, for the demo's banner and documentation: IMEIs with
 * a TAC of the GSMA catalogue (not the all-zero or invented ones a list also holds).
 */
export async function eirExamples(db: Db): Promise<EirExamples> {
  const one = async <T extends Record<string, unknown>>(sql: string) => (await db.query<T>(sql)).rows[0];
  const catalogued = (col: string) => `EXISTS (SELECT 1 FROM v_gsma_tac g WHERE g.tac = left(${col}, 8))`;
  return {
    blocked: await one<{ imei_norm: string }>(
      `SELECT b.imei_norm FROM lst_block b JOIN v_stolen s ON s.imei_norm = b.imei_norm AND s.stolen
       WHERE b.imei_norm ~ '^[0-9]{14}$' AND ${catalogued('b.imei_norm')} ORDER BY b.imei_norm LIMIT 1`,
    ),
    notified: await one<{ imei_norm: string; imsi: string }>(
      `SELECT n.imei_norm, n.imsi FROM lst_notification n
       WHERE n.imei_norm ~ '^[0-9]{14}$' AND n.imsi <> '' AND ${catalogued('n.imei_norm')}
         AND NOT EXISTS (SELECT 1 FROM lst_block b WHERE b.imei_norm = n.imei_norm)
         AND NOT EXISTS (SELECT 1 FROM lst_exception e WHERE e.imei_norm = n.imei_norm)
       ORDER BY n.imei_norm, n.imsi LIMIT 1`,
    ),
    paired: await one<{ imei_norm: string; imsi: string }>(
      `SELECT e.imei_norm, e.imsi FROM lst_exception e
       WHERE e.imei_norm ~ '^[0-9]{14}$' AND e.imsi <> '' AND ${catalogued('e.imei_norm')}
         AND (EXISTS (SELECT 1 FROM lst_block b WHERE b.imei_norm = e.imei_norm)
              OR EXISTS (SELECT 1 FROM lst_notification n WHERE n.imei_norm = e.imei_norm))
       ORDER BY e.imei_norm, e.imsi LIMIT 1`,
    ),
  };
}
