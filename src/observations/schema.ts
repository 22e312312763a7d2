/**
 * Tables of the observations module. Subscriber-level facts are kept per month (partitions, so
 * the retention period is enforced by dropping whole months); IMEI-level facts are kept for good.
 *
 * Citus: every table but `obs_operator`, `obs_daily`, `obs_import`, `obs_prune` and the per-TAC
 * and per-prefix summaries (`obs_tac*`, `obs_imsi_prefix`: reference tables) is distributed by
 * `imei_norm`, which leads every unique key.
 */
import type { Migration } from '../store/migrate.ts';
import { RAT_CODES, ratBit } from './rat.ts';
import { IMPORT_VIEW_SQL, SUMMARIES_SQL, TAC_SUMMARY_SQL } from './summaries.ts';

/** RAT-bitmask bits of each generation, for the SQL function `obs_generations`. */
function generationBits(gen: string): number {
  return Object.entries(RAT_CODES).reduce((m, [code, r]) => (r.generation === gen ? m | ratBit(code) : m), 0);
}

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
  {
    version: 4,
    name: 'observation views and window functions: the public interface of this module',
    sql: `
CREATE VIEW v_seen_imei AS SELECT imei_norm, first_seen, last_seen, rat_bitmask, operator_bitmask FROM obs_imei;
CREATE VIEW v_triplet AS
  SELECT t.month, t.imei_norm, t.imsi, t.msisdn, t.operator_id, o.code AS operator, t.first_seen, t.last_seen, t.date_bitmask
  FROM obs_triplet t JOIN obs_operator o ON o.id = t.operator_id;
CREATE VIEW v_location AS
  SELECT l.month, l.imei_norm, l.operator_id, o.code AS operator, l.cell_id, l.first_seen, l.last_seen, l.date_bitmask
  FROM obs_location l JOIN obs_operator o ON o.id = l.operator_id;
CREATE VIEW v_imei_svn AS SELECT imei_norm, svn, first_seen, last_seen FROM obs_imei_svn;
CREATE VIEW v_operator AS SELECT id, code FROM obs_operator;

-- The day-of-month bits of a month that fall in [from_day, to_day].
CREATE FUNCTION obs_window_mask(month date, from_day date, to_day date) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN hi < lo THEN 0
              ELSE (((1::bigint << (hi + 1)) - 1) & ~((1::bigint << lo) - 1))::integer END
  FROM (SELECT greatest(from_day, month) - month AS lo,
               least(to_day, (month + interval '1 month')::date - 1) - month AS hi) w
$$;

-- How many bits are set (days in a day bitmask).
CREATE FUNCTION obs_bit_count(x integer) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT bit_count(x::bit(32))::integer $$;

-- The generations (2G=1, 3G=2, 4G=4, 5G=8, as reference rat_mask) of a RAT bitmask.
CREATE FUNCTION obs_generations(rat_bitmask integer) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT (CASE WHEN rat_bitmask & ${generationBits('2G')} <> 0 THEN 1 ELSE 0 END)
       | (CASE WHEN rat_bitmask & ${generationBits('3G')} <> 0 THEN 2 ELSE 0 END)
       | (CASE WHEN rat_bitmask & ${generationBits('4G')} <> 0 THEN 4 ELSE 0 END)
       | (CASE WHEN rat_bitmask & ${generationBits('5G')} <> 0 THEN 8 ELSE 0 END)
$$;
`,
  },
  {
    version: 8,
    name: 'observation summaries for classification: current identifiers per IMEI, multi-cell days',
    sql: SUMMARIES_SQL,
  },
  {
    version: 10,
    name: 'observation summaries for classification: TACs seen, IMEIs by TAC',
    sql: TAC_SUMMARY_SQL,
  },
  {
    version: 11,
    name: 'observation imports as a public view (what changed since a classification run)',
    sql: IMPORT_VIEW_SQL,
  },
];
