/**
 * Two small summaries kept at import time, so that classification finds the few devices worth a
 * close look without reading every observation (docs/classification.md, "Speed"):
 *
 * - `obs_imei_ident`, per IMEI and for IMSIs and MSISDNs apart: the identifier it is used with now
 *   (`imsi`; null when several were seen on its latest day) and `imsi_since`, the first day from
 *   which no other one was seen (null: never any other). A window starting on or after that day
 *   holds at most one distinct identifier, so every rule that needs two or more (duplicates,
 *   SIM boxes) can skip the IMEI. The day is kept conservative (never later than the truth):
 *   data arriving in order updates it exactly; data arriving out of order (overlapping files,
 *   another operator's file of the same days) moves it to after everything seen.
 * - `obs_loc_multi`, per IMEI and month, only where non-zero: the days it was located in two or
 *   more distinct cells (any operators), the only days on which it can be in two distant places.
 *   Exact: recomputed from `obs_location` for the IMEI-months an import can have changed (several
 *   cells on a day of the file itself, or days of the file overlapping what was stored before).
 *
 * - `obs_imsi_prefix`: the 6-digit prefixes of the IMSIs seen (a few hundred rows), so that the
 *   devices of a kind of subscriber (roamers) are found by ranges of `obs_imei_ident.imsi`.
 * - `obs_tac_svn` and `obs_tac_svn_devices`: per TAC and software version, how many devices used
 *   it (and which, while they are few); per TAC, how many devices reported a version: what makes a
 *   version rare for its model, counted as pairs are first stored instead of over every device.
 *
 * They change only when a device's identifiers or multi-cell days change: a day of ordinary
 * traffic writes nothing here. The first two are IMEI-keyed (Citus: distributed by `imei_norm`),
 * the prefixes a reference table.
 */
import type { Db } from '../store/db.ts';

const D = "date '1970-01-01'";

/** Devices listed per (TAC, software version): the whole list while a version is this rare. */
export const SVN_DEVICES_LISTED = 16;

/** A well-formed IMEI key (14 digits), as the classification's identifier checks define it. */
const KEY = `CASE WHEN octet_length(imei_norm) = 14 THEN imei_norm ~ '^[0-9]+$' ELSE false END`;

/** The migration creating the summaries and their views, filled from the data already stored. */
export const SUMMARIES_SQL = `
CREATE TABLE obs_imei_ident (
  imei_norm text PRIMARY KEY,
  imsi text,
  imsi_since date,
  msisdn text,
  msisdn_since date
);
-- Devices whose identifiers changed recently (found by window start) and roamers (found by prefix).
CREATE INDEX obs_imei_ident_imsi_since ON obs_imei_ident (imsi_since) WHERE imsi_since IS NOT NULL;
CREATE INDEX obs_imei_ident_msisdn_since ON obs_imei_ident (msisdn_since) WHERE msisdn_since IS NOT NULL;
CREATE INDEX obs_imei_ident_imsi ON obs_imei_ident (imsi COLLATE "C");

CREATE TABLE obs_loc_multi (
  imei_norm text NOT NULL,
  month date NOT NULL,
  days integer NOT NULL,
  PRIMARY KEY (imei_norm, month)
);
CREATE INDEX obs_loc_multi_month ON obs_loc_multi (month);

CREATE VIEW v_imei_ident AS SELECT imei_norm, imsi, imsi_since, msisdn, msisdn_since FROM obs_imei_ident;
-- The IMSI prefixes (6 digits: MCC + MNC + 1) ever seen, to find the IMEIs of a kind of subscriber by range.
CREATE TABLE obs_imsi_prefix (prefix text PRIMARY KEY);

-- Software versions per TAC: devices (14-digit keys) that used each version, the first of them
-- listed (all of them while few), and devices per TAC that reported any version.
CREATE TABLE obs_tac_svn (
  tac text NOT NULL,
  svn text NOT NULL,
  devices integer NOT NULL,
  imeis text[] NOT NULL,
  PRIMARY KEY (tac, svn)
);
CREATE TABLE obs_tac_svn_devices (tac text PRIMARY KEY, devices integer NOT NULL);

CREATE VIEW v_location_multi AS SELECT imei_norm, month, days AS date_bitmask FROM obs_loc_multi;
CREATE VIEW v_imsi_prefix AS SELECT prefix FROM obs_imsi_prefix;
CREATE VIEW v_tac_svn AS SELECT tac, svn, devices, imeis FROM obs_tac_svn;
CREATE VIEW v_tac_svn_devices AS SELECT tac, devices FROM obs_tac_svn_devices;

INSERT INTO obs_imei_ident (imei_norm, imsi, imsi_since, msisdn, msisdn_since)
SELECT coalesce(i.imei_norm, m.imei_norm), i.cur, i.since, m.cur, m.since
FROM (${exactIdentSql('imsi')}) i FULL JOIN (${exactIdentSql('msisdn')}) m ON m.imei_norm = i.imei_norm;

INSERT INTO obs_loc_multi (imei_norm, month, days)
SELECT imei_norm, month, days FROM (${multiCellDaysSql('obs_location l')}) x;

INSERT INTO obs_imsi_prefix SELECT p FROM (SELECT DISTINCT left(imsi, 6) AS p FROM obs_triplet) x WHERE p ~ '^[0-9]{6}$';

INSERT INTO obs_tac_svn (tac, svn, devices, imeis)
SELECT left(imei_norm, 8), svn, count(*), (array_agg(imei_norm ORDER BY imei_norm))[1:${SVN_DEVICES_LISTED}]
FROM obs_imei_svn WHERE ${KEY} GROUP BY 1, 2;
INSERT INTO obs_tac_svn_devices (tac, devices)
SELECT left(imei_norm, 8), count(DISTINCT imei_norm) FROM obs_imei_svn WHERE ${KEY} GROUP BY 1;
`;

