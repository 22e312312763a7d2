/**
 * Tables of the reference module. Every list keeps its whole history: a row is valid from the
 * import that added it until the import that removed or changed it (`valid_to`), never rewritten.
 *
 * Citus: IMEI lists are distributed by `imei_norm`, which leads every unique key; the catalogue,
 * TAC and subscriber lists are reference tables (see docs/deployment.md).
 */
import type { Migration } from '../store/migrate.ts';
import { listSpec, storedColumns, type ColumnType, type ListKind, type ListSpec } from './lists.ts';

/** The lists of the first migration: a list added later gets its table in its own migration. */
const FIRST_LISTS: ListKind[] = [
  'gsma_tac', 'registration_list', 'stolen_list', 'pairing_list', 'golden_list', 'barred_list', 'barred_tac_list',
  'monitoring_list', 'subscribers_registration_list', 'device_association_list',
];

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
      ...FIRST_LISTS.map((k) => listTable(listSpec(k))),
      'CREATE INDEX ref_gsma_tac_model ON ref_gsma_tac (manufacturer, model_name) WHERE valid_to IS NULL',
      'CREATE INDEX ref_registration_device ON ref_registration (device_id) WHERE valid_to IS NULL AND device_id IS NOT NULL',
    ].join(';\n'),
  },
  {
    version: 3,
    name: 'reference views: the current lists, the public interface of this module',
    sql: `
CREATE VIEW v_gsma_tac AS
  SELECT tac, manufacturer, model_name, marketing_name, brand_name, allocation_date, device_type, bands, bands_5g,
         radio_interface, operating_system, rat_mask
  FROM ref_gsma_tac WHERE valid_to IS NULL;
CREATE VIEW v_registration AS
  SELECT imei_norm, make, model, status, model_number, brand_name, device_type, radio_interface, device_id,
         (status IS NULL OR status = 'whitelist') AS registered
  FROM ref_registration WHERE valid_to IS NULL;
CREATE VIEW v_stolen AS
  SELECT imei_norm, reporting_date, status, (status IS NULL OR status = 'blacklist') AS stolen, valid_from
  FROM ref_stolen WHERE valid_to IS NULL;
CREATE VIEW v_pairing AS SELECT imei_norm, imsi, msisdn, valid_from FROM ref_pairing WHERE valid_to IS NULL;
CREATE VIEW v_golden AS SELECT hashed_imei_norm FROM ref_golden WHERE valid_to IS NULL;
CREATE VIEW v_barred AS SELECT imei_norm, valid_from FROM ref_barred WHERE valid_to IS NULL;
CREATE VIEW v_barred_tac AS SELECT tac, valid_from FROM ref_barred_tac WHERE valid_to IS NULL;
CREATE VIEW v_monitoring AS SELECT imei_norm, valid_from FROM ref_monitoring WHERE valid_to IS NULL;
CREATE VIEW v_subscriber_registration AS SELECT imsi, uid FROM ref_subscriber_registration WHERE valid_to IS NULL;
CREATE VIEW v_device_association AS SELECT imei_norm, uid FROM ref_device_association WHERE valid_to IS NULL;
`,
  },
  {
    version: 6,
    name: 'cell list (locations for time/distance conflicts)',
    sql: `
${listTable(listSpec('cell_list'))}
CREATE VIEW v_cell AS SELECT cell_id, lat::double precision AS lat, lon::double precision AS lon FROM ref_cell WHERE valid_to IS NULL;
`,
  },
  {
    version: 12,
    name: 'reference imports as a public view (what changed since a classification run)',
    sql: 'CREATE VIEW v_reference_import AS SELECT id, kind, effective_at FROM ref_import;',
  },
];
