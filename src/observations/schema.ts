/**
 * Tables of the observations module. Subscriber-level facts are kept per month (partitions, so
 * the retention period is enforced by dropping whole months); IMEI-level facts are kept for good.
 *
 * Citus: every table but `obs_operator`, `obs_daily`, `obs_import` and `obs_prune` (reference
 * tables) is distributed by `imei_norm`, which leads every unique key.
 */
import type { Migration } from '../store/migrate.ts';

export const observationMigrations: Migration[] = [
  {
    version: 2,
    name: 'operator observations',
    sql: `
CREATE TABLE obs_operator (
  id smallint PRIMARY KEY CHECK (id BETWEEN 0 AND 30),
  code text NOT NULL UNIQUE
);

CREATE TABLE obs_triplet (
  month date NOT NULL,
  imei_norm text NOT NULL,
  imsi text,
  msisdn text,
  operator_id smallint NOT NULL,
  first_seen date NOT NULL,
  last_seen date NOT NULL,
  date_bitmask integer NOT NULL,
  CONSTRAINT obs_triplet_key UNIQUE NULLS NOT DISTINCT (imei_norm, month, operator_id, imsi, msisdn)
) PARTITION BY RANGE (month);

CREATE TABLE obs_location (
  month date NOT NULL,
  imei_norm text NOT NULL,
  operator_id smallint NOT NULL,
  cell_id text NOT NULL,
  first_seen date NOT NULL,
  last_seen date NOT NULL,
  date_bitmask integer NOT NULL,
  CONSTRAINT obs_location_key UNIQUE (imei_norm, month, operator_id, cell_id)
) PARTITION BY RANGE (month);

CREATE TABLE obs_imei (
  imei_norm text PRIMARY KEY,
  first_seen date NOT NULL,
  last_seen date NOT NULL,
  rat_bitmask integer NOT NULL,
  operator_bitmask integer NOT NULL
);

CREATE TABLE obs_imei_svn (
  imei_norm text NOT NULL,
  svn text NOT NULL,
  first_seen date NOT NULL,
  last_seen date NOT NULL,
  PRIMARY KEY (imei_norm, svn)
);

CREATE TABLE obs_daily (
  operator_id smallint NOT NULL,
  day date NOT NULL,
  rows bigint NOT NULL,
  imei_hll bytea NOT NULL,
  imsi_hll bytea NOT NULL,
  msisdn_hll bytea NOT NULL,
  PRIMARY KEY (operator_id, day)
);

CREATE TABLE obs_import (
  id bigserial PRIMARY KEY,
  operator_id smallint NOT NULL,
  file_name text NOT NULL,
  sha256 text NOT NULL,
  packing text NOT NULL,
  period_start date NOT NULL,
  period_end date NOT NULL,
  started_at timestamptz NOT NULL,
  finished_at timestamptz NOT NULL,
  rows_read bigint NOT NULL,
  rows_kept bigint NOT NULL,
  triplets bigint NOT NULL,
  imeis bigint NOT NULL,
  gates jsonb NOT NULL,
  disabled_gates text[] NOT NULL,
  duration_ms integer NOT NULL
);

CREATE TABLE obs_prune (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  months_kept integer NOT NULL,
  cutoff date NOT NULL,
  partitions text[] NOT NULL,
  rows_removed bigint NOT NULL
);`,
  },
];
