/**
 * Response schemas of the REST API. They are compiled at start and whitelist fields: anything
 * not named here never leaves the server, so personal data cannot leak by accident.
 */
const str = { type: 'string' } as const;
const nstr = { type: ['string', 'null'] } as const;
const bool = { type: 'boolean' } as const;
const strs = { type: 'array', items: str } as const;

export const problemSchema = {
  type: 'object',
  properties: { type: str, title: str, status: { type: 'integer' }, detail: str, code: str, instance: str },
} as const;

export const tacSchema = {
  type: 'object',
  properties: {
    tac: str, manufacturer: nstr, model_name: nstr, marketing_name: nstr, brand_name: nstr, allocation_date: nstr,
    device_type: nstr, bands: nstr, bands_5g: nstr, radio_interface: nstr, operating_system: nstr,
    rats: strs, model_rats: strs, model_tacs: { type: 'integer' },
    extra: { type: 'object', additionalProperties: str },
  },
} as const;

export const imeiSchema = {
  type: 'object',
  properties: {
    input: str,
    imei_norm: str,
    tac: str,
    identifier: {
      type: 'object',
      properties: {
        form: str,
        check_digit: { type: ['object', 'null'], properties: { given: { type: 'integer' }, expected: { type: 'integer' }, valid: bool } },
        software_version: nstr,
      },
    },
    suspicious: { type: 'array', items: { type: 'object', properties: { shape: str, description: str } } },
    catalogue: { anyOf: [{ type: 'null' }, tacSchema] },
    registration: {
      type: ['object', 'null'],
      properties: {
        registered: bool, status: nstr, make: nstr, model: nstr, model_number: nstr, brand_name: nstr, device_type: nstr,
        radio_interface: nstr, device_id: nstr, other_imeis: strs, since: str,
      },
    },
    stolen: { type: ['object', 'null'], properties: { stolen: bool, status: nstr, reporting_date: nstr, since: str } },
    pairings: { type: 'array', items: { type: 'object', properties: { imsi: str, msisdn: str, since: str } } },
    golden: bool,
    barred: { type: 'object', properties: { imei: bool, tac: bool } },
    monitored: bool,
    associations: { type: 'array', items: { type: 'object', properties: { uid: str, since: str } } },
    // The public check explains a flag but shows no evidence: that names other people's SIMs.
    classification: {
      type: 'object',
      properties: {
        analysis_date: nstr,
        status: str,
        conditions: {
          type: 'array',
          items: {
            type: 'object',
            properties: { label: str, reason: nstr, blocking: bool, start_date: str, block_date: nstr, days_left: { type: ['integer', 'null'] }, amnesty_granted: bool },
          },
        },
        advice: strs,
      },
    },
    lists: {
      type: 'object',
      properties: {
        version: { type: ['integer', 'null'] },
        blocklist: { type: ['object', 'null'], properties: { block_date: str, reasons: strs } },
        notified_by: { type: 'array', items: { type: 'object', properties: { operator: str, block_date: str } } },
        exempted_by: strs,
      },
    },
  },
} as const;
