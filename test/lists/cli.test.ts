import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { MIGRATIONS } from '../../src/migrations.ts';
import { migrate } from '../../src/store/migrate.ts';
import { openStore } from '../../src/store/open.ts';
import { ceir, cliEnv } from '../helpers/cli.ts';
import { buildCountry, K } from './fixture.ts';
import { ENGINE, TEST_PROFILE_YAML } from './helpers.ts';

test(`[${ENGINE}] ceir keys, ceir lists, verify, since, versions: end to end`, async () => {
  const { env, dir } = cliEnv('lists');
  writeFileSync(join(dir, 'profile.yaml'), TEST_PROFILE_YAML);
  env.CEIR_CONFIG = join(dir, 'profile.yaml');
  // The country is loaded into the command's own store (its data folder or schema) first.
  const db = await openStore({ databaseUrl: process.env.DATABASE_URL, dataDir: process.env.DATABASE_URL ? undefined : env.CEIR_DATA, schema: env.CEIR_DB_SCHEMA });
  try {
    await migrate(db, MIGRATIONS);
    await buildCountry(db, dir);
  } finally {
    await db.close();
  }

  const keys = ceir(env, 'keys', '--out', join(dir, 'pub'), '--json');
  assert.equal(keys.code, 0, keys.stderr);
  const k = keys.json() as { created: boolean; thumbprint: string; private_key_file: string; public_key_pem: string };
  assert.equal(k.created, true);
  assert.equal(k.private_key_file, join(env.CEIR_DATA!, 'keys', 'lists-ed25519.pem'));
  assert.equal(readFileSync(join(dir, 'pub', 'lists-ed25519.pub.pem'), 'utf8'), k.public_key_pem);
  const shown = ceir(env, 'keys');
  assert.match(shown.stdout, new RegExp(`thumbprint \\(RFC 7638, SHA-256\\): ${k.thumbprint}`));
  assert.doesNotMatch(shown.stdout, /created now/, 'the second call shows the same key');

  const out = join(dir, 'lists');
  const first = ceir(env, 'lists', '--out', out, '--json');
  assert.equal(first.code, 0, first.stderr);
  const r1 = first.json() as { version: number; counts: { blocklist: number }; key_thumbprint: string };
  assert.equal(r1.version, 1);
  assert.equal(r1.counts.blocklist, 4);
  assert.equal(r1.key_thumbprint, k.thumbprint);

  const pub = join(dir, 'pub', 'lists-ed25519.pub.pem');
  const ok = ceir(env, 'lists', 'verify', join(out, '1'), '--public-key', pub);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /^verified with key /);
  assert.match(ok.stdout, /alpha \(version 1, operator alpha\): ok, 5 files/);

  const csv = join(out, '1', 'alpha', 'exceptions.csv');
  writeFileSync(csv, readFileSync(csv, 'utf8') + `${K[17]},214010000000017,99000000017\n`);
  const bad = ceir(env, 'lists', 'verify', join(out, '1'));
  assert.equal(bad.code, 3, 'verification failed: exit 3');
  assert.match(bad.stdout, /VERIFICATION FAILED/);
  assert.match(bad.stdout, /alpha\/exceptions\.csv: SHA-256 mismatch/);
  const badJson = ceir(env, 'lists', 'verify', join(out, '1', 'alpha'), '--json');
  assert.equal(badJson.code, 3);
  assert.deepEqual((badJson.json() as { folders: { problems: { file: string }[] }[] }).folders[0].problems.map((p) => p.file), ['exceptions.csv']);

  const second = ceir(env, 'lists', '--out', out, '--date', '20250321', '--base', '1');
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /list version 2 for 2025-03-21 \(classification run 1; deltas against version 1\)/);
  assert.match(second.stdout, /block list 7 IMEIs \(blocked 3, unblocked 0, changed 0\)/);
  assert.ok(existsSync(join(out, '2', 'beta', 'beta.zip')));

  const since = ceir(env, 'lists', 'since', '1', '--operator', 'beta');
  assert.equal(since.code, 0, since.stderr);
  const rows = since.stdout.trimEnd().split('\n');
  assert.equal(rows[0], 'version,list,imei,imsi,msisdn,block_date,reasons,change_type');
  assert.ok(rows.includes(`2,notifications,${K[4]},999020000000002,99000000002,20250320,Duplicate IMEI,blacklisted`), rows.join('\n'));
  assert.ok(rows.includes(`2,blocklist,${K[4]},,,20250320,Duplicate IMEI,blocked`));

  const versions = ceir(env, 'lists', 'versions', '--json');
  assert.deepEqual((versions.json() as { id: number; base_version: number | null }[]).map((v) => [v.id, v.base_version]), [[1, null], [2, 1]]);

  assert.equal(ceir(env, 'lists', '--out', out, '--date', '20251301').code, 2, 'a bad date is a usage error');
  const noBase = ceir(env, 'lists', '--out', out, '--base', '9', '--json');
  assert.equal(noBase.code, 2);
  assert.match((noBase.json() as { error: { message: string } }).error.message, /--base 9: no such list version/);
  assert.equal(ceir(env, 'lists', 'verify', join(dir, 'nowhere')).code, 2);
});
