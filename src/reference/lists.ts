/**
 * The reference lists of a CEIR (DOMAIN §3), described once: file columns with their rules, the
 * stored key and values. The importer, the schema and the queries all derive from these specs.
 */
import { createHash } from 'node:crypto';
import { normaliseImei } from '../identity/index.ts';
import { ratMaskFromBands } from './bands.ts';
import * as f from './fields.ts';

export type ColumnType = 'text' | 'date' | 'jsonb' | 'smallint';

export interface Column {
  name: string;
  type: ColumnType;
}

export interface FieldSpec {
  /** Header name in the file (DIRBS-compatible). */
  header: string;
  /** Other accepted header names (compared after lower-casing and folding `_` to a space). */
  aliases?: string[];
  /** The stored column the value goes to. */
  column: string;
  /** The header must be present (otherwise it may be missing and is null). */
  required: boolean;
  /** The value must be non-empty (for a delta `remove`, only key fields must be). */
  notEmpty?: boolean;
  parse: f.FieldParser;
}

export interface ListSpec {
  kind: ListKind;
  title: string;
  table: string;
  delimiter: ',' | '|';
  fields: FieldSpec[];
  key: Column[];
  values: Column[];
  /** Columns not in the file: computed from the parsed fields (and unknown columns, if kept). */
  derive?: (row: Record<string, string | null>, extra: Record<string, string> | null) => Record<string, string | null>;
  /** Keep columns the spec does not know (GSMA adds columns over time) in a jsonb `extra`. */
  keepUnknownColumns?: boolean;
  /** Values that mean "missing" (GSMA's `Not Known`), compared case-insensitively. */
  missingValues?: string[];
}

export const LIST_KINDS = [
  'gsma_tac',
  'registration_list',
  'stolen_list',
  'pairing_list',
  'golden_list',
  'barred_list',
  'barred_tac_list',
  'monitoring_list',
  'subscribers_registration_list',
  'device_association_list',
  'cell_list',
] as const;

export type ListKind = (typeof LIST_KINDS)[number];

export function isListKind(s: string): s is ListKind {
  return (LIST_KINDS as readonly string[]).includes(s);
}

const t = (name: string): Column => ({ name, type: 'text' });
const IMEI_KEY = t('imei_norm');

const field = (header: string, column: string, parse: f.FieldParser, opts: Partial<FieldSpec> = {}): FieldSpec => ({
  header,
  column,
  parse,
  required: true,
  ...opts,
});

/** MD5 of the normalised IMEI, as DIRBS stores golden-list entries. */
export function goldenHash(imei: string): string {
  return createHash('md5').update(normaliseImei(imei)).digest('hex');
}

const gsmaText = (column: string, header: string, required = false, aliases?: string[]) =>
  field(header, column, f.text(255), { required, aliases });

