/**
 * Questions asked of the reference database: a TAC's catalogue entry and capability, an IMEI's
 * reference status across every list, and any list as it stood at a given time.
 */
import { CeirError } from '../errors.ts';
import { describeShape, luhnCheckDigit, parseImei, suspiciousShapes, type SuspiciousShape } from '../identity/index.ts';
import type { Db } from '../store/db.ts';
import { ratNames } from './bands.ts';
import { goldenHash, listSpec, storedColumns, type ListKind } from './lists.ts';

export interface TacInfo {
  tac: string;
  manufacturer: string | null;
  model_name: string | null;
  marketing_name: string | null;
  brand_name: string | null;
  allocation_date: string | null;
  device_type: string | null;
  bands: string | null;
  bands_5g: string | null;
  radio_interface: string | null;
  operating_system: string | null;
  /** Generations this TAC's bands support. */
  rats: string[];
  /** Generations the model supports: the union over all TACs of the same manufacturer and model. */
  model_rats: string[];
  /** How many TACs the model has in the catalogue. */
  model_tacs: number;
  /** Catalogue columns OpenCEIR does not interpret, as GSMA named them. */
  extra: Record<string, string>;
}

const CURRENT = 'valid_to IS NULL';

export async function tacInfo(db: Db, tac: string): Promise<TacInfo | null> {
  if (!/^\d{8}$/.test(tac)) throw new CeirError('CEIR_ERR_INVALID_TAC', `"${tac.slice(0, 20)}" is not a TAC: 8 digits expected`);
  const { rows } = await db.query<Omit<TacInfo, 'rats' | 'model_rats' | 'model_tacs'> & { rat_mask: number }>(
    `SELECT tac, manufacturer, model_name, marketing_name, brand_name, allocation_date, device_type, bands, bands_5g,
            radio_interface, operating_system, rat_mask, coalesce(extra, '{}'::jsonb) AS extra
     FROM ref_gsma_tac WHERE tac = $1 AND ${CURRENT}`,
    [tac],
  );
  const r = rows[0];
  if (!r) return null;
  let modelMask = r.rat_mask;
  let modelTacs = 1;
  if (r.manufacturer && r.model_name) {
    const m = await db.query<{ mask: number; n: number }>(
      `SELECT coalesce(bit_or(rat_mask), 0)::int AS mask, count(*) AS n FROM ref_gsma_tac
       WHERE manufacturer = $1 AND model_name = $2 AND ${CURRENT}`,
      [r.manufacturer, r.model_name],
    );
    modelMask = m.rows[0].mask;
    modelTacs = m.rows[0].n;
  }
  const { rat_mask, ...rest } = r;
  return { ...rest, rats: ratNames(rat_mask), model_rats: ratNames(modelMask), model_tacs: modelTacs };
}

export interface ImeiReferenceStatus {
  input: string;
  imei_norm: string;
  tac: string;
  identifier: {
    form: 'imei14' | 'imei15' | 'imeisv';
    check_digit: { given: number; expected: number; valid: boolean } | null;
    software_version: string | null;
  };
  suspicious: { shape: SuspiciousShape; description: string }[];
  catalogue: TacInfo | null;
  registration: null | {
    registered: boolean;
    status: string | null;
    make: string | null;
    model: string | null;
    model_number: string | null;
    brand_name: string | null;
    device_type: string | null;
    radio_interface: string | null;
    device_id: string | null;
    other_imeis: string[];
    since: string;
  };
  stolen: null | { stolen: boolean; status: string | null; reporting_date: string | null; since: string };
  pairings: { imsi: string; msisdn: string; since: string }[];
  golden: boolean;
  barred: { imei: boolean; tac: boolean };
  monitored: boolean;
  associations: { uid: string; since: string }[];
}

export interface StatusOptions {
  /** Hide personal data (IMSI, MSISDN, national IDs) for viewers not entitled to it. */
  mask?: boolean;
}

