/**
 * Deltas between two contents of a list, in SQL (DOMAIN §6 change reasons):
 * block list `blocked` / `unblocked` / `changed`; notifications `new` / `resolved` /
 * `blacklisted` / `no_longer_seen` / `changed`; exceptions `added` / `removed`.
 *
 * A removed notification's reason is decided by the new state, in DIRBS's order: the subscriber
 * is now paired with the IMEI → `resolved`; the IMEI is now on the block list → `blacklisted`;
 * the IMEI is still pending (the subscriber was not seen in the window) → `no_longer_seen`;
 * otherwise (the state closed, the IMEI turned golden...) → `resolved`.
 */
import type { Db } from '../store/db.ts';

export type ListName = 'blocklist' | 'notifications' | 'exceptions';
export const LIST_NAMES: readonly ListName[] = ['blocklist', 'notifications', 'exceptions'];

export const CHANGES: Record<ListName, readonly string[]> = {
  blocklist: ['blocked', 'unblocked', 'changed'],
  notifications: ['new', 'resolved', 'blacklisted', 'no_longer_seen', 'changed'],
  exceptions: ['added', 'removed'],
};

/** Every change type of a list at 0 (counts start from it). */
export const zeroChanges = (list: ListName): Record<string, number> => Object.fromEntries(CHANGES[list].map((c) => [c, 0]));

/** Changes that put a row on a list (the rest take one off, but `changed`). */
export const ADDS = ['blocked', 'new', 'added'];

interface ListSpec {
  /** Current content (the latest version). */
  table: string;
  /** New content, built by `buildContent`. */
  temp: string;
  keys: string[];
  hasValues: boolean;
  add: string;
  removed: string;
}

const REMOVED_NOTIFICATION = `CASE
  WHEN EXISTS (SELECT 1 FROM v_pairing pr WHERE pr.imei_norm = o.imei_norm AND pr.imsi = o.imsi) THEN 'resolved'
  WHEN EXISTS (SELECT 1 FROM lst_t_block b WHERE b.imei_norm = o.imei_norm) THEN 'blacklisted'
  WHEN EXISTS (SELECT 1 FROM lst_t_pending p WHERE p.imei_norm = o.imei_norm) THEN 'no_longer_seen'
  ELSE 'resolved' END`;

export const SPECS: Record<ListName, ListSpec> = {
  blocklist: { table: 'lst_block', temp: 'lst_t_block', keys: ['imei_norm'], hasValues: true, add: `'blocked'`, removed: `'unblocked'` },
  notifications: {
    table: 'lst_notification', temp: 'lst_t_notif', keys: ['operator', 'imei_norm', 'imsi', 'msisdn'], hasValues: true,
    add: `'new'`, removed: REMOVED_NOTIFICATION,
  },
  exceptions: { table: 'lst_exception', temp: 'lst_t_exc', keys: ['operator', 'imei_norm', 'imsi', 'msisdn'], hasValues: false, add: `'added'`, removed: `'removed'` },
};

/** Columns of a delta row, in this order, as produced by `diffSelect`. */
export const DELTA_COLUMNS = ['operator', 'imei_norm', 'imsi', 'msisdn', 'block_date', 'reasons', 'prev_block_date', 'prev_reasons', 'change'];

/**
 * SELECT of the delta rows from `oldRel` to `newRel` (relations or parenthesised subqueries
 * with the list's columns). Removal rows carry the old values; `changed` rows the new ones, and
 * the old ones in `prev_*`.
 */
export function diffSelect(list: ListName, oldRel: string, newRel: string): string {
  const s = SPECS[list];
  const key = (c: string) => (s.keys.includes(c) ? `coalesce(n.${c}, o.${c})` : `''`);
  const on = s.keys.map((k) => `o.${k} = n.${k}`).join(' AND ');
  const differs = s.hasValues ? ' OR o.block_date <> n.block_date OR o.reasons <> n.reasons' : '';
  const val = (c: string) => (s.hasValues ? `CASE WHEN n.imei_norm IS NULL THEN o.${c} ELSE n.${c} END` : 'NULL');
  const prev = (c: string) => (s.hasValues ? `CASE WHEN n.imei_norm IS NOT NULL AND o.imei_norm IS NOT NULL THEN o.${c} END` : 'NULL');
  return `SELECT ${key('operator')} AS operator, coalesce(n.imei_norm, o.imei_norm) AS imei_norm, ${key('imsi')} AS imsi, ${key('msisdn')} AS msisdn,
      ${val('block_date')}::date AS block_date, ${val('reasons')}::text AS reasons,
      ${prev('block_date')}::date AS prev_block_date, ${prev('reasons')}::text AS prev_reasons,
      CASE WHEN o.imei_norm IS NULL THEN ${s.add} WHEN n.imei_norm IS NULL THEN ${s.removed} ELSE 'changed' END AS change
    FROM ${oldRel} o FULL JOIN ${newRel} n ON ${on}
    WHERE o.imei_norm IS NULL OR n.imei_norm IS NULL${differs}`;
}

/** Store version `version`'s delta against the current content (the previous version). */
export async function storeChainDelta(tx: Db, version: number): Promise<void> {
  for (const list of LIST_NAMES) {
    const s = SPECS[list];
    await tx.query(
      `INSERT INTO lst_delta (version, list, ${DELTA_COLUMNS.join(', ')})
       SELECT $1, $2, d.* FROM (${diffSelect(list, s.table, s.temp)}) d`,
      [version, list],
    );
  }
}

/** Bring the current content to version `version` by applying its delta. */
export async function applyChainDelta(tx: Db, version: number): Promise<void> {
  for (const list of LIST_NAMES) {
    const s = SPECS[list];
    const on = s.keys.map((k) => `d.${k} = c.${k}`).join(' AND ');
    await tx.query(
      `DELETE FROM ${s.table} c USING lst_delta d
       WHERE d.version = $1 AND d.list = $2 AND d.change <> ALL($3::text[]) AND ${on}`,
      [version, list, ADDS],
    );
    const cols = [...s.keys, ...(s.hasValues ? ['block_date', 'reasons'] : [])].join(', ');
    await tx.query(
      `INSERT INTO ${s.table} (${cols}) SELECT ${cols} FROM lst_delta d
       WHERE d.version = $1 AND d.list = $2 AND (d.change = ANY($3::text[]) OR d.change = 'changed')`,
      [version, list, ADDS],
    );
  }
}
