/** Stable small ids for operators (bit positions of `obs_imei.operator_bitmask`). */
import { CeirError } from '../errors.ts';
import { advisoryLock, type Db } from '../store/db.ts';

export async function operatorId(db: Db, code: string): Promise<number> {
  const found = await db.query<{ id: number }>('SELECT id FROM obs_operator WHERE code = $1', [code]);
  if (found.rows.length) return found.rows[0].id;
  // Two operators' first imports at once would both take max(id) + 1: the second failed on the
  // primary key. Serialise new ids (until the caller's transaction ends), then look again.
  await advisoryLock(db, 'ceir:observations:operator-ids');
  const again = await db.query<{ id: number }>('SELECT id FROM obs_operator WHERE code = $1', [code]);
  if (again.rows.length) return again.rows[0].id;
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO obs_operator (id, code) SELECT coalesce(max(id) + 1, 0), $1 FROM obs_operator
     WHERE (SELECT count(*) FROM obs_operator) < 31 RETURNING id`,
    [code],
  );
  if (!rows.length) throw new CeirError('CEIR_ERR_INTERNAL', 'at most 31 operators can send observations (operator bitmasks are 31 bits)');
  return rows[0].id;
}

/** Operator codes of a bitmask. */
export async function operatorCodes(db: Db, mask: number): Promise<string[]> {
  const { rows } = await db.query<{ id: number; code: string }>('SELECT id, code FROM obs_operator ORDER BY id');
  return rows.filter((r) => mask & (1 << r.id)).map((r) => r.code);
}
