/**
 * Read a large relation in key order, one page at a time (keyset pagination on an index): lists
 * reach 10^8 rows, and the Db interface returns whole results.
 */
import type { Db } from '../store/db.ts';

export interface PagedQuery {
  select: string;
  from: string;
  /** Fixed conditions using $1..$n of `params`. */
  where: string;
  params: unknown[];
  /** Key columns, in index order after the fixed equality columns. */
  keys: string[];
}

export async function* pages<T extends Record<string, unknown>>(db: Db, q: PagedQuery, size = 20_000): AsyncGenerator<T[]> {
  let after: unknown[] | null = null;
  const order = q.keys.join(', ');
  for (;;) {
    const params = [...q.params];
    let cond = q.where;
    if (after) {
      const marks = after.map((v) => {
        params.push(v);
        return `$${params.length}`;
      });
      cond += ` AND (${order}) > (${marks.join(', ')})`;
    }
    params.push(size);
    const { rows } = await db.query<T>(`SELECT ${q.select} FROM ${q.from} WHERE ${cond} ORDER BY ${order} LIMIT $${params.length}`, params);
    if (rows.length) yield rows;
    if (rows.length < size) return;
    const lastRow = rows[rows.length - 1];
    after = q.keys.map((k) => lastRow[k]);
  }
}
