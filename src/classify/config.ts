/**
 * Conditions, amnesty and list options of the country profile (DOMAIN §5, §6), with DIRBS's keys
 * so that a regulator's existing condition files carry over.
 */
import { z } from 'zod';
import { DIMENSIONS } from './dimensions/index.ts';

const ymd = z.string().regex(/^\d{8}$/, 'a date YYYYMMDD');

export const dimensionSchema = z
  .object({
    module: z.string().min(1),
    parameters: z.record(z.string(), z.unknown()).default({}),
    invert: z.boolean().default(false),
  })
  .strict()
  .superRefine((d, ctx) => {
    const dim = DIMENSIONS[d.module];
    if (!dim) {
      ctx.addIssue({ code: 'custom', path: ['module'], message: `unknown dimension "${d.module}"; known: ${Object.keys(DIMENSIONS).sort().join(', ')}` });
      return;
    }
    const r = dim.params.safeParse(d.parameters);
    if (!r.success) {
      for (const i of r.error.issues) ctx.addIssue({ code: 'custom', path: ['parameters', ...i.path.map(String)], message: i.message });
    }
  });

export const conditionSchema = z
  .object({
    label: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'a label is lower-case letters, digits and _'),
    dimensions: z.array(dimensionSchema).min(1),
    blocking: z.boolean().default(false),
    grace_period_days: z.number().int().min(0).max(3650).default(0),
    sticky: z.boolean().default(false),
    reason: z.string().min(1).max(200),
    max_allowed_matching_ratio: z.number().min(0).max(1).default(0.1),
    amnesty_eligible: z.boolean().default(false),
  })
  .strict();

export const amnestySchema = z
  .object({
    enabled: z.boolean().default(false),
    evaluation_period_end_date: ymd.optional(),
    amnesty_period_end_date: ymd.optional(),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (!a.enabled) return;
    if (!a.evaluation_period_end_date) ctx.addIssue({ code: 'custom', path: ['evaluation_period_end_date'], message: 'required when amnesty is enabled' });
    if (!a.amnesty_period_end_date) ctx.addIssue({ code: 'custom', path: ['amnesty_period_end_date'], message: 'required when amnesty is enabled' });
    if (a.evaluation_period_end_date && a.amnesty_period_end_date && a.amnesty_period_end_date <= a.evaluation_period_end_date) {
      ctx.addIssue({ code: 'custom', path: ['amnesty_period_end_date'], message: 'must be after evaluation_period_end_date' });
    }
  });

export const listsSchema = z
  .object({
    /** Notifications go to subscribers seen with the IMEI in this many days before the list date. */
    lookback_days: z.number().int().min(1).max(366).default(60),
    /** Exceptions only for IMEIs that are on the block list. */
    restrict_exceptions_to_blocked_imeis: z.boolean().default(false),
    /** Barred IMEIs may be paired (appear in exception lists). */
    include_barred_imeis_in_exceptions: z.boolean().default(false),
    /** Write IMEIs with their Luhn check digit (15 digits) where the key is 14 digits. */
    generate_check_digit: z.boolean().default(false),
    /** Write malformed IMEIs (not 14 digits) in the lists. */
    output_invalid_imeis: z.boolean().default(true),
    /** Ed25519 private key (PEM) that signs list manifests; default `<data>/keys/lists-ed25519.pem`. */
    signing_key_file: z.string().optional(),
  })
  .strict();

export type ConditionConfig = z.infer<typeof conditionSchema>;
export type AmnestyConfig = z.infer<typeof amnestySchema>;
export type ListsConfig = z.infer<typeof listsSchema>;
