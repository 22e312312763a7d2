/** The dimension registry: names, one file each, parameters (defaults, refusals), and SQL that runs on an empty database. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { conditionSchema } from '../../../src/classify/config.ts';
import { DIMENSIONS } from '../../../src/classify/dimensions/index.ts';
import { PROJECT_ROOT } from '../../../src/cli/context.ts';
import type { CountryProfile } from '../../../src/config/profile.ts';
import type { Db } from '../../../src/store/db.ts';
import { freshDb, profile } from './helpers.ts';

/** Each dimension with the smallest valid parameters and what the schema makes of them. */
const DEFAULTS: Record<string, { given: Record<string, unknown>; parsed: Record<string, unknown> }> = {
  gsma_not_found: {
    given: {},
    parsed: { per_rbi_delays: { '00': 32, '01': 40, '35': 20, '86': 19, '91': 20, '99': 69 }, ignore_rbi_delays: false },
  },
  stolen_list: { given: {}, parsed: {} },
  duplicate_threshold: { given: { threshold: 5 }, parsed: { threshold: 5, period_days: 30, use_msisdn: false } },
  duplicate_daily_avg: { given: { threshold: 2, min_seen_days: 5 }, parsed: { threshold: 2, min_seen_days: 5, period_days: 30, use_msisdn: false } },
  daily_avg_uid: { given: { threshold: 2.5, min_seen_days: 5 }, parsed: { threshold: 2.5, min_seen_days: 5, period_days: 30 } },
  malformed_imei: { given: {}, parsed: {} },
  not_on_registration_list: { given: {}, parsed: {} },
  not_on_association_list: { given: {}, parsed: {} },
  inconsistent_rat: { given: {}, parsed: {} },
  transient_imei: { given: {}, parsed: { period_days: 30, num_msisdns: 3 } },
  used_by_dirbs_subscriber: { given: {}, parsed: { lookback_days: 30 } },
  used_by_international_roamer: { given: {}, parsed: { lookback_days: 30 } },
  used_by_local_non_dirbs_roamer: { given: {}, parsed: { lookback_days: 30 } },
  is_test_tac: { given: {}, parsed: {} },
  is_barred_tac: { given: {}, parsed: {} },
  exists_in_barred_list: { given: {}, parsed: {} },
  exists_in_monitoring_list: { given: {}, parsed: { monitored_days: 0 } },
  seen_before_tac_allocation: { given: {}, parsed: {} },
  suspicious_identifier: { given: {}, parsed: { shapes: ['all_zeros', 'repeated_digit', 'ascending_run', 'descending_run', 'test_tac'] } },
  time_distance_conflict: { given: {}, parsed: { min_distance_km: 300, min_conflict_days: 2, period_days: 30 } },
  unknown_software_version: { given: {}, parsed: { min_devices: 5, min_model_devices: 20 } },
};

const parse = (module: string, params: unknown) => DIMENSIONS[module].params.safeParse(params);
const ok = (module: string, params: unknown) => {
  const r = parse(module, params);
  assert.ok(r.success, `${module} ${JSON.stringify(params)}: ${r.success ? '' : r.error.message}`);
  return r.data as Record<string, unknown>;
};
const refused = (module: string, params: unknown, path?: string) => {
  const r = parse(module, params);
  assert.equal(r.success, false, `${module} should refuse ${JSON.stringify(params)}`);
  if (path !== undefined && !r.success) assert.ok(r.error.issues.some((i) => i.path.join('.') === path), `${module}: an issue at "${path}": ${r.error.message}`);
};

test('the registry holds every dimension of DOMAIN §5 and the four new ones, under its own name', () => {
  assert.deepEqual(Object.keys(DIMENSIONS).sort(), Object.keys(DEFAULTS).sort());
  for (const [name, d] of Object.entries(DIMENSIONS)) {
    assert.equal(d.name, name);
    assert.ok(d.description.length > 10, `${name} has a description`);
    assert.ok(existsSync(join(PROJECT_ROOT, 'src/classify/dimensions', `${name.replaceAll('_', '-')}.ts`)), `${name} has its own file`);
  }
});