/**
 * Per IMEI, from every stored triplet: the value of `col` seen on the latest day (null if
 * several) and the day after the last day another value was seen (null if only one ever).
 */
function exactIdentSql(col: 'imsi' | 'msisdn'): string {
  return `
SELECT imei_norm,
       CASE WHEN count(*) FILTER (WHERE last = top) = 1 THEN min(v) FILTER (WHERE last = top) END AS cur,
       CASE WHEN count(*) = 1 THEN NULL
            WHEN count(*) FILTER (WHERE last = top) > 1 THEN top + 1
            ELSE max(last) FILTER (WHERE last < top) + 1 END AS since
FROM (
  SELECT imei_norm, v, last, max(last) OVER (PARTITION BY imei_norm) AS top
  FROM (SELECT imei_norm, ${col} AS v, max(last_seen) AS last FROM obs_triplet WHERE ${col} IS NOT NULL GROUP BY 1, 2) p
) x
GROUP BY imei_norm, top`;
}

/**
 * The non-zero multi-cell days of the IMEI-months of `source` (a FROM clause giving
 * `obs_location` rows as `l`): per cell (operators merged), the days also seen in an earlier cell
 * of the same IMEI-month.
 */
function multiCellDaysSql(source: string): string {
  return `
SELECT imei_norm, month, bit_or(bits & earlier) AS days
FROM (
  SELECT imei_norm, month, bits,
         coalesce(bit_or(bits) OVER (PARTITION BY imei_norm, month ORDER BY cell_id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS earlier
  FROM (
    SELECT l.imei_norm, l.month, l.cell_id, bit_or(l.date_bitmask) AS bits
    FROM ${source}
    GROUP BY 1, 2, 3
  ) c
) w
GROUP BY imei_norm, month
HAVING bit_or(bits & earlier) <> 0`;
}

/**
 * Migration: per TAC (the first 8 characters of the keys seen), the first day seen, the RATs
 * seen and whether some key is malformed, and the IMEIs found by TAC: classification looks at
 * the devices of a few TACs (unknown, test, barred, seen before allocation, on radios their
 * model lacks) instead of every device.
 */
