/**
 * The EIR node end to end on real list versions: the decision of DOMAIN §7 over N5g-eir and S13,
 * list versions from a folder and from a CEIR's /v1/lists, deltas hot-swapped with checks in
 * flight, a tampered version refused while the old one keeps serving, metrics and the record.
 */
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, readdirSync } from 'node:fs';
import { connect, type ClientHttp2Session } from 'node:http2';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildApi } from '../../src/api/server.ts';
import { S13Client } from '../../src/eir/diameter/client.ts';
import { startEir, type EirRuntime, type StartEirOptions } from '../../src/eir/run.ts';
import { luhnCheckDigit } from '../../src/identity/luhn.ts';
import { b3, a, buildCountry, K, STATES } from '../lists/fixture.ts';
import { classifyFixture, ENGINE, freshDb, lists, profileWith, testKey, withTempDir } from '../lists/helpers.ts';
import { waitUntil } from '../helpers/wait.ts';

const pei = (imei: string) => `imei-${imei}${luhnCheckDigit(imei)}`;

function n5g(port: number): { get(imei: string, imsi?: string): Promise<{ status: number; body: Record<string, unknown> }>; close(): void } {
  const session: ClientHttp2Session = connect(`http://127.0.0.1:${port}`);
  return {
    get: (imei, imsi) =>
      new Promise((resolve, reject) => {
        const req = session.request({ ':path': `/n5g-eir-eic/v1/equipment-status?pei=${pei(imei)}${imsi ? `&supi=imsi-${imsi}` : ''}` });
        let status = 0;
        let text = '';
        req.on('response', (h) => (status = Number(h[':status'])));
        req.setEncoding('utf8');
        req.on('data', (d: string) => (text += d));
        req.on('end', () => resolve({ status, body: JSON.parse(text) as Record<string, unknown> }));
        req.on('error', reject);
        req.end();
      }),
    close: () => session.close(),
  };
}

/** GET a path over HTTP/2 with prior knowledge (/metrics is served beside N5g-eir). */
function h2text(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(`http://127.0.0.1:${port}`);
    const req = s.request({ ':path': path });
    let b = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (b += d));
    req.on('end', () => {
      s.close();
      resolve(b);
    });
    req.on('error', reject);
    req.end();
  });
}

