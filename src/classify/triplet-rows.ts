/**
 * The triplet rules in memory (`Dimension.onRows`): the candidates' `v_triplet` rows are read once,
 * by COPY, grouped per IMEI, and every rule is evaluated on each IMEI's rows. Each rule's result
 * comes back as COPY text of `(imei_norm, evidence)`, ready to load into a temporary table of
 * either session of the run.
 *
 * At 1 M subscribers, the 175 000 rows of 33 000 candidates: one query per rule took 1.4 s for the
 * five rules of the demo conditions.
 */
import type { Db } from '../store/db.ts';
import type { RowContext, RowRule, SqlQuery, TripletRow } from './dimension.ts';
import { evidenceText, isImsiValue, isMsisdnValue } from './dimensions/rows.ts';

/** The run's table of the candidates (`candidateParts`). */
export const CANDIDATES = 'cls_candidates';

/**
 * How many candidates' rows the rules hold in memory at a time: at 1 M subscribers, the 33 000
 * candidates have 175 000 rows, 11 MB as COPY text.
 */
const CANDIDATES_PER_PART = 50_000;

/**
 * The IMEIs of `candidates` into the table `CANDIDATES`, numbered in parts of `perPart`; one query
 * per part, `rowsOf` a query of that part's IMEIs (every IMEI is in exactly one part).
 */
export async function candidateParts(tx: Db, candidates: SqlQuery, rowsOf: (part: string) => string, perPart = CANDIDATES_PER_PART): Promise<string[]> {
  await tx.query(
    `CREATE TEMP TABLE ${CANDIDATES} ON COMMIT DROP AS SELECT imei_norm, (row_number() OVER ()) / ${perPart} AS part FROM (${candidates.text}) c`,
    candidates.values,
  );
  const { rows } = await tx.query<{ n: number }>(`SELECT count(*) AS n FROM ${CANDIDATES}`);
  // row_number() counts from 1: parts 0 to n / perPart.
  return Array.from({ length: Math.floor(rows[0].n / perPart) + 1 }, (_, k) => rowsOf(`SELECT imei_norm FROM ${CANDIDATES} WHERE part = ${k}`));
}

/** The columns the rules read (of `v_triplet t`), in the order `evaluateOnRows` parses them. */
export const ROW_COLUMNS = 't.imei_norm, t.imsi, t.msisdn, t.operator_id, t.month, t.date_bitmask';

export interface RowOutput {
  rule: RowRule;
  /** False when only the matching IMEIs are wanted (a dimension used inverted only): evidence NULL. */
  evidence: boolean;
}

// The escapes of COPY's text format (those COPY TO writes, and backslash itself).
const UNESCAPED: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };
const ESCAPED: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/**
 * Work in memory gives way every so many rows parsed (and every eighth as many IMEIs evaluated)
 * to the other session of the run, whose statements' results this thread takes in: held back,
 * statements of 1 ms took 20–117 ms. At 1 M subscribers, alternating on copied databases, the
 * next day took 1.96, 1.92 and 1.87 s giving way every 2 048 rows, and 1.76, 1.68 and 1.79 s
 * every 256 (2.16, 1.96 and 2.13 s every 16 384; every 32, no better than 256).
 */
const PAUSE_EVERY = 256;
const pause = (): Promise<void> => new Promise((r) => setImmediate(r));

function fromCopy(s: string): string | null {
  if (s === '\\N') return null;
  return s.includes('\\') ? s.replace(/\\(.)/g, (_, c: string) => UNESCAPED[c] ?? c) : s;
}
const toCopy = (s: string): string => s.replace(/[\\\t\n\r]/g, (c) => ESCAPED[c]);

/**
 * The rules `outputs` (by key) evaluated on the rows of each of `parts` in turn: queries of the
 * columns `ROW_COLUMNS`, each giving every row of its IMEIs (no parameters: COPY takes none). Per
 * key, the matching IMEIs with their evidence, in COPY text. Only one part's rows are in memory
 * at a time.
 */
export async function evaluateOnRows(tx: Db, parts: string[], outputs: Map<string, RowOutput>): Promise<Map<string, Uint8Array[]>> {
  const { rows: operators } = await tx.query<{ id: number; code: string }>('SELECT id, code FROM v_operator ORDER BY code');
  const rc: RowContext = { operators };
  const lines = new Map([...outputs.keys()].map((k) => [k, [] as string[]]));
  for (const select of parts) {
    const byImei = await readRows(tx, select);
    let n = 0;
    for (const [imei, rows] of byImei) {
      if (++n % (PAUSE_EVERY / 8) === 0) await pause();
      for (const [k, o] of outputs) {
        const evidence = o.rule(rows, rc);
        if (evidence) lines.get(k)!.push(`${toCopy(imei)}\t${o.evidence ? toCopy(evidenceText(evidence)) : '\\N'}\n`);
      }
    }
  }
  return new Map([...lines].map(([k, l]) => [k, [Buffer.from(l.join(''))]]));
}

/** The rows of `select`, by IMEI. */
async function readRows(tx: Db, select: string): Promise<Map<string, TripletRow[]>> {
  const byImei = new Map<string, TripletRow[]>();
  const text = Buffer.concat(await tx.copyTo(`COPY (${select}) TO STDOUT`)).toString('utf8');
  const tabs = [0, 0, 0, 0, 0];
  for (let at = 0, n = 0; at < text.length; n++) {
    if (n % PAUSE_EVERY === PAUSE_EVERY - 1) await pause();
    // Fields by position (split() allocating an array per row took a third more).
    tabs[0] = text.indexOf('\t', at);
    for (let i = 1; i < 5; i++) tabs[i] = text.indexOf('\t', tabs[i - 1] + 1);
    const end = text.indexOf('\n', tabs[4] + 1); // every row ends with one
    const imei = fromCopy(text.slice(at, tabs[0]))!;
    const imsi = fromCopy(text.slice(tabs[0] + 1, tabs[1]));
    const msisdn = fromCopy(text.slice(tabs[1] + 1, tabs[2]));
    const row: TripletRow = {
      imsi, msisdn, imsiValid: isImsiValue(imsi), msisdnValid: isMsisdnValue(msisdn),
      operatorId: Number(text.slice(tabs[2] + 1, tabs[3])), month: text.slice(tabs[3] + 1, tabs[4]), bits: Number(text.slice(tabs[4] + 1, end)),
    };
    at = end + 1;
    const rows = byImei.get(imei);
    if (rows) rows.push(row);
    else byImei.set(imei, [row]);
  }
  return byImei;
}