export const TAC_SUMMARY_SQL = `
CREATE TABLE obs_tac (
  tac text PRIMARY KEY,
  first_seen date NOT NULL,
  -- the distinct RAT bitmasks its devices have (stored ones, possibly since grown)
  rat_masks integer[] NOT NULL,
  malformed boolean NOT NULL
);
CREATE INDEX obs_imei_tac ON obs_imei (left(imei_norm, 8), rat_bitmask);
CREATE VIEW v_seen_tac AS SELECT tac, first_seen, rat_masks, malformed FROM obs_tac;
INSERT INTO obs_tac (tac, first_seen, rat_masks, malformed)
SELECT left(imei_norm, 8), min(first_seen), array_agg(DISTINCT rat_bitmask ORDER BY rat_bitmask), bool_or(imei_norm !~ '^[0-9]{14}$') FROM obs_imei GROUP BY 1;
`;

/** Bring `obs_tac` up to date with the staged file (before `obs_imei` is merged; RATs after: `mergeTacRats`). */
export async function mergeTacs(tx: Db): Promise<void> {
  await tx.exec(`
    INSERT INTO obs_tac AS o (tac, first_seen, rat_masks, malformed)
    SELECT left(imei_norm, 8), ${D} + min(f), '{}', bool_or(imei_norm !~ '^[0-9]{14}$') FROM obs_stage_imei GROUP BY 1
    ON CONFLICT (tac) DO UPDATE SET first_seen = least(o.first_seen, excluded.first_seen), malformed = o.malformed OR excluded.malformed
    WHERE excluded.first_seen < o.first_seen OR (excluded.malformed AND NOT o.malformed)`);
}

/** The RAT bitmasks `obs_imei` now holds for the IMEIs it changed (`changed (tac, rat_bitmask)`), per TAC. */
export async function mergeTacRats(tx: Db, changed: string): Promise<void> {
  await tx.exec(`
    UPDATE obs_tac o SET rat_masks = ARRAY(SELECT DISTINCT x FROM unnest(o.rat_masks || c.masks) x ORDER BY x)
    FROM (SELECT tac, array_agg(DISTINCT rat_bitmask) AS masks FROM ${changed} GROUP BY tac) c
    WHERE o.tac = c.tac AND NOT (c.masks <@ o.rat_masks)`);
}

/** Migration: the imports' periods are public (which days a classification run must look at again). */
export const IMPORT_VIEW_SQL = 'CREATE VIEW v_obs_import AS SELECT id, operator_id, period_start, period_end FROM obs_import;';

/** Per staged IMEI: its days, RATs and the range of its identifiers in this file (day numbers). */
export async function stageImeis(tx: Db): Promise<void> {
  await tx.exec(`CREATE TEMP TABLE obs_stage_imei ON COMMIT DROP AS
    SELECT imei_norm, min(first_day) AS f, max(last_day) AS l, bit_or(rat_bits) AS r,
           min(imsi COLLATE "C") AS ilo, max(imsi COLLATE "C") AS ihi,
           min(first_day) FILTER (WHERE imsi IS NOT NULL) AS ifirst, max(last_day) FILTER (WHERE imsi IS NOT NULL) AS ilast,
           min(msisdn COLLATE "C") AS mlo, max(msisdn COLLATE "C") AS mhi,
           min(first_day) FILTER (WHERE msisdn IS NOT NULL) AS mfirst, max(last_day) FILTER (WHERE msisdn IS NOT NULL) AS mlast
    FROM obs_stage WHERE kind = 't' GROUP BY imei_norm`);
}

/**
 * The new (current value, since) of one identifier kind, from stored `s`, the file's range `g`
 * and the IMEI's last day seen before this file `o.last_seen`:
 * - nothing new: none in the file, or only the current value on days where it was already alone;
 * - nothing stored before: the file's value, or (several) none since the file's last day;
 * - one value after everything stored: it, alone since the day after the last day stored;
 * - otherwise (several, or out of order): none, alone since after everything seen.
 */