const SPECS: Record<ListKind, ListSpec> = {
  gsma_tac: {
    kind: 'gsma_tac',
    title: 'GSMA TAC database',
    table: 'ref_gsma_tac',
    delimiter: '|',
    fields: [
      field('TAC', 'tac', f.tac, { notEmpty: true }),
      gsmaText('manufacturer', 'Manufacturer', true, ['manufacturer (or) applicant']),
      gsmaText('model_name', 'Model Name', true),
      gsmaText('marketing_name', 'Marketing Name'),
      gsmaText('brand_name', 'Brand Name'),
      field('Allocation Date', 'allocation_date', f.gsmaDate),
      gsmaText('device_type', 'Device Type', true),
      field('Bands', 'bands', f.text(4000)),
      field('5G Bands', 'bands_5g', f.text(4000), { required: false }),
      gsmaText('radio_interface', 'Radio Interface'),
      gsmaText('operating_system', 'Operating System'),
    ],
    key: [t('tac')],
    values: [
      t('manufacturer'),
      t('model_name'),
      t('marketing_name'),
      t('brand_name'),
      { name: 'allocation_date', type: 'date' },
      t('device_type'),
      t('bands'),
      t('bands_5g'),
      t('radio_interface'),
      t('operating_system'),
      { name: 'rat_mask', type: 'smallint' },
      { name: 'extra', type: 'jsonb' },
    ],
    derive: (row, extra) => ({
      rat_mask: String(ratMaskFromBands(row.bands, row.bands_5g)),
      extra: extra && Object.keys(extra).length ? JSON.stringify(extra) : null,
    }),
    keepUnknownColumns: true,
    missingValues: ['not known'],
  },
  registration_list: {
    kind: 'registration_list',
    title: 'registration list',
    table: 'ref_registration',
    delimiter: ',',
    fields: [
      field('approved_imei', 'imei_norm', f.imeiHuman, { notEmpty: true }),
      field('make', 'make', f.text()),
      field('model', 'model', f.text()),
      field('status', 'status', f.status),
      field('model_number', 'model_number', f.text()),
      field('brand_name', 'brand_name', f.text()),
      field('device_type', 'device_type', f.text()),
      field('radio_interface', 'radio_interface', f.text()),
      field('device_id', 'device_id', (v) => (v.trim() === '' ? null : f.uid(v))),
    ],
    key: [IMEI_KEY],
    values: ['make', 'model', 'status', 'model_number', 'brand_name', 'device_type', 'radio_interface', 'device_id'].map(t),
  },
  stolen_list: {
    kind: 'stolen_list',
    title: 'stolen list',
    table: 'ref_stolen',
    delimiter: ',',
    fields: [
      field('imei', 'imei_norm', f.imeiHuman, { notEmpty: true }),
      field('reporting_date', 'reporting_date', (v) => (v.trim() === '' ? null : f.ymd(v))),
      field('status', 'status', f.status),
    ],
    key: [IMEI_KEY],
    values: [{ name: 'reporting_date', type: 'date' }, t('status')],
  },
  pairing_list: {
    kind: 'pairing_list',
    title: 'pairing list',
    table: 'ref_pairing',
    delimiter: ',',
    fields: [
      field('imei', 'imei_norm', f.imeiHuman, { notEmpty: true }),
      field('imsi', 'imsi', f.imsi, { notEmpty: true }),
      field('msisdn', 'msisdn', f.msisdn, { notEmpty: true }),
    ],
    key: [IMEI_KEY, t('imsi')],
    values: [t('msisdn')],
  },
  golden_list: {
    kind: 'golden_list',
    title: 'golden list',
    table: 'ref_golden',
    delimiter: ',',
    fields: [field('golden_imei', 'hashed_imei_norm', (v) => goldenHash(f.imeiAny(v) as string), { notEmpty: true })],
    key: [t('hashed_imei_norm')],
    values: [],
  },
  barred_list: {
    kind: 'barred_list',
    title: 'barred list',
    table: 'ref_barred',
    delimiter: ',',
    fields: [field('imei', 'imei_norm', f.imeiAny, { notEmpty: true })],
    key: [IMEI_KEY],
    values: [],
  },
  barred_tac_list: {
    kind: 'barred_tac_list',
    title: 'barred TAC list',
    table: 'ref_barred_tac',
    delimiter: ',',
    fields: [field('tac', 'tac', f.tac, { notEmpty: true })],
    key: [t('tac')],
    values: [],
  },
  monitoring_list: {
    kind: 'monitoring_list',
    title: 'monitoring list',
    table: 'ref_monitoring',
    delimiter: ',',
    fields: [field('imei', 'imei_norm', f.imeiAny, { notEmpty: true })],
    key: [IMEI_KEY],
    values: [],
  },
  subscribers_registration_list: {
    kind: 'subscribers_registration_list',
    title: 'subscriber registration list',
    table: 'ref_subscriber_registration',
    delimiter: ',',
    fields: [field('uid', 'uid', f.uid, { notEmpty: true }), field('imsi', 'imsi', f.imsi, { notEmpty: true })],
    key: [t('imsi')],
    values: [t('uid')],
  },
  device_association_list: {
    kind: 'device_association_list',
    title: 'device association list',
    table: 'ref_device_association',
    delimiter: ',',
    fields: [field('uid', 'uid', f.uid, { notEmpty: true }), field('imei', 'imei_norm', f.imeiHuman, { notEmpty: true })],
    key: [IMEI_KEY, t('uid')],
    values: [],
  },
  cell_list: {
    kind: 'cell_list',
    title: 'cell list',
    table: 'ref_cell',
    delimiter: ',',
    fields: [
      field('cell_id', 'cell_id', f.uid, { notEmpty: true }),
      field('lat', 'lat', f.coordinate(90), { notEmpty: true }),
      field('lon', 'lon', f.coordinate(180), { notEmpty: true }),
    ],
    key: [t('cell_id')],
    values: [t('lat'), t('lon')],
  },
};

export interface SpecOptions {
  /** Golden list: the file holds MD5 digests of normalised IMEIs, not IMEIs. */
  preHashed?: boolean;
}

export function listSpec(kind: ListKind, opts: SpecOptions = {}): ListSpec {
  const spec = SPECS[kind];
  if (kind === 'golden_list' && opts.preHashed) {
    return { ...spec, fields: [field('golden_imei', 'hashed_imei_norm', f.md5hex, { notEmpty: true })] };
  }
  return spec;
}

/** Every stored column of a list: key, then values. */
export function storedColumns(spec: ListSpec): Column[] {
  return [...spec.key, ...spec.values];
}