test('defaults are filled, and parsing what was parsed changes nothing', () => {
  for (const [name, { given, parsed }] of Object.entries(DEFAULTS)) {
    const p = ok(name, given);
    assert.deepEqual(p, parsed, name);
    assert.deepEqual(ok(name, p), parsed, `${name}: parsing twice`);
  }
});

test('unknown parameter keys are refused by every dimension', () => {
  for (const [name, { given }] of Object.entries(DEFAULTS)) refused(name, { ...given, tresholds: 1 });
});

test('gsma_not_found: given delays override the defaults body by body; ignoring them means none', () => {
  assert.deepEqual(ok('gsma_not_found', { per_rbi_delays: { '35': 5, '44': 7 } }).per_rbi_delays, { '00': 32, '01': 40, '35': 5, '44': 7, '86': 19, '91': 20, '99': 69 });
  assert.deepEqual(ok('gsma_not_found', { ignore_rbi_delays: true }), { per_rbi_delays: {}, ignore_rbi_delays: true });
  refused('gsma_not_found', { per_rbi_delays: { '35': 5 }, ignore_rbi_delays: true }, 'ignore_rbi_delays');
  refused('gsma_not_found', { per_rbi_delays: { '3': 5 } });
  refused('gsma_not_found', { per_rbi_delays: { '35': -1 } });
  refused('gsma_not_found', { per_rbi_delays: { '35': 1.5 } });
  refused('gsma_not_found', { ignore_rbi_delays: 'yes' });
});

test('periods: days or months, not both; thresholds and minimum days checked', () => {
  for (const name of ['duplicate_threshold', 'duplicate_daily_avg', 'daily_avg_uid']) {
    const { given } = DEFAULTS[name];
    const months = ok(name, { ...given, period_months: 2 });
    assert.equal(months.period_months, 2);
    assert.equal(months.period_days, undefined, `${name}: months alone`);
    assert.equal(ok(name, { ...given, period_days: 7 }).period_days, 7);
    refused(name, { ...given, period_days: 7, period_months: 1 }, 'period_months');
    refused(name, { ...given, period_days: 0 });
    refused(name, { ...given, period_days: 1.5 });
    refused(name, { ...given, period_months: 0 });
    refused(name, { ...given, threshold: undefined }, 'threshold');
    refused(name, { ...given, threshold: 0 });
  }
  refused('duplicate_threshold', { threshold: 2.5 });
  assert.equal(ok('duplicate_daily_avg', { threshold: 2.5, min_seen_days: 5 }).threshold, 2.5);
  refused('duplicate_daily_avg', { threshold: 2 }, 'min_seen_days');
  refused('duplicate_daily_avg', { threshold: 2, min_seen_days: 8, period_days: 7 }, 'min_seen_days');
  assert.equal(ok('duplicate_daily_avg', { threshold: 2, min_seen_days: 7, period_days: 7 }).min_seen_days, 7);
  refused('daily_avg_uid', { threshold: 2, min_seen_days: 31 }, 'min_seen_days');
  refused('duplicate_threshold', { threshold: 2, use_msisdn: 'true' });
});

test('transient_imei takes DIRBS `period` for period_days, not both', () => {
  assert.deepEqual(ok('transient_imei', { period: 20, num_msisdns: 4 }), { period_days: 20, num_msisdns: 4 });
  assert.deepEqual(ok('transient_imei', { period_days: 10 }), { period_days: 10, num_msisdns: 3 });
  refused('transient_imei', { period: 20, period_days: 20 }, 'period');
  refused('transient_imei', { num_msisdns: 0 });
});

test('other parameters at their limits', () => {
  refused('suspicious_identifier', { shapes: [] });
  refused('suspicious_identifier', { shapes: ['malformed'] });
  assert.deepEqual(ok('suspicious_identifier', { shapes: ['test_tac'] }), { shapes: ['test_tac'] });
  refused('exists_in_monitoring_list', { monitored_days: -1 });
  assert.equal(ok('unknown_software_version', { min_devices: 0 }).min_devices, 0);
  refused('unknown_software_version', { min_devices: -1 });
  refused('unknown_software_version', { min_model_devices: 0 });
  refused('time_distance_conflict', { min_distance_km: 0 });
  refused('time_distance_conflict', { min_conflict_days: 0 });
  refused('used_by_dirbs_subscriber', { lookback_days: 0 });
  assert.deepEqual(ok('not_on_registration_list', { period_days: 30 }), { period_days: 30 });
  refused('not_on_association_list', { period_days: 0 });
});

