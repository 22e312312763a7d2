/**
 * Tables of the classification module: runs, and the state of each (IMEI, condition) with the
 * evidence of its latest match. A state is open while `end_date` is null; the block date is fixed
 * when the state opens and never recomputed. `first_run` opened the state; `last_run` is the latest
 * run that changed it (opened, refreshed its evidence, closed it).
 *
 * Citus: `cls_state`, `cls_conflict_*`, `cls_dim_kept` and `cls_dim_last` are distributed by
 * `imei_norm`; `cls_run`, `cls_dim_cache` and `cls_dim_last_run` are reference tables.
 */
import type { Migration } from '../store/migrate.ts';

export const classifyMigrations: Migration[] = [
  {
    version: 5,
    name: 'classification state',
    sql: `
CREATE TABLE cls_run (
  id bigserial PRIMARY KEY,
  analysis_date date NOT NULL,
  config_hash text NOT NULL,
  conditions jsonb NOT NULL,
  counts jsonb NOT NULL,
  started_at timestamptz NOT NULL,
  finished_at timestamptz NOT NULL,
  duration_ms integer NOT NULL
);

CREATE TABLE cls_state (
  imei_norm text NOT NULL,
  cond text NOT NULL,
  start_date date NOT NULL,
  end_date date,
  block_date date,
  amnesty_granted boolean NOT NULL DEFAULT false,
  evidence jsonb,
  first_run bigint NOT NULL,
  last_run bigint NOT NULL,
  CONSTRAINT cls_state_key UNIQUE (imei_norm, cond, start_date)
);
CREATE INDEX cls_state_open ON cls_state (cond, imei_norm) WHERE end_date IS NULL;

-- The public interface of this module: open states, and the latest run with its conditions.
CREATE VIEW v_cls_open AS
  SELECT imei_norm, cond, start_date, block_date, amnesty_granted, evidence FROM cls_state WHERE end_date IS NULL;
CREATE VIEW v_cls_latest_run AS
  SELECT id, analysis_date, config_hash, conditions FROM cls_run ORDER BY id DESC LIMIT 1;
-- Conditions of the latest run, one row each: label, blocking, reason.
CREATE VIEW v_cls_conditions AS
  SELECT c->>'label' AS cond, (c->>'blocking')::boolean AS blocking, c->>'reason' AS reason,
         (c->>'grace_period_days')::integer AS grace_period_days
  FROM v_cls_latest_run r, jsonb_array_elements(r.conditions) c;
`,
  },
  {
    version: 9,
    name: 'classification state: room for evidence refreshed in place',
    // A continuing state's evidence is rewritten when it changes (last seen, windows): with room
    // left on each page the new version stays on it, and no index entry is added per update.
    sql: 'ALTER TABLE cls_state SET (fillfactor = 50)',
  },
  {
    version: 13,
    name: 'classification caches carried from run to run',
    sql: `
-- Per cached dimension (module, parameters, the profile settings it reads): the data it has seen.
CREATE TABLE cls_dim_cache (
  key text PRIMARY KEY,
  analysis_date date NOT NULL,
  -- observation imports seen: those up to this id, this many of them (an import committed late
  -- under that id shows as a different count and the cache starts over)
  obs_import_max bigint NOT NULL,
  obs_import_count bigint NOT NULL,
  -- per reference list the dimension reads: imports seen, the latest one
  ref_imports jsonb NOT NULL,
  -- the days it holds
  covered_from date NOT NULL,
  covered_to date NOT NULL
);
-- time_distance_conflict per IMEI and month: the conflict days, and the pairs of distant cells
-- that first cover each of those days in the order evidence picks them (farthest first).
CREATE TABLE cls_conflict_month (
  imei_norm text NOT NULL,
  key text NOT NULL,
  month date NOT NULL,
  days integer NOT NULL,
  PRIMARY KEY (imei_norm, key, month)
);
CREATE INDEX cls_conflict_month_key ON cls_conflict_month (key, month);
CREATE TABLE cls_conflict_pair (
  imei_norm text NOT NULL,
  key text NOT NULL,
  month date NOT NULL,
  cell_a text NOT NULL,
  cell_b text NOT NULL,
  km double precision NOT NULL,
  bits integer NOT NULL,
  PRIMARY KEY (imei_norm, key, month, cell_a, cell_b)
);
CREATE INDEX cls_conflict_pair_key ON cls_conflict_pair (key, month);
`,
  },
  {
    version: 14,
    name: 'classification results kept from run to run',
    sql: `
-- The whole result of a dimension that keeps it (key as in cls_dim_cache, which records what it saw).
CREATE TABLE cls_dim_kept (
  key text NOT NULL,
  imei_norm text NOT NULL,
  evidence jsonb,
  PRIMARY KEY (key, imei_norm)
);
`,
  },
  {
    version: 15,
    name: 'classification: the sets of inverted dimensions kept from run to run',
    sql: `
-- The IMEIs each dimension used inverted matched at the latest run that used it (key: its module
-- and parameters): the next run sees which IMEIs came into or out of it.
CREATE TABLE cls_dim_last (
  key text NOT NULL,
  imei_norm text NOT NULL,
  PRIMARY KEY (key, imei_norm)
);
-- The run each of those sets is from (a set not kept by the latest run is not used).
CREATE TABLE cls_dim_last_run (
  key text PRIMARY KEY,
  run bigint NOT NULL
);
`,
  },
];
