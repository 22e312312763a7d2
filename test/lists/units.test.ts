import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { csvCell, CsvRowCounter, outputImei, ymd } from '../../src/lists/csv-file.ts';
import { homeOperatorSql } from '../../src/lists/build.ts';
import { jwkThumbprint, signCompact, verifyCompact } from '../../src/lists/jws.ts';
import { ensureSigningKey, loadPublicKey, loadSigningKey, signingKeyPath } from '../../src/lists/keys.ts';
import { profileWith, withTempDir } from './helpers.ts';

// RFC 8037 appendix A: the Ed25519 key, its thumbprint and the signature of "Example of Ed25519 signing".
const RFC_D = 'nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A';
const RFC_X = '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo';
const RFC_JWS = 'eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg';

test('JWS EdDSA and the JWK thumbprint match RFC 8037\'s examples', () => {
  const priv = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: RFC_D, x: RFC_X }, format: 'jwk' });
  const pub = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: RFC_X }, format: 'jwk' });
  assert.equal(jwkThumbprint(pub), 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k');
  assert.equal(signCompact(Buffer.from('Example of Ed25519 signing'), priv), RFC_JWS);
  const ok = verifyCompact(RFC_JWS, pub);
  assert.ok(ok.valid);
  assert.equal(ok.payload?.toString(), 'Example of Ed25519 signing');
});

test('JWS verification refuses another key, an altered payload and other algorithms', () => {
  const a = generateKeyPairSync('ed25519');
  const b = generateKeyPairSync('ed25519');
  const jws = signCompact(Buffer.from('{"x":1}'), a.privateKey, jwkThumbprint(a.publicKey));
  assert.equal(JSON.parse(Buffer.from(jws.split('.')[0], 'base64url').toString()).kid, jwkThumbprint(a.publicKey));
  assert.ok(verifyCompact(jws, a.publicKey).valid);
  const other = verifyCompact(jws, b.publicKey);
  assert.equal(other.valid, false);
  assert.match(other.valid ? '' : other.reason, /signature mismatch \(signed by key .+, checked with .+\)/);
  const parts = jws.split('.');
  const altered = [parts[0], Buffer.from('{"x":2}').toString('base64url'), parts[2]].join('.');
  assert.equal(verifyCompact(altered, a.publicKey).valid, false);
  const none = [Buffer.from('{"alg":"none"}').toString('base64url'), parts[1], ''].join('.');
  const r = verifyCompact(none, a.publicKey);
  assert.match(r.valid ? '' : r.reason, /not EdDSA/);
  assert.match((verifyCompact('abc', a.publicKey) as { reason: string }).reason, /not a compact JWS/);
});

test('signing key: created once (mode 0600), then read back; public keys from PEM', async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, 'keys', 'k.pem');
    const k1 = ensureSigningKey(file);
    assert.equal(k1.created, true);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const k2 = ensureSigningKey(file);
    assert.equal(k2.created, false);
    assert.equal(k2.thumbprint, k1.thumbprint);
    assert.equal(loadSigningKey(file).publicPem, k1.publicPem);
    const pub = join(dir, 'pub.pem');
    (await import('node:fs')).writeFileSync(pub, k1.publicPem);
    assert.equal(jwkThumbprint(loadPublicKey(pub)), k1.thumbprint);
    assert.throws(() => loadSigningKey(join(dir, 'none.pem')), /cannot read the lists signing key.*ceir keys/);
    assert.throws(() => loadPublicKey(file.replace('k.pem', 'missing.pem')), /cannot read the public key/);
    const rsa = join(dir, 'rsa.pem');
    (await import('node:fs')).writeFileSync(rsa, generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }));
    assert.throws(() => loadPublicKey(rsa), /not an Ed25519 public key/);
  });
});

test('the signing key path: the profile\'s file (relative to the profile), else the data folder', () => {
  assert.equal(signingKeyPath(profileWith(), '/etc/ceir/profile.yaml', '/var/ceir'), '/var/ceir/keys/lists-ed25519.pem');
  assert.equal(signingKeyPath(profileWith({ signing_key_file: 'secret/k.pem' }), '/etc/ceir/profile.yaml', '/var/ceir'), '/etc/ceir/secret/k.pem');
  assert.equal(signingKeyPath(profileWith({ signing_key_file: '/k.pem' }), '/etc/ceir/profile.yaml', '/var/ceir'), '/k.pem');
});

test('CSV cells, row counting, IMEI and date formats', () => {
  assert.equal(csvCell('Duplicate IMEI|IMEI reported stolen'), 'Duplicate IMEI|IMEI reported stolen');
  assert.equal(csvCell('a, "b"'), '"a, ""b"""');
  assert.equal(csvCell(null), '');
  const c = new CsvRowCounter();
  c.update(Buffer.from('imei,reasons\n1,"two\nlines"\n2,x'));
  assert.equal(c.rows, 2, 'a quoted line break is not a record end; a last line without newline counts');
  const empty = new CsvRowCounter();
  empty.update(Buffer.from('imei\n'));
  assert.equal(empty.rows, 0);
  assert.equal(outputImei('35209900176148', true), '352099001761481');
  assert.equal(outputImei('35209900176148', false), '35209900176148');
  assert.equal(outputImei('3520990012', true), '3520990012', 'not 14 digits: unchanged');
  assert.equal(ymd('2025-03-20'), '20250320');
});

test('home operator routing by IMSI prefix, as SQL from the profile', () => {
  const sql = homeOperatorSql(profileWith(), 't.imsi');
  assert.match(sql, /WHEN t\.imsi LIKE '99901%' THEN 'alpha'/);
  assert.match(sql, /WHEN t\.imsi LIKE '99903%' THEN 'beta'/);
  const bad = { ...profileWith(), operators: [{ id: "x'; DROP", name: 'x', mcc_mnc: ['99901'] }] };
  assert.throws(() => homeOperatorSql(bad, 'imsi'), /bad operator/);
});
