import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ceir, cliEnv } from '../helpers/cli.ts';

const HEADER = 'approved_imei,make,model,status,model_number,brand_name,device_type,radio_interface,device_id';

test('db status and migrate report the schema version', () => {
  const { env } = cliEnv('db');
  const before = ceir(env, 'db', 'status', '--json');
  assert.equal(before.code, 0, before.stderr);
  const s = before.json() as { current: number; latest: number; pending: unknown[] };
  assert.equal(s.current, 0);
  assert.ok(s.latest >= 1 && s.pending.length === s.latest);
  const m = ceir(env, 'db', 'migrate', '--json');
  assert.equal(m.code, 0, m.stderr);
  const after = m.json() as { current: number; latest: number; pending: unknown[] };
  assert.equal(after.current, after.latest);
  assert.equal(after.pending.length, 0);
});

test('import, look up, refuse bad input, export as of a date', () => {
  const { env, dir } = cliEnv('import');
  const good = join(dir, 'reg.csv');
  writeFileSync(good, `${HEADER}\n352099001761481,Acme,X1,,X1-A,Acme,Smartphone,4G,DEV1\n490154203237518,Acme,X2,whitelist,,Acme,Smartphone,,DEV1\n`);

  const first = ceir(env, 'import', 'registration_list', good, '--json');
  assert.equal(first.code, 0, first.stderr);
  const r = first.json() as { status: string; added: number; import_id: number };
  assert.equal(r.status, 'imported');
  assert.equal(r.added, 2);

  const again = ceir(env, 'import', 'registration_list', good);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /unchanged/);

  const bad = join(dir, 'bad.csv');
  writeFileSync(bad, `${HEADER}\n352099001761482,Acme,X1,,X1-A,Acme,Smartphone,4G,DEV1\n`);
  const refused = ceir(env, 'import', 'registration_list', bad, '--json');
  assert.equal(refused.code, 3, 'a refused file exits 3');
  const rep = refused.json() as { status: string; problems: { line: number; column: string; rule: string }[] };
  assert.equal(rep.status, 'refused');
  assert.deepEqual(
    rep.problems.map((p) => [p.line, p.column, p.rule]),
    [[2, 'approved_imei', 'imei_check_digit']],
  );
  const human = ceir(env, 'import', 'registration_list', bad);
  assert.equal(human.code, 3);
  assert.match(human.stdout, /REFUSED, nothing was written/);
  assert.match(human.stdout, /bad\.csv, line 2, column approved_imei/);

  const imei = ceir(env, 'imei', '35209900176148', '--json');
  assert.equal(imei.code, 0, imei.stderr);
  const st = imei.json() as { registration: { registered: boolean; other_imeis: string[] } };
  assert.equal(st.registration.registered, true);
  assert.deepEqual(st.registration.other_imeis, ['49015420323751']);

  const text = ceir(env, 'imei', '35-209900-176148-1');
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /check digit 1 valid/);
  assert.match(text.stdout, /registered: +yes/);

  const invalid = ceir(env, 'imei', '12345', '--json');
  assert.equal(invalid.code, 2);
  assert.equal((invalid.json() as { error: { code: string } }).error.code, 'CEIR_ERR_INVALID_IMEI');

  const unknownTac = ceir(env, 'tac', '35209900');
  assert.equal(unknownTac.code, 1);
  assert.match(unknownTac.stderr, /not in the GSMA catalogue/);

  const exported = ceir(env, 'export', 'registration_list');
  assert.equal(exported.code, 0, exported.stderr);
  assert.deepEqual(exported.stdout.trim().split('\n').slice(1).map((l) => l.split(',')[0]), ['35209900176148', '49015420323751']);
  const before = ceir(env, 'export', 'registration_list', '--as-of', '2000-01-01');
  assert.equal(before.stdout.trim().split('\n').length, 1, 'nothing was listed in 2000: header only');
});

test('usage errors exit 2', () => {
  const { env } = cliEnv('usage');
  assert.equal(ceir(env, 'import', 'no_such_list', 'x.csv').code, 2);
  assert.equal(ceir(env, 'frobnicate').code, 2);
  const badConfig = ceir({ ...env, CEIR_CONFIG: '/nonexistent/profile.yaml' }, 'db', 'status');
  assert.equal(badConfig.code, 0, 'db status does not need the profile');
  const imp = ceir({ ...env, CEIR_CONFIG: '/nonexistent/profile.yaml' }, 'import', 'stolen_list', 'x.csv');
  assert.equal(imp.code, 2);
  assert.match(imp.stderr, /cannot read country profile/);
});

test('a database newer than the code is refused', async () => {
  const { env } = cliEnv('toonew');
  assert.equal(ceir(env, 'db', 'migrate').code, 0);
  // Pretend a newer OpenCEIR migrated this database.
  const { openStore } = await import('../../src/store/open.ts');
  const db = await openStore({ databaseUrl: process.env.DATABASE_URL, dataDir: env.CEIR_DATA, schema: env.CEIR_DB_SCHEMA });
  await db.query("INSERT INTO ceir_schema (version, name) VALUES (999, 'from the future')");
  await db.close();
  const r = ceir(env, 'imei', '35209900176148');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /schema version 999 .* knows only up to/);
});