test(`[${ENGINE}] the EIR node answers from the signed lists, follows new versions and refuses tampered ones`, async (t) => {
  const db = await freshDb();
  await withTempDir(async (dir) => {
    await buildCountry(db, dir);
    const key = await testKey();
    const out = join(dir, 'lists');
    await lists(db, { out, key });
    const base: StartEirOptions = {
      profile: profileWith(), profileDir: dir, lists: out, cacheDir: join(dir, 'cache'), publicKey: key.publicKey, host: '127.0.0.1',
      http2Port: 0, diameterPort: 0, recordDir: join(dir, 'records'), pollSeconds: 3600, log: () => {},
    };
    const eir: EirRuntime = await startEir(base);
    const h2 = n5g(eir.http2Port!);
    const s13 = await S13Client.connect({ port: eir.diameterPort!, originHost: 'mme.test', originRealm: 'test' });
    try {
      await t.test('DOMAIN §7 over both interfaces: exception first, then blocked, notified or monitored, else by policy', async () => {
        const cases: [string, string | undefined, string][] = [
          [K[3], undefined, 'BLACKLISTED'], // stolen, past its block date
          [K[1], a(1), 'BLACKLISTED'],
          [K[1], b3(1), 'WHITELISTED'], // the same blocked phone with its paired subscriber
          [K[4], a(1), 'GREYLISTED'], // notified (in grace)
          [K[6], a(6), 'WHITELISTED'], // notified, but exactly paired
          [K[6], a(7), 'GREYLISTED'],
          [K[11], undefined, 'GREYLISTED'], // monitored
          [K[13], undefined, 'WHITELISTED'], // unknown: permissive
        ];
        for (const [imei, imsi, want] of cases) {
          const r = await h2.get(imei, imsi);
          assert.equal(r.status, 200, `${imei} ${imsi}`);
          assert.equal(r.body.status, want, `N5g-eir ${imei} ${imsi ?? ''}`);
          assert.equal((await s13.check({ imei, imsi, svn: '01' })).answer, want, `S13 ${imei} ${imsi ?? ''}`);
        }
      });

      await t.test('metrics count the checks by interface and answer, and show the list version and the peer', async () => {
        const body = await h2text(eir.http2Port!, '/metrics');
        assert.match(body, /ceir_eir_checks_total\{interface="n5g",answer="BLACKLISTED"\} 2\n/);
        assert.match(body, /ceir_eir_checks_total\{interface="s13",answer="GREYLISTED"\} 3\n/);
        assert.match(body, /ceir_eir_list_version 1\n/);
        assert.match(body, /ceir_eir_diameter_peers 1\n/);
        assert.match(body, /ceir_eir_check_duration_seconds_count\{interface="s13"\} 8\n/);
      });

      await t.test('a new version is applied as a delta and swapped with checks in flight: every check answered, old or new', async () => {
        // K1's stolen state ends; K12 becomes pending (notified).
        await classifyFixture(db, '2025-03-02', [...STATES.filter((s) => !(s.imei === K[1] && s.cond === 'stolen')), { imei: K[12], cond: 'dup', block: '2025-04-20', start: '2025-03-02' }]);
        await lists(db, { out, key });
        let stop = false;
        const seen = { n5g: new Set<string>(), s13: new Set<string>(), errors: 0, answered: 0 };
        const load = async (kind: 'n5g' | 's13') => {
          while (!stop) {
            try {
              const burst = await Promise.all(Array.from({ length: 16 }, async () =>
                kind === 'n5g' ? String((await h2.get(K[1], a(1))).body.status) : String((await s13.check({ imei: K[1], imsi: a(1) })).answer)));
              for (const x of burst) seen[kind].add(x);
              seen.answered += burst.length;
            } catch {
              seen.errors++;
            }
          }
        };
        const loops = [load('n5g'), load('s13')];
        await new Promise((r) => setTimeout(r, 50));
        const r = await eir.follower.refresh();
        // Checks keep flowing after the swap too (a busy machine gets through fewer a millisecond).
        const answeredAtSwap = seen.answered;
        await waitUntil(() => seen.answered >= answeredAtSwap + 32 && seen.answered > 64);
        stop = true;
        await Promise.all(loops);
        assert.deepEqual(r, { version: 2, changed: true, how: 'delta' });
        assert.equal(seen.errors, 0);
        assert.ok(seen.answered > 64, `checks kept flowing (${seen.answered})`);
        for (const k of ['n5g', 's13'] as const) {
          assert.ok([...seen[k]].every((x) => x === 'BLACKLISTED' || x === 'WHITELISTED'), `${k}: only the old or the new answer: ${[...seen[k]]}`);
        }
        assert.equal((await h2.get(K[1], a(1))).body.status, 'WHITELISTED', 'released');
        assert.equal((await s13.check({ imei: K[12] })).answer, 'GREYLISTED', 'newly notified');
        assert.equal(eir.node.snapshot?.version, 2);
      });

      await t.test('a tampered version is refused and the node keeps serving the one it has', async () => {
        await lists(db, { out, key });
        appendFileSync(join(out, '3', 'blocklist', 'blacklist.csv'), `${K[12]},20250101,forged\n`);
        await assert.rejects(eir.follower.refresh(), (e: Error & { code?: string }) => e.code === 'CEIR_ERR_LISTS_REFUSED' && /blacklist\.csv/.test(e.message));
        assert.equal(eir.node.snapshot?.version, 2);
        assert.equal(eir.metrics.listLoads.refused, 1);
        assert.equal((await h2.get(K[12])).body.status, 'GREYLISTED');
      });

      await t.test('from a CEIR\'s /v1/lists, and restrictive: known IMEIs and TACs pass, the rest is unknown (404 / 5422)', async () => {
        // Serve only the two good versions.
        const good = join(dir, 'good');
        for (const v of ['1', '2']) cpSync(join(out, v), join(good, v), { recursive: true });
        const api2 = await buildApi({ db, profile: profileWith(), lists: { dir: good } });
        const url = await api2.listen({ port: 0, host: '127.0.0.1' });
        const restrictive = { ...profileWith(), eir: { ...profileWith().eir, policy: 'restrictive' as const, operators: ['alpha'] } };
        const remote = await startEir({ ...base, profile: restrictive, lists: `${url}/v1/lists`, diameterPort: 0, recordDir: undefined });
        const c = n5g(remote.http2Port!);
        const d = await S13Client.connect({ port: remote.diameterPort!, originHost: 'mme.test', originRealm: 'test' });
        try {
          assert.equal(remote.node.snapshot?.version, 2);
          assert.deepEqual(readdirSync(join(dir, 'cache', '2')).sort(), ['alpha', 'blocklist', 'eir'], 'only the folders this node needs');
          assert.equal((await c.get(K[3])).body.status, 'BLACKLISTED');
          assert.equal((await c.get(K[4])).body.status, 'GREYLISTED', 'notified to alpha');
          assert.equal((await c.get(K[12])).body.status, 'WHITELISTED', 'notified to beta only (not loaded here), and registered');
          assert.equal((await c.get(K[1], b3(1))).status, 404, 'released in version 2, its pairing is beta\'s, and it is not registered');
          const unknown = await c.get(K[13]);
          assert.equal(unknown.status, 404);
          assert.equal(unknown.body.cause, 'ERROR_EQUIPMENT_UNKNOWN');
          assert.equal((await d.check({ imei: K[13] })).experimentalResultCode, 5422);
          assert.equal((await c.get('86000001000001')).body.status, 'WHITELISTED', 'a TAC of an exempted device type');
        } finally {
          c.close();
          d.close();
          await remote.close();
          await api2.close();
        }
      });
    } finally {
      h2.close();
      s13.close();
      await eir.close();
    }

    await t.test('every check was recorded, as checks and as importable observations', () => {
      const files = readdirSync(join(dir, 'records', 'observations'));
      assert.ok(files.length >= 1);
      assert.ok(files.every((f) => /_\d{8}_\d{8}\.csv$/.test(f)));
      assert.ok(eir.metrics.records.written > 16);
      assert.equal(eir.metrics.records.dropped, 0);
    });
  });
});