test('conditions validate their dimensions through the registry', () => {
  const condition = {
    label: 'duplicate_mk1',
    dimensions: [
      { module: 'duplicate_threshold', parameters: { threshold: 5, period_days: 30 } },
      { module: 'duplicate_daily_avg', parameters: { threshold: 2.0, period_days: 30, min_seen_days: 5 } },
    ],
    blocking: true,
    grace_period_days: 30,
    reason: 'Duplicate IMEI detected',
    max_allowed_matching_ratio: 0.1,
  };
  assert.ok(conditionSchema.safeParse(condition).success);
  const bad = conditionSchema.safeParse({ ...condition, dimensions: [{ module: 'duplicate_threshold', parameters: { threshold: 5, period_months: 1, period_days: 3 } }] });
  assert.equal(bad.success, false);
  assert.ok(!bad.success && bad.error.issues.some((i) => i.path.join('.') === 'dimensions.0.parameters.period_months'));
  const unknown = conditionSchema.safeParse({ ...condition, dimensions: [{ module: 'gsma_not_found_typo' }] });
  assert.ok(!unknown.success && /unknown dimension/.test(unknown.error.issues[0].message));
});

let db: Db;
before(async () => {
  db = await freshDb();
});

test("every dimension's SQL runs on an empty database, with days and with months, giving text keys and jsonb evidence", async () => {
  for (const [name, { given }] of Object.entries(DEFAULTS)) {
    const variants = [given, ...('threshold' in given ? [{ ...given, period_months: 2 }] : [])];
    if (name.startsWith('not_on_')) variants.push({ period_days: 10 });
    for (const params of variants) {
      const d = DIMENSIONS[name];
      const q = d.sql(d.params.parse(params), { analysisDate: '2025-03-01', profile: profile() });
      const r = await db.query(q.text, q.values);
      assert.deepEqual(r.rows, [], `${name} ${JSON.stringify(params)}`);
      // as the engine keeps them: a table of the matches, whose key compares like any other IMEI column
      const columns = await db.transaction(async (tx) => {
        await tx.query(`CREATE TEMP TABLE dim_out ON COMMIT DROP AS SELECT imei_norm, evidence FROM (${q.text}) d`, q.values);
        return (await tx.query<{ attname: string; type: string; collation: string | null }>(
          `SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS type, c.collname AS collation
           FROM pg_attribute a LEFT JOIN pg_collation c ON c.oid = a.attcollation
           WHERE a.attrelid = 'dim_out'::regclass AND a.attnum > 0 ORDER BY a.attnum`,
        )).rows;
      });
      assert.deepEqual(columns, [{ attname: 'imei_norm', type: 'text', collation: 'default' }, { attname: 'evidence', type: 'jsonb', collation: null }], name);
    }
  }
});

test('country data is passed as query parameters, never written into the SQL', () => {
  const base = profile();
  const odd: CountryProfile = {
    ...base,
    country: { ...base.country, mcc: ['777'] },
    operators: [{ id: 'x', name: 'X', mcc_mnc: ['77788'] }],
    exempted_device_types: ["Zz'Type"],
  };
  for (const [name, { given }] of Object.entries(DEFAULTS)) {
    const variants = name.startsWith('not_on_') ? [given, { period_days: 10 }] : [given];
    for (const params of variants) {
      const d = DIMENSIONS[name];
      const q = d.sql(d.params.parse(params), { analysisDate: '2025-03-01', profile: odd });
      assert.ok(!/777|Zz/.test(q.text), `${name}: profile values in the SQL text`);
      assert.ok(!q.text.includes('2025-03'), `${name}: dates in the SQL text`);
      const used = new Set([...q.text.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
      assert.deepEqual([...used].sort((a, b) => a - b), q.values.map((_, i) => i + 1), `${name}: every value is used, every parameter given`);
    }
  }
});
