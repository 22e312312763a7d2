/**
 * The delta of the new version against an older base version B (`ceir lists --base B`), without
 * full snapshots: only keys that changed after B can differ, and the first chain-delta row of
 * such a key after B tells its content at B (an added row was absent; a removed row was present
 * with the removed values; a changed row had its `prev_*` values). The cost is proportional to
 * the delta rows stored since B, not to the size of the lists.
 */
import type { Db } from '../store/db.ts';
import { ADDS, diffSelect, LIST_NAMES, SPECS } from './delta.ts';

/** Table of the file delta against an older base: (list, operator, imei_norm, imsi, msisdn, …, change). */
export const BASE_DELTA_TABLE = 'lst_t_fdelta';

/**
 * Fill `lst_t_fdelta` with the delta from version `base` to the current content (version
 * `version`, whose chain delta is already stored and applied).
 */
export async function buildBaseDelta(tx: Db, base: number, version: number): Promise<void> {
  await tx.query(
    `CREATE TEMP TABLE lst_t_bstate ON COMMIT DROP AS
     SELECT DISTINCT ON (list, operator, imei_norm, imsi, msisdn) list, operator, imei_norm, imsi, msisdn,
            change <> ALL($3::text[]) AS present,
            CASE WHEN change = 'changed' THEN prev_block_date ELSE block_date END AS block_date,
            CASE WHEN change = 'changed' THEN prev_reasons ELSE reasons END AS reasons
     FROM lst_delta WHERE version > $1 AND version <= $2
     ORDER BY list, operator, imei_norm, imsi, msisdn, version`,
    [base, version, ADDS],
  );
  await tx.exec(`
    CREATE INDEX ON lst_t_bstate (list, operator, imei_norm, imsi, msisdn);
    ANALYZE lst_t_bstate;
    CREATE TEMP TABLE ${BASE_DELTA_TABLE} (list text, operator text, imei_norm text, imsi text, msisdn text,
      block_date date, reasons text, change text NOT NULL, PRIMARY KEY (list, imei_norm, operator, imsi, msisdn)) ON COMMIT DROP;`);
  for (const list of LIST_NAMES) {
    const s = SPECS[list];
    const values = s.hasValues ? ', block_date, reasons' : '';
    const keyMatch = ['operator', 'imei_norm', 'imsi', 'msisdn'].map((k) => `k.${k} = ${s.keys.includes(k) ? `c.${k}` : `''`}`).join(' AND ');
    const oldRel = `(SELECT ${s.keys.join(', ')}${values} FROM lst_t_bstate WHERE list = '${list}' AND present)`;
    const newRel = `(SELECT c.* FROM ${s.table} c WHERE EXISTS (SELECT 1 FROM lst_t_bstate k WHERE k.list = '${list}' AND ${keyMatch}))`;
    await tx.query(
      `INSERT INTO ${BASE_DELTA_TABLE} SELECT $1, d.operator, d.imei_norm, d.imsi, d.msisdn, d.block_date, d.reasons, d.change
       FROM (${diffSelect(list, oldRel, newRel)}) d`,
      [list],
    );
  }
}
