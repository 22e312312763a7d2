/**
 * Compose a condition's dimensions into one SQL statement that materialises its matches
 * (`imei_norm`, `evidence`) in a temporary table. A dimension used by several conditions (same
 * module, parameters and inversion) is computed once per run.
 */
import { createHash } from 'node:crypto';
import type { Db } from '../store/db.ts';
import type { ConditionConfig } from './config.ts';
import type { DimensionContext } from './dimension.ts';
import { DIMENSIONS } from './dimensions/index.ts';

export class MatchBuilder {
  private readonly cache = new Map<string, string>();
  private n = 0;

  constructor(
    private readonly tx: Db,
    private readonly ctx: DimensionContext,
  ) {}

  /** The temp table holding one dimension's result (computed on first use). */
  private async dimensionTable(module: string, parameters: Record<string, unknown>): Promise<string> {
    const key = createHash('sha1').update(JSON.stringify([module, parameters])).digest('hex');
    const cached = this.cache.get(key);
    if (cached) return cached;
    const dim = DIMENSIONS[module];
    const params = dim.params.parse(parameters);
    const q = dim.sql(params, this.ctx);
    const table = `cls_dim_${++this.n}`;
    await this.tx.query(`CREATE TEMP TABLE ${table} ON COMMIT DROP AS SELECT imei_norm, evidence FROM (${q.text}) d`, q.values);
    await this.tx.exec(`CREATE INDEX ON ${table} (imei_norm); ANALYZE ${table}`);
    this.cache.set(key, table);
    return table;
  }

  /** Materialise the matches of a condition into `table`; returns the number of IMEIs. */
  async build(cond: ConditionConfig, table: string): Promise<number> {
    const parts: { table: string; invert: boolean; name: string }[] = [];
    const names = new Map<string, number>();
    for (const d of cond.dimensions) {
      const seen = names.get(d.module) ?? 0;
      names.set(d.module, seen + 1);
      const name = `${d.invert ? 'not_' : ''}${d.module}${seen ? `_${seen + 1}` : ''}`;
      parts.push({ table: await this.dimensionTable(d.module, d.parameters), invert: d.invert, name });
    }
    const positive = parts.filter((p) => !p.invert);
    const negative = parts.filter((p) => p.invert);
    // An inverted dimension is relative to the IMEIs seen on the network.
    const base = positive.length ? positive[0].table : 'v_seen_imei';
    const joins = positive.slice(1).map((p, i) => `JOIN ${p.table} p${i + 1} ON p${i + 1}.imei_norm = b.imei_norm`);
    const nots = negative.map((p) => `NOT EXISTS (SELECT 1 FROM ${p.table} x WHERE x.imei_norm = b.imei_norm)`);
    const evidence = [
      ...positive.map((p, i) => `'${p.name}', ${i === 0 ? 'b' : `p${i}`}.evidence`),
      ...negative.map((p) => `'${p.name}', 'true'::jsonb`),
    ];
    await this.tx.query(
      `CREATE TEMP TABLE ${table} ON COMMIT DROP AS
       SELECT b.imei_norm, jsonb_build_object(${evidence.join(', ')}) AS evidence
       FROM ${base} b ${joins.join(' ')}
       ${nots.length ? `WHERE ${nots.join(' AND ')}` : ''}`,
    );
    await this.tx.exec(`CREATE INDEX ON ${table} (imei_norm); ANALYZE ${table}`);
    const { rows } = await this.tx.query<{ n: number }>(`SELECT count(*) AS n FROM ${table}`);
    return rows[0].n;
  }
}