function identCase(k: 'imsi' | 'msisdn'): { unchanged: string; value: string; since: string } {
  const [lo, hi, first, last] = k === 'imsi' ? ['g.ilo', 'g.ihi', 'g.ifirst', 'g.ilast'] : ['g.mlo', 'g.mhi', 'g.mfirst', 'g.mlast'];
  const cur = `s.${k}`;
  const since = `s.${k}_since`;
  // Definite booleans (never null): they decide whether the row is rewritten.
  const unchanged = `(${lo} IS NULL OR coalesce(${lo} = ${hi} AND ${lo} = ${cur} AND (${since} IS NULL OR ${D} + ${first} >= ${since}), false))`;
  const fresh = `(${cur} IS NULL AND ${since} IS NULL)`;
  const inOrder = `coalesce(${lo} = ${hi} AND ${D} + ${first} > o.last_seen, false)`;
  return {
    unchanged,
    value: `CASE WHEN ${unchanged} THEN ${cur} WHEN ${fresh} OR ${inOrder} THEN CASE WHEN ${lo} = ${hi} THEN ${lo} END END`,
    since: `CASE WHEN ${unchanged} THEN ${since}
                 WHEN ${fresh} THEN CASE WHEN ${lo} <> ${hi} THEN ${D} + ${last} + 1 END
                 WHEN ${inOrder} THEN o.last_seen + 1
                 ELSE greatest(o.last_seen, ${D} + ${last}) + 1 END`,
  };
}

/**
 * Bring `obs_imei_ident` up to date with the staged file. Runs before `obs_imei` is merged: it
 * reads the last day each IMEI was seen before this file.
 */
export async function mergeIdentifiers(tx: Db): Promise<void> {
  const i = identCase('imsi');
  const m = identCase('msisdn');
  await tx.exec(`
    UPDATE obs_imei_ident s SET imsi = ${i.value}, imsi_since = ${i.since}, msisdn = ${m.value}, msisdn_since = ${m.since}
    FROM obs_stage_imei g LEFT JOIN obs_imei o ON o.imei_norm = g.imei_norm
    WHERE s.imei_norm = g.imei_norm AND NOT (${i.unchanged} AND ${m.unchanged})`);
  await tx.exec(`
    INSERT INTO obs_imei_ident (imei_norm, imsi, imsi_since, msisdn, msisdn_since)
    SELECT g.imei_norm, CASE WHEN ilo = ihi THEN ilo END, CASE WHEN ilo <> ihi THEN ${D} + ilast + 1 END,
           CASE WHEN mlo = mhi THEN mlo END, CASE WHEN mlo <> mhi THEN ${D} + mlast + 1 END
    FROM obs_stage_imei g
    WHERE (ilo IS NOT NULL OR mlo IS NOT NULL) AND NOT EXISTS (SELECT 1 FROM obs_imei_ident s WHERE s.imei_norm = g.imei_norm)`);
  await tx.exec(`
    INSERT INTO obs_imsi_prefix
    SELECT p FROM (SELECT DISTINCT left(imsi, 6) AS p FROM obs_stage WHERE kind = 't') x WHERE p ~ '^[0-9]{6}$'
    ON CONFLICT (prefix) DO NOTHING`);
}

/**
 * The IMEI-months of the staged file whose multi-cell days may change, first part: file days
 * within the span already stored for the IMEI (another operator, an overlapping file). Runs before
 * `obs_imei` is merged (it reads the span stored before). `mergeLocations` adds the second part.
 */
export async function locationSuspects(tx: Db): Promise<void> {
  await tx.exec(`CREATE TEMP TABLE obs_stage_loc_suspect ON COMMIT DROP AS
    SELECT g.imei_norm, m.month
    FROM obs_stage_imei g JOIN obs_imei o ON o.imei_norm = g.imei_norm AND o.first_seen <= ${D} + g.l AND o.last_seen >= ${D} + g.f
    CROSS JOIN (SELECT DISTINCT ${D} + month AS month FROM obs_stage WHERE kind = 'l') m`);
}

/**
 * Merge the staged locations into `obs_location`; in the same pass, the IMEI-months with several
 * cells on a day of the file itself join the suspects.
 */