/** Parse what a person typed as an IMEI; a wrong check digit is reported, not refused. */
export function parseImeiQuery(input: string) {
  const p = parseImei(input, { human: true });
  if (p.ok) return p;
  if (p.rule === 'check_digit') {
    const q = parseImei(input.replace(/^IMEI\s*:?/i, '').replace(/[\s.-]/g, ''));
    if (q.ok) return q;
  }
  throw new CeirError('CEIR_ERR_INVALID_IMEI', p.message);
}

const iso = (d: unknown) => new Date(d as string).toISOString();

export async function imeiStatus(db: Db, input: string, opts: StatusOptions = {}): Promise<ImeiReferenceStatus> {
  const p = parseImeiQuery(input);
  const key = p.key;
  const one = async <T>(sql: string, params: unknown[]) => (await db.query<T>(sql, params)).rows;
  const [catalogue, reg, stolen, pairings, golden, barred, barredTac, monitored, assoc] = await Promise.all([
    tacInfo(db, p.tac),
    one<Record<string, string | null> & { valid_from: Date }>(`SELECT * FROM ref_registration WHERE imei_norm = $1 AND ${CURRENT}`, [key]),
    one<{ status: string | null; reporting_date: string | null; valid_from: Date }>(`SELECT status, reporting_date, valid_from FROM ref_stolen WHERE imei_norm = $1 AND ${CURRENT}`, [key]),
    one<{ imsi: string; msisdn: string; valid_from: Date }>(`SELECT imsi, msisdn, valid_from FROM ref_pairing WHERE imei_norm = $1 AND ${CURRENT} ORDER BY imsi`, [key]),
    one(`SELECT 1 FROM ref_golden WHERE hashed_imei_norm = $1 AND ${CURRENT}`, [goldenHash(key)]),
    one(`SELECT 1 FROM ref_barred WHERE imei_norm = $1 AND ${CURRENT}`, [key]),
    one(`SELECT 1 FROM ref_barred_tac WHERE tac = $1 AND ${CURRENT}`, [p.tac]),
    one(`SELECT 1 FROM ref_monitoring WHERE imei_norm = $1 AND ${CURRENT}`, [key]),
    one<{ uid: string; valid_from: Date }>(`SELECT uid, valid_from FROM ref_device_association WHERE imei_norm = $1 AND ${CURRENT} ORDER BY uid`, [key]),
  ]);
  let registration: ImeiReferenceStatus['registration'] = null;
  if (reg[0]) {
    const r = reg[0];
    const others = r.device_id
      ? (await one<{ imei_norm: string }>(`SELECT imei_norm FROM ref_registration WHERE device_id = $1 AND imei_norm <> $2 AND ${CURRENT} ORDER BY imei_norm`, [r.device_id, key])).map((o) => o.imei_norm)
      : [];
    registration = {
      registered: r.status === null || r.status === 'whitelist',
      status: r.status,
      make: r.make,
      model: r.model,
      model_number: r.model_number,
      brand_name: r.brand_name,
      device_type: r.device_type,
      radio_interface: r.radio_interface,
      device_id: r.device_id,
      other_imeis: others,
      since: iso(r.valid_from),
    };
  }
  const m = opts.mask ? maskers : plain;
  return {
    input,
    imei_norm: key,
    tac: p.tac,
    identifier: {
      form: p.form,
      check_digit: p.form === 'imei15' ? { given: p.checkDigit!, expected: luhnCheckDigit(key), valid: !!p.checkDigitValid } : null,
      software_version: p.svn ?? null,
    },
    suspicious: suspiciousShapes(key).map((shape) => ({ shape, description: describeShape(shape) })),
    catalogue,
    registration,
    stolen: stolen[0]
      ? { stolen: stolen[0].status === null || stolen[0].status === 'blacklist', status: stolen[0].status, reporting_date: stolen[0].reporting_date, since: iso(stolen[0].valid_from) }
      : null,
    pairings: pairings.map((r) => ({ imsi: m.imsi(r.imsi), msisdn: m.msisdn(r.msisdn), since: iso(r.valid_from) })),
    golden: golden.length > 0,
    barred: { imei: barred.length > 0, tac: barredTac.length > 0 },
    monitored: monitored.length > 0,
    associations: assoc.map((r) => ({ uid: m.uid(r.uid), since: iso(r.valid_from) })),
  };
}

