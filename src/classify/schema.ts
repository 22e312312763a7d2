/**
 * Tables of the classification module: runs, and the state of each (IMEI, condition) with the
 * evidence of its latest match. A state is open while `end_date` is null; the block date is fixed
 * when the state opens and never recomputed.
 *
 * Citus: `cls_state` is distributed by `imei_norm`; `cls_run` is a reference table.
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
];