export async function mergeLocations(tx: Db, opId: number): Promise<void> {
  await tx.query(
    `WITH grouped AS MATERIALIZED (
       SELECT month, imei_norm, cell_id, min(first_day) AS f, max(last_day) AS l, bit_or(date_bits) AS bits
       FROM obs_stage WHERE kind = 'l' GROUP BY month, imei_norm, cell_id
     ), merged AS (
       INSERT INTO obs_location AS o (month, imei_norm, operator_id, cell_id, first_seen, last_seen, date_bitmask)
       SELECT ${D} + month, imei_norm, $1, cell_id, ${D} + f, ${D} + l, bits FROM grouped
       ON CONFLICT (imei_norm, month, operator_id, cell_id) DO UPDATE SET
         first_seen = least(o.first_seen, excluded.first_seen),
         last_seen = greatest(o.last_seen, excluded.last_seen),
         date_bitmask = o.date_bitmask | excluded.date_bitmask
       WHERE excluded.first_seen < o.first_seen OR excluded.last_seen > o.last_seen OR (o.date_bitmask | excluded.date_bitmask) <> o.date_bitmask
     )
     INSERT INTO obs_stage_loc_suspect
     SELECT imei_norm, ${D} + month FROM grouped GROUP BY imei_norm, month HAVING sum(obs_bit_count(bits)) > obs_bit_count(bit_or(bits))`,
    [opId],
  );
}

/** Recompute the multi-cell days of the suspect IMEI-months, once `obs_location` is merged. */
export async function mergeLocationMulti(tx: Db): Promise<void> {
  await tx.exec(`
    INSERT INTO obs_loc_multi AS o (imei_norm, month, days)
    SELECT imei_norm, month, days
    FROM (${multiCellDaysSql('obs_stage_loc_suspect p JOIN obs_location l ON l.imei_norm = p.imei_norm AND l.month = p.month')}) x
    ON CONFLICT (imei_norm, month) DO UPDATE SET days = excluded.days WHERE o.days <> excluded.days`);
}

/**
 * Merge the staged software versions into `obs_imei_svn` and keep the per-TAC counts: only the
 * (IMEI, version) pairs new to the store count, so a file imported twice counts nothing twice.
 */
export async function mergeSoftwareVersions(tx: Db): Promise<void> {
  await tx.exec(`CREATE TEMP TABLE obs_stage_svn ON COMMIT DROP AS
    SELECT imei_norm, svn, ${D} + min(first_day) AS first_seen, ${D} + max(last_day) AS last_seen FROM obs_stage WHERE kind = 's' GROUP BY imei_norm, svn`);
  // The pairs new to the store, and whether their device had no version before (the main query
  // sees the table as it was before the insert of its WITH).
  await tx.exec(`CREATE TEMP TABLE obs_stage_svn_new ON COMMIT DROP AS
    WITH added AS (
      INSERT INTO obs_imei_svn (imei_norm, svn, first_seen, last_seen) SELECT * FROM obs_stage_svn ORDER BY imei_norm, svn
      ON CONFLICT (imei_norm, svn) DO NOTHING RETURNING imei_norm, svn)
    SELECT a.imei_norm, a.svn, NOT EXISTS (SELECT 1 FROM obs_imei_svn v WHERE v.imei_norm = a.imei_norm) AS new_device
    FROM added a WHERE ${KEY}`);
  await tx.exec(`
    UPDATE obs_imei_svn o SET first_seen = least(o.first_seen, g.first_seen), last_seen = greatest(o.last_seen, g.last_seen)
    FROM obs_stage_svn g
    WHERE o.imei_norm = g.imei_norm AND o.svn = g.svn AND (g.first_seen < o.first_seen OR g.last_seen > o.last_seen)`);
  await tx.exec(`
    INSERT INTO obs_tac_svn AS o (tac, svn, devices, imeis)
    SELECT left(imei_norm, 8), svn, count(*), (array_agg(imei_norm ORDER BY imei_norm))[1:${SVN_DEVICES_LISTED}] FROM obs_stage_svn_new GROUP BY 1, 2
    ON CONFLICT (tac, svn) DO UPDATE SET devices = o.devices + excluded.devices,
      imeis = CASE WHEN cardinality(o.imeis) < ${SVN_DEVICES_LISTED} THEN (o.imeis || excluded.imeis)[1:${SVN_DEVICES_LISTED}] ELSE o.imeis END`);
  await tx.exec(`
    INSERT INTO obs_tac_svn_devices AS o (tac, devices)
    SELECT left(imei_norm, 8), count(DISTINCT imei_norm) FROM obs_stage_svn_new WHERE new_device GROUP BY 1
    ON CONFLICT (tac) DO UPDATE SET devices = o.devices + excluded.devices`);
}