const plain = { imsi: (s: string) => s, msisdn: (s: string) => s, uid: (s: string) => s };

/**
 * Keep what routes (MCC+MNC, calling code) and the last digits; hide the rest. A value too short
 * to hide anything that way is hidden whole (kept parts must not overlap and give it away).
 */
const keepEnds = (s: string, head: number, tail: number) =>
  s.length <= head + tail ? '*'.repeat(s.length) : s.slice(0, head) + '*'.repeat(s.length - head - tail) + (tail ? s.slice(-tail) : '');

export const maskers = {
  imsi: (s: string) => keepEnds(s, 5, 2),
  msisdn: (s: string) => keepEnds(s, 2, 3),
  uid: (s: string) => keepEnds(s, 2, 0),
};

/**
 * A list as it stood at time `at` (default: now), in pages ordered by key. Columns are the
 * stored ones (IMEIs as their 14-digit key, golden entries as MD5 digests).
 */
export async function* listAsOf(db: Db, kind: ListKind, at?: Date, pageSize = 50_000): AsyncGenerator<Record<string, unknown>[]> {
  const spec = listSpec(kind);
  const cols = storedColumns(spec).filter((c) => c.name !== 'rat_mask');
  const key = spec.key.map((c) => c.name);
  const when = at ?? new Date();
  let after: unknown[] | null = null;
  while (true) {
    const params: unknown[] = [when];
    let cond = 'valid_from <= $1 AND (valid_to IS NULL OR valid_to > $1)';
    if (after) {
      cond += ` AND ROW(${key.join(', ')}) > ROW(${after.map((v) => (params.push(v), `$${params.length}`)).join(', ')})`;
    }
    const { rows } = await db.query(`SELECT ${cols.map((c) => c.name).join(', ')} FROM ${spec.table} WHERE ${cond} ORDER BY ${key.join(', ')} LIMIT ${pageSize}`, params);
    if (!rows.length) return;
    yield rows;
    if (rows.length < pageSize) return;
    const last = rows[rows.length - 1];
    after = key.map((k) => last[k]);
  }
}

/** The history of one IMEI on every IMEI-keyed list: each period it was listed, with its values. */
export async function imeiHistory(db: Db, imeiKey: string): Promise<{ list: ListKind; valid_from: string; valid_to: string | null; import_id: number }[]> {
  const kinds: ListKind[] = ['registration_list', 'stolen_list', 'pairing_list', 'barred_list', 'monitoring_list', 'device_association_list'];
  const out: { list: ListKind; valid_from: string; valid_to: string | null; import_id: number }[] = [];
  for (const kind of kinds) {
    const { rows } = await db.query<{ valid_from: Date; valid_to: Date | null; import_id: number }>(
      `SELECT valid_from, valid_to, import_id FROM ${listSpec(kind).table} WHERE imei_norm = $1 ORDER BY valid_from`,
      [imeiKey],
    );
    for (const r of rows) out.push({ list: kind, valid_from: iso(r.valid_from), valid_to: r.valid_to ? iso(r.valid_to) : null, import_id: r.import_id });
  }
  return out.sort((a, b) => a.valid_from.localeCompare(b.valid_from));
}

/** A few current entries of each IMEI list, to show people what to look up (demo, docs). */
export async function sampleImeis(db: Db, perList = 2): Promise<Partial<Record<ListKind, string[]>>> {
  const out: Partial<Record<ListKind, string[]>> = {};
  const kinds: ListKind[] = ['registration_list', 'stolen_list', 'pairing_list', 'barred_list', 'monitoring_list'];
  for (const kind of kinds) {
    const { rows } = await db.query<{ imei_norm: string }>(
      `SELECT DISTINCT imei_norm FROM ${listSpec(kind).table} WHERE ${CURRENT} ORDER BY imei_norm LIMIT ${perList}`,
    );
    out[kind] = rows.map((r) => r.imei_norm);
  }
  return out;
}

/** Whether any reference list was ever imported (an empty database needs its first load). */
export async function hasReferenceData(db: Db): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM ref_import LIMIT 1');
  return rows.length > 0;
}
