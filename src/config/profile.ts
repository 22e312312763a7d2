/**
 * The country profile: one YAML file that describes the country, its operators and the rules
 * the CEIR applies. Validated once at boot; every optional key has a default.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { amnestySchema, conditionSchema, listsSchema } from '../classify/config.ts';
import { CeirError } from '../errors.ts';

const digits = (min: number, max: number, what: string) =>
  z.string().regex(new RegExp(`^\\d{${min},${max}}$`), `${what} must be ${min === max ? min : `${min}-${max}`} digits`);

const ratio = z.number().min(0).max(1);

const operatorSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'operator id must be lower-case letters, digits, - or _ (at most 32)'),
    name: z.string().min(1),
    mcc_mnc: z.array(digits(5, 6, 'an MCC+MNC')).min(1),
  })
  .strict();

/** The EIR node (`ceir eir`, DOMAIN §7). File paths are relative to the profile file. */
const eirSchema = z
  .object({
    policy: z.enum(['permissive', 'restrictive']).default('permissive'),
    /** The answer for equipment a restrictive node does not know: UNKNOWN is 404 / S13 5422. */
    unknown_answer: z.enum(['UNKNOWN', 'GREYLISTED', 'WHITELISTED', 'BLACKLISTED']).default('UNKNOWN'),
    /** Only these operators' notifications and exceptions (an operator's own EIR); default all. */
    operators: z.array(z.string().min(1)).optional(),
    poll_seconds: z.number().int().min(1).max(86400).default(60),
    /** Record every check for ingestion (`ceir eir --no-record` turns it off). */
    record: z.boolean().default(true),
    diameter: z
      .object({
        origin_host: z.string().min(1).default('eir.openceir.local'),
        origin_realm: z.string().min(1).default('openceir.local'),
        watchdog_seconds: z.number().int().min(6).max(3600).default(30),
      })
      .strict()
      .prefault({}),
    /** N5g-eir over TLS with ALPN h2 (else cleartext HTTP/2 with prior knowledge). */
    tls: z.object({ cert_file: z.string().min(1), key_file: z.string().min(1), ca_file: z.string().min(1).optional() }).strict().optional(),
    /** OAuth2 bearer tokens (JWT) required on N5g-eir: verified with this public key (PEM or JWK). */
    oauth: z.object({ public_key_file: z.string().min(1), audience: z.string().min(1).default('5G_EIR') }).strict().optional(),
    overload: z
      .object({
        /** Answer 503 with Retry-After while the event loop lags more than this. */
        max_event_loop_delay_ms: z.number().min(1).max(60000).default(200),
        /** Answer 429 with Retry-After above this many N5g-eir requests a second (0: no limit). */
        max_requests_per_second: z.number().int().min(0).default(0),
        retry_after_seconds: z.number().int().min(1).max(3600).default(1),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export const profileSchema = z
  .object({
    country: z
      .object({
        name: z.string().min(1),
        mcc: z.array(digits(3, 3, 'an MCC')).min(1),
        calling_codes: z.array(digits(1, 3, 'a calling code')).min(1),
        mnc_length: z.union([z.literal(2), z.literal(3)]).default(2),
      })
      .strict(),
    operators: z.array(operatorSchema).min(1),
    exempted_device_types: z.array(z.string().min(1)).default([]),
    imports: z
      .object({
        max_list_shrink: ratio.default(0.25),
        max_errors_reported: z.number().int().min(1).max(100000).default(100),
        max_line_bytes: z.number().int().min(1024).max(1 << 24).default(65536),
      })
      .strict()
      .default({ max_list_shrink: 0.25, max_errors_reported: 100, max_line_bytes: 65536 }),
    observations: z
      .object({
        /** Quality gates of operator files (DOMAIN §4): the largest share of rows each may concern. */
        gates: z
          .object({
            date_out_of_range: ratio.default(0),
            null_imei: ratio.default(0.05),
            null_imsi: ratio.default(0.05),
            null_msisdn: ratio.default(0.05),
            null_rat: ratio.default(0.05),
            unclean_imei: ratio.default(0.05),
            unclean_imsi: ratio.default(0.05),
            unknown_rat: ratio.default(0.05),
            foreign_imsi: ratio.default(0.1),
            foreign_msisdn: ratio.default(0.1),
            other_operator_imsi: ratio.default(0.2),
            /** A day's distinct IMEIs, IMSIs or MSISDNs must reach this share of the operator's recent average. */
            daily_volume: ratio.default(0.9),
          })
          .strict()
          .prefault({}),
        /** Days before a file's first day that make the "recent average" of the volume gate. */
        volume_history_days: z.number().int().min(1).max(366).default(30),
        /** Subscriber-level data older than this many months is pruned by `ceir prune`. */
        retention_months: z.number().int().min(1).max(120).default(6),
      })
      .strict()
      .prefault({}),
    conditions: z.array(conditionSchema).default([]),
    amnesty: amnestySchema.prefault({}),
    lists: listsSchema.prefault({}),
    eir: eirSchema.prefault({}),
    /** For `ceir evaluate`: which conditions should catch each label of a truth file. */
    evaluation: z.record(z.string(), z.array(z.string())).default({}),
  })
  .strict()
  .superRefine((p, ctx) => {
    const labels = new Set<string>();
    p.conditions.forEach((c, i) => {
      if (labels.has(c.label)) ctx.addIssue({ code: 'custom', path: ['conditions', i, 'label'], message: `duplicate condition label "${c.label}"` });
      labels.add(c.label);
    });
    for (const [label, conds] of Object.entries(p.evaluation)) {
      conds.forEach((c, i) => {
        if (!labels.has(c)) ctx.addIssue({ code: 'custom', path: ['evaluation', label, i], message: `no condition is labelled "${c}"` });
      });
    }
    const ids = new Set<string>();
    p.operators.forEach((op, i) => {
      if (ids.has(op.id)) ctx.addIssue({ code: 'custom', path: ['operators', i, 'id'], message: `duplicate operator id "${op.id}"` });
      ids.add(op.id);
    });
    const prefixes = p.operators.flatMap((op, i) => op.mcc_mnc.map((m, j) => ({ m, path: ['operators', i, 'mcc_mnc', j] })));
    for (const a of prefixes) {
      if (!p.country.mcc.includes(a.m.slice(0, 3))) {
        ctx.addIssue({ code: 'custom', path: a.path, message: `MCC+MNC ${a.m} is not under one of the country's MCCs (${p.country.mcc.join(', ')})` });
      }
      for (const b of prefixes) {
        if (a !== b && b.m.startsWith(a.m)) {
          ctx.addIssue({ code: 'custom', path: b.path, message: `MCC+MNC ${b.m} has ${a.m} as a prefix: an IMSI could not be routed to one operator` });
        }
      }
    }
  });

export type CountryProfile = z.infer<typeof profileSchema>;
export type Operator = CountryProfile['operators'][number];

/** Validate a parsed profile object; errors name the key path and the rule. */
export function validateProfile(raw: unknown, source = 'profile'): CountryProfile {
  const r = profileSchema.safeParse(raw);
  if (r.success) return r.data;
  // zod reports unknown keys on the object that holds them: name each key's own path instead
  const issues = r.error.issues.flatMap((i) =>
    i.code === 'unrecognized_keys'
      ? i.keys.map((k) => ({ path: [...i.path, k].join('.'), message: 'unknown key (a typo?)' }))
      : [{ path: i.path.join('.'), message: i.message }],
  );
  const lines = issues.map((i) => `  ${i.path || '(top)'}: ${i.message}`);
  throw new CeirError('CEIR_ERR_CONFIG_INVALID', `${source}: invalid country profile\n${lines.join('\n')}`, { issues });
}

/** Read and validate a profile YAML file. */
export function loadProfile(file: string): CountryProfile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CeirError('CEIR_ERR_CONFIG_INVALID', `${file}: cannot read country profile (${(e as Error).message})`);
  }
  return parseProfileYaml(text, file);
}

export function parseProfileYaml(text: string, source = 'profile'): CountryProfile {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length) {
    const e = doc.errors[0];
    throw new CeirError('CEIR_ERR_CONFIG_INVALID', `${source}:${e.linePos?.[0].line ?? '?'}: ${e.message.split('\n')[0]}`);
  }
  return validateProfile(doc.toJS(), source);
}

/** The operator whose MCC+MNC prefixes an IMSI, if any (profiles forbid overlapping prefixes). */
export function homeOperatorOf(profile: CountryProfile, imsi: string): Operator | undefined {
  return profile.operators.find((op) => op.mcc_mnc.some((p) => imsi.startsWith(p)));
}
