/**
 * Tables of the reference module. Every list keeps its whole history: a row is valid from the
 * import that added it until the import that removed or changed it (`valid_to`), never rewritten.
 *
 * Citus: IMEI lists are distributed by `imei_norm`, which leads every unique key; the catalogue,
 * TAC and subscriber lists are reference tables (see docs/deployment.md).
 */
import type { Migration } from '../store/migrate.ts';
import { allSpecs, storedColumns, type ColumnType, type ListSpec } from './lists.ts';

const SQL_TYPE: Record<ColumnType, string> = { text: 'text', date: 'date', jsonb: 'jsonb', smallint: 'smallint' };

/**
 * The one index of a list table: its key and the start of validity. It serves current lookups
 * (`valid_to IS NULL`), history, and keeps two versions of a key from starting at once.
 */
export function keyConstraint(spec: ListSpec): string {
  return `${spec.table}_key`;
}

function listTable(spec: ListSpec): string {
  const cols = storedColumns(spec).map((c, i) => `  ${c.name} ${SQL_TYPE[c.type]}${i < spec.key.length ? ' NOT NULL' : ''}`);
  const key = spec.key.map((c) => c.name).join(', ');
  return `CREATE TABLE ${spec.table} (
${cols.join(',\n')},
  valid_from timestamptz NOT NULL,
  valid_to timestamptz,
  import_id bigint NOT NULL,
  CONSTRAINT ${keyConstraint(spec)} UNIQUE (${key}, valid_from)
);`;
}

export const referenceMigrations: Migration[] = [
  {
    version: 1,
    name: 'reference lists with history',
    sql: [
      `CREATE TABLE ref_import (
        id bigserial PRIMARY KEY,
        kind text NOT NULL,
        file_name text NOT NULL,
        sha256 text NOT NULL,
        mode text NOT NULL CHECK (mode IN ('full', 'delta')),
        packing text NOT NULL,
        started_at timestamptz NOT NULL,
        finished_at timestamptz NOT NULL,
        effective_at timestamptz NOT NULL,
        rows_read bigint NOT NULL,
        added bigint NOT NULL,
        removed bigint NOT NULL,
        updated bigint NOT NULL,
        forced_shrink boolean NOT NULL DEFAULT false,
        options jsonb NOT NULL DEFAULT '{}'
      )`,
      'CREATE INDEX ref_import_kind ON ref_import (kind, id)',
      ...allSpecs().map(listTable),
      'CREATE INDEX ref_gsma_tac_model ON ref_gsma_tac (manufacturer, model_name) WHERE valid_to IS NULL',
      'CREATE INDEX ref_registration_device ON ref_registration (device_id) WHERE valid_to IS NULL AND device_id IS NOT NULL',
    ].join(';\n'),
  },
];
