/**
 * Why a device is flagged: its open classification states with their evidence, block dates and
 * grace days left, its overall status, and what its user can do about it.
 */
import type { CountryProfile } from '../config/profile.ts';
import type { Db } from '../store/db.ts';

export interface ConditionMatch {
  label: string;
  reason: string | null;
  blocking: boolean;
  start_date: string;
  block_date: string | null;
  /** Days until the block date (0 or less: blocked); null when not blocking. */
  days_left: number | null;
  amnesty_granted: boolean;
  evidence: unknown;
}

export interface ImeiClassification {
  /** The analysis date of the latest run, or null if none ran. */
  analysis_date: string | null;
  /** blocked: a blocking condition is past its date; pending: in grace; flagged: informative only. */
  status: 'blocked' | 'pending' | 'flagged' | 'clear';
  conditions: ConditionMatch[];
  advice: string[];
}

/** What a user can do, by the dimensions a condition uses. */
const ADVICE: [RegExp, string][] = [
  [/^stolen_list$/, 'If you recovered this device, the owner or the police can report it recovered; if you bought it, return it to the seller and report it.'],
  [/^duplicate_|^daily_avg_uid$|^time_distance_conflict$/, 'This IMEI is used by several devices (cloned). Pair your device with your SIM, or appeal with proof of purchase: the holder of the genuine device keeps service.'],
  [/^gsma_not_found$|^is_test_tac$|^malformed_imei$|^suspicious_identifier$|^seen_before_tac_allocation$/, 'This IMEI is not a genuine allocation: the device is likely counterfeit. Appeal with proof of purchase if you believe this is wrong.'],
  [/^not_on_registration_list$/, 'Register the device (importer, shop or individual registration) before the block date.'],
  [/^not_on_association_list$/, 'Associate the device with your national ID before the block date.'],
  [/^exists_in_barred_list$|^is_barred_tac$/, 'The regulator barred this device or model; appeal if you believe this is wrong.'],
  [/^inconsistent_rat$|^unknown_software_version$/, 'The device reports radio or software versions its model does not have: it may be tampered. Appeal with proof of purchase if you believe this is wrong.'],
];

export async function imeiClassification(db: Db, imei: string, profile: CountryProfile, today = new Date()): Promise<ImeiClassification> {
  const [run, states] = await Promise.all([
    db.query<{ analysis_date: string }>('SELECT analysis_date FROM v_cls_latest_run'),
    db.query<{ cond: string; start_date: string; block_date: string | null; amnesty_granted: boolean; evidence: unknown; blocking: boolean | null; reason: string | null }>(
      `SELECT o.cond, o.start_date, o.block_date, o.amnesty_granted, o.evidence, c.blocking, c.reason
       FROM v_cls_open o LEFT JOIN v_cls_conditions c USING (cond) WHERE o.imei_norm = $1 ORDER BY o.block_date NULLS LAST, o.cond`,
      [imei],
    ),
  ]);
  const day = Date.parse(`${today.toISOString().slice(0, 10)}T00:00:00Z`);
  const conditions = states.rows.map((s) => ({
    label: s.cond,
    reason: s.reason,
    blocking: !!s.blocking,
    start_date: s.start_date,
    block_date: s.block_date,
    days_left: s.blocking && s.block_date ? Math.round((Date.parse(`${s.block_date}T00:00:00Z`) - day) / 86_400_000) : null,
    amnesty_granted: s.amnesty_granted,
    evidence: s.evidence,
  }));
  const blocked = conditions.some((c) => c.blocking && c.days_left !== null && c.days_left <= 0);
  const pending = conditions.some((c) => c.blocking && (c.days_left === null || c.days_left > 0));
  const modules = new Set(
    conditions.flatMap((c) => profile.conditions.find((p) => p.label === c.label)?.dimensions.filter((d) => !d.invert).map((d) => d.module) ?? []),
  );
  const advice = ADVICE.filter(([re]) => [...modules].some((m) => re.test(m))).map(([, text]) => text);
  return {
    analysis_date: run.rows[0]?.analysis_date ?? null,
    status: blocked ? 'blocked' : pending ? 'pending' : conditions.length ? 'flagged' : 'clear',
    conditions,
    advice,
  };
}
