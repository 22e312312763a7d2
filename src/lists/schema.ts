/**
 * Tables of the lists module (DOMAIN §6): list versions, the current full content of each list,
 * and every version's delta against the version before it.
 *
 * - `lst_block`, `lst_notification`, `lst_exception`: the lists as of the latest version. The
 *   next version's delta is computed in SQL against them, then applied to them (work
 *   proportional to what changed, but for the full recomputation of the new content).
 * - `lst_delta`: one row per changed list row per version, always against the previous version
 *   (a chain). A removal row carries the removed values; a `changed` row carries the new values
 *   and the previous ones (`prev_*`), so the content of any older version can be rebuilt for the
 *   keys that changed since (see `base.ts`), without full snapshots.
 *
 * Keys keep the database's default collation: a `COLLATE "C"` column compared with another
 * module's column stops PostgreSQL from using that module's indexes. Empty string, not NULL, stands for "no operator / IMSI / MSISDN" so that keys are plain.
 *
 * Citus: every table but `lst_version` (a reference table) is distributed by `imei_norm`, which
 * is part of every primary key.
 */
import type { Migration } from '../store/migrate.ts';

export const listsMigrations: Migration[] = [
  {
    version: 7,
    name: 'operator lists: versions, current content, deltas',
    sql: `
CREATE TABLE lst_version (
  id bigserial PRIMARY KEY,
  list_date date NOT NULL,
  created_at timestamptz NOT NULL,
  base_version bigint,
  cls_run bigint NOT NULL,
  options jsonb NOT NULL,
  counts jsonb NOT NULL,
  manifest jsonb
);

CREATE TABLE lst_block (
  imei_norm text NOT NULL PRIMARY KEY,
  block_date date NOT NULL,
  reasons text NOT NULL
);

CREATE TABLE lst_notification (
  operator text NOT NULL,
  imei_norm text NOT NULL,
  imsi text NOT NULL,
  msisdn text NOT NULL,
  block_date date NOT NULL,
  reasons text NOT NULL,
  PRIMARY KEY (imei_norm, operator, imsi, msisdn)
);

CREATE TABLE lst_exception (
  operator text NOT NULL,
  imei_norm text NOT NULL,
  imsi text NOT NULL,
  msisdn text NOT NULL,
  PRIMARY KEY (imei_norm, operator, imsi, msisdn)
);

CREATE TABLE lst_delta (
  version bigint NOT NULL,
  list text NOT NULL CHECK (list IN ('blocklist', 'notifications', 'exceptions')),
  operator text NOT NULL,
  imei_norm text NOT NULL,
  imsi text NOT NULL,
  msisdn text NOT NULL,
  block_date date,
  reasons text,
  prev_block_date date,
  prev_reasons text,
  change text NOT NULL CHECK (change IN ('blocked', 'unblocked', 'changed', 'new', 'resolved', 'blacklisted', 'no_longer_seen', 'added', 'removed')),
  PRIMARY KEY (version, list, imei_norm, operator, imsi, msisdn)
);
`,
  },
];
