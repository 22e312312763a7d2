import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import yauzl from 'yauzl';
import { luhnValid } from '../../src/identity/luhn.ts';
import type { Manifest } from '../../src/lists/files.ts';
import { signCompact } from '../../src/lists/jws.ts';
import { verifyListDir } from '../../src/lists/verify.ts';
import { buildCountry, EXPECTED, K, L, MALFORMED } from './fixture.ts';
import { ENGINE, freshDb, lists, profileWith, testKey, withTempDir } from './helpers.ts';

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const lines = (file: string) => readFileSync(file, 'utf8').trimEnd().split('\n');

function unzip(file: string): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    const out: Record<string, string> = {};
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      zip.on('entry', (e: yauzl.Entry) =>
        zip.openReadStream(e, (e2, s) => {
          if (e2 || !s) return reject(e2);
          const chunks: Buffer[] = [];
          s.on('data', (c: Buffer) => chunks.push(c));
          s.on('end', () => {
            out[e.fileName] = Buffer.concat(chunks).toString('utf8');
            zip.readEntry();
          });
        }),
      );
      zip.on('end', () => resolve(out));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

const OPERATOR_FILES = ['alpha.zip', 'exceptions.csv', 'exceptions_delta.csv', 'manifest.json', 'manifest.jws', 'notifications.csv', 'notifications_delta.csv'];

test(`[${ENGINE}] list files: DIRBS headers, zips, signed manifests, verification`, async (t) => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    await buildCountry(db, dir);
    const key = await testKey();
    const out = join(dir, 'out');
    const now = new Date('2025-03-01T06:00:00Z');
    const r = await lists(db, { out, key, now });
    const v = join(out, '1');

    await t.test('one folder for the block list, one per operator, nothing left half-written', () => {
      assert.equal(r.out, v);
      assert.deepEqual(readdirSync(out), ['1']);
      assert.deepEqual(readdirSync(v).sort(), ['alpha', 'beta', 'blocklist', 'eir', 'gamma']);
      assert.deepEqual(readdirSync(join(v, 'blocklist')).sort(), ['blacklist.csv', 'blacklist_delta.csv', 'blocklist.zip', 'manifest.json', 'manifest.jws']);
      assert.deepEqual(readdirSync(join(v, 'alpha')).sort(), OPERATOR_FILES);
      assert.deepEqual(readdirSync(join(v, 'eir')).sort(), ['eir.zip', 'known_imeis.csv', 'known_tacs.csv', 'manifest.json', 'manifest.jws', 'monitored_imeis.csv']);
    });

    await t.test('the EIR folder: monitored IMEIs, registered IMEIs, TACs of exempted device types', () => {
      assert.deepEqual(lines(join(v, 'eir', 'monitored_imeis.csv')), ['imei', K[11]]);
      assert.deepEqual(lines(join(v, 'eir', 'known_imeis.csv')), ['imei', K[12]], 'a provisional registration is not known');
      assert.deepEqual(lines(join(v, 'eir', 'known_tacs.csv')), ['tac', '86000001']);
      const em = JSON.parse(readFileSync(join(v, 'eir', 'manifest.json'), 'utf8')) as Manifest;
      assert.equal(em.operator, null);
      assert.deepEqual(em.counts, { monitored_imeis: 1, known_imeis: 1, known_tacs: 1 });
    });

    await t.test('CSVs with DIRBS\'s headers, block dates YYYYMMDD, deltas with change_type', () => {
      const bl = lines(join(v, 'blocklist', 'blacklist.csv'));
      assert.equal(bl[0], 'imei,block_date,reasons');
      assert.deepEqual(bl.slice(1).sort(), EXPECTED.blocklist.map((x) => x.replace(/(\d{4})-(\d{2})-(\d{2})/, '$1$2$3')).sort());
      assert.equal(lines(join(v, 'blocklist', 'blacklist_delta.csv'))[0], 'imei,block_date,reasons,change_type');
      assert.ok(lines(join(v, 'blocklist', 'blacklist_delta.csv')).includes(`${K[2]},20250201,Duplicate IMEI|IMEI reported stolen,blocked`));
      const n = lines(join(v, 'gamma', 'notifications.csv'));
      assert.equal(n[0], 'imei,imsi,msisdn,block_date,reasons');
      assert.deepEqual(n.slice(1), [`${K[5]},214010000000005,99000000005,20250325,Duplicate IMEI`]);
      assert.equal(lines(join(v, 'gamma', 'notifications_delta.csv'))[1], `${K[5]},214010000000005,99000000005,20250325,Duplicate IMEI,new`);
      const e = lines(join(v, 'beta', 'exceptions.csv'));
      assert.equal(e[0], 'imei,imsi,msisdn');
      assert.equal(e.length - 1, 2);
      assert.equal(lines(join(v, 'beta', 'exceptions_delta.csv'))[0], 'imei,imsi,msisdn,change_type');
      assert.deepEqual(lines(join(v, 'gamma', 'exceptions.csv')), ['imei,imsi,msisdn'], 'an empty list still has its header');
      const alpha = lines(join(v, 'alpha', 'notifications.csv')).slice(1);
      assert.deepEqual(alpha, [...alpha].sort(), 'rows in key order');
    });

    await t.test('the manifest: version, base, dates, country, operator, each file\'s SHA-256 and rows, counts', () => {
      const m = JSON.parse(readFileSync(join(v, 'alpha', 'manifest.json'), 'utf8')) as Manifest;
      assert.equal(m.version, 1);
      assert.equal(m.base_version, null);
      assert.equal(m.list_date, L);
      assert.equal(m.created_at, now.toISOString());
      assert.equal(m.country, 'Demoland');
      assert.equal(m.operator, 'alpha');
      assert.deepEqual(m.files.map((f) => f.name), ['notifications.csv', 'notifications_delta.csv', 'exceptions.csv', 'exceptions_delta.csv']);
      for (const f of m.files) {
        assert.equal(f.sha256, sha(join(v, 'alpha', f.name)), f.name);
        assert.equal(f.rows, lines(join(v, 'alpha', f.name)).length - 1, f.name);
      }
      assert.deepEqual(m.archive, { name: 'alpha.zip', sha256: sha(join(v, 'alpha', 'alpha.zip')), bytes: readFileSync(join(v, 'alpha', 'alpha.zip')).length });
      assert.deepEqual(m.counts, {
        notifications: 5, notifications_delta: { new: 5, resolved: 0, blacklisted: 0, no_longer_seen: 0, changed: 0 },
        exceptions: 3, exceptions_delta: { added: 3, removed: 0 },
      });
      const bm = JSON.parse(readFileSync(join(v, 'blocklist', 'manifest.json'), 'utf8')) as Manifest;
      assert.equal(bm.operator, null);
      assert.deepEqual(bm.counts, { blacklist: 4, blacklist_delta: { blocked: 4, unblocked: 0, changed: 0 } });
    });

    await t.test('the zip holds the folder\'s CSVs, byte for byte', async () => {
      const z = await unzip(join(v, 'alpha', 'alpha.zip'));
      assert.deepEqual(Object.keys(z).sort(), ['exceptions.csv', 'exceptions_delta.csv', 'notifications.csv', 'notifications_delta.csv']);
      for (const [name, text] of Object.entries(z)) assert.equal(text, readFileSync(join(v, 'alpha', name), 'utf8'), name);
    });

    await t.test('manifest.jws signs manifest.json with EdDSA under the key\'s thumbprint', async () => {
      const [h, p] = readFileSync(join(v, 'beta', 'manifest.jws'), 'utf8').trim().split('.');
      assert.deepEqual(JSON.parse(Buffer.from(h, 'base64url').toString()), { alg: 'EdDSA', kid: key.thumbprint });
      assert.ok(Buffer.from(p, 'base64url').equals(readFileSync(join(v, 'beta', 'manifest.json'))));
      const ok = await verifyListDir(v, key.publicKey);
      assert.equal(ok.ok, true, JSON.stringify(ok.folders.flatMap((f) => f.problems)));
      assert.deepEqual(ok.folders.map((f) => [f.folder, f.files_checked]), [['alpha', 5], ['beta', 5], ['blocklist', 3], ['eir', 4], ['gamma', 5]]);
      assert.equal((await verifyListDir(join(v, 'gamma'), key.publicKey)).folders[0].operator, 'gamma');
    });

    await t.test('a tampered CSV fails verification, naming the file', async () => {
      const f = join(v, 'alpha', 'notifications.csv');
      const original = readFileSync(f);
      writeFileSync(f, original.toString().replace(',20250320,', ',20250420,'));
      try {
        const res = await verifyListDir(v, key.publicKey);
        assert.equal(res.ok, false);
        const problems = res.folders.flatMap((x) => x.problems);
        assert.deepEqual(problems.map((x) => [x.file, x.rule]), [['alpha/notifications.csv', 'sha256']]);
        assert.match(problems[0].message, /^alpha\/notifications\.csv: SHA-256 mismatch/);
      } finally {
        writeFileSync(f, original);
      }
    });

    await t.test('a tampered manifest fails verification (signature mismatch)', async () => {
      const f = join(v, 'beta', 'manifest.json');
      const original = readFileSync(f);
      const m = JSON.parse(original.toString()) as Manifest;
      m.files[0].sha256 = sha(join(v, 'alpha', 'notifications.csv'));
      writeFileSync(f, JSON.stringify(m, null, 2) + '\n');
      const res = await verifyListDir(join(v, 'beta'), key.publicKey);
      assert.equal(res.ok, false);
      assert.deepEqual(res.folders[0].problems.map((x) => [x.file, x.rule]), [['manifest.json', 'manifest_mismatch']]);
      assert.match(res.folders[0].problems[0].message, /manifest\.json: signature mismatch/);
      writeFileSync(f, original);

      const jwsFile = join(v, 'beta', 'manifest.jws');
      const jws = readFileSync(jwsFile, 'utf8').trim().split('.');
      writeFileSync(jwsFile, [jws[0], Buffer.from(JSON.stringify(m)).toString('base64url'), jws[2]].join('.'));
      const forged = await verifyListDir(join(v, 'beta'), key.publicKey);
      assert.deepEqual(forged.folders[0].problems.map((x) => [x.file, x.rule]), [['manifest.jws', 'signature']]);
      writeFileSync(jwsFile, jws.join('.') + '\n');

      const stranger = generateKeyPairSync('ed25519').publicKey;
      const wrong = await verifyListDir(join(v, 'beta'), stranger);
      assert.match(wrong.folders[0].problems[0].message, /manifest\.jws: signature mismatch \(signed by key /);
      assert.ok((await verifyListDir(join(v, 'beta'), key.publicKey)).ok, 'restored');
    });

    await t.test('row counts are checked against the signed manifest', async () => {
      const copy = join(dir, 'copy-gamma');
      mkdirSync(copy);
      for (const f of readdirSync(join(v, 'gamma'))) writeFileSync(join(copy, f), readFileSync(join(v, 'gamma', f)));
      const m = JSON.parse(readFileSync(join(copy, 'manifest.json'), 'utf8')) as Manifest;
      m.files[0].rows += 1;
      const json = Buffer.from(JSON.stringify(m, null, 2) + '\n');
      writeFileSync(join(copy, 'manifest.json'), json);
      writeFileSync(join(copy, 'manifest.jws'), signCompact(json, key.privateKey, key.thumbprint));
      const res = await verifyListDir(copy, key.publicKey);
      assert.deepEqual(res.folders[0].problems.map((x) => [x.file, x.rule]), [['notifications.csv', 'rows']]);
      assert.match(res.folders[0].problems[0].message, /notifications\.csv: row count mismatch: 1 rows, the signed manifest says 2/);
    });

    await t.test('CSVs missing beside the manifest are checked inside the zip; without the zip they are missing', async () => {
      const copy = join(dir, 'copy-alpha');
      mkdirSync(copy);
      for (const f of ['alpha.zip', 'manifest.json', 'manifest.jws']) writeFileSync(join(copy, f), readFileSync(join(v, 'alpha', f)));
      const res = await verifyListDir(copy, key.publicKey);
      assert.equal(res.ok, true, JSON.stringify(res.folders[0].problems));
      assert.equal(res.folders[0].files_checked, 5);
      rmSync(join(copy, 'alpha.zip'));
      const gone = await verifyListDir(copy, key.publicKey);
      assert.deepEqual(gone.folders[0].problems.map((x) => x.rule), ['missing', 'missing', 'missing', 'missing']);
      assert.match(gone.folders[0].problems[0].message, /notifications\.csv: missing, and alpha\.zip is not here/);
    });

    await t.test('generate_check_digit and output_invalid_imeis shape the files', async () => {
      const out2 = join(dir, 'out2');
      await lists(db, { out: out2, key, profile: profileWith({ generate_check_digit: true }) });
      const imeis = lines(join(out2, '2', 'blocklist', 'blacklist.csv')).slice(1).map((x) => x.split(',')[0]);
      assert.equal(imeis.length, 4);
      for (const i of imeis) assert.ok(i === MALFORMED || (i.length === 15 && luhnValid(i)), i);
      assert.ok(imeis.includes(MALFORMED), 'a malformed key is written as it is');
      const notif = lines(join(out2, '2', 'alpha', 'notifications.csv')).slice(1);
      assert.ok(notif.every((x) => luhnValid(x.split(',')[0])));
      await lists(db, { out: out2, key, profile: profileWith({ output_invalid_imeis: false }) });
      const valid = lines(join(out2, '3', 'blocklist', 'blacklist.csv')).slice(1);
      assert.ok(!valid.some((x) => x.startsWith(MALFORMED)));
      assert.ok(lines(join(out2, '3', 'blocklist', 'blacklist_delta.csv')).includes(`${MALFORMED},20250201,IMEI reported stolen,unblocked`));
    });

    await t.test('a run whose folder exists is refused and leaves no version behind', async () => {
      const out3 = join(dir, 'out3');
      mkdirSync(join(out3, '4'), { recursive: true });
      await assert.rejects(lists(db, { out: out3, key }), /out3\/4 already exists/);
      const { rows } = await db.query<{ n: number }>('SELECT count(*) AS n FROM lst_version');
      assert.equal(rows[0].n, 3);
      assert.deepEqual(readdirSync(out3), ['4']);
      assert.ok(!existsSync(join(out3, '.4.partial')));
    });
  });
});
