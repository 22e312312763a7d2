/**
 * An independent Diameter implementation against the S13 peer: scripts/s13_check.py builds and
 * decodes with scapy.contrib.diameter. A machine without scapy fails this test (install
 * python3-scapy) rather than skipping it.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { imeiKeyText, imsiText, svnText, type CheckAnswer } from '../../src/eir/types.ts';
import { startS13Server, type S13Server } from '../../src/eir/diameter/peer.ts';

const SCRIPT = fileURLToPath(new URL('../../scripts/s13_check.py', import.meta.url));
// CEIR_PYTHON first; then the usual names; then Debian's system interpreter, where the
// python3-scapy package installs (a pyenv or venv python3 earlier on PATH may lack it)
const CANDIDATES = [process.env.CEIR_PYTHON, 'python3', 'python3.11', 'python3.12', 'python3.13', '/usr/bin/python3'].filter((p): p is string => !!p);

function findPython(): string | undefined {
  return CANDIDATES.find((p) => spawnSync(p, ['-c', 'import scapy.contrib.diameter'], { stdio: 'ignore', timeout: 30_000 }).status === 0);
}

const TABLE: Record<string, CheckAnswer> = { '35209900000001': 'WHITELISTED', '35209900000002': 'BLACKLISTED', '35209900000003': 'GREYLISTED' };
const calls: [string, string | undefined, string | undefined][] = [];
let server: S13Server;
let python: string | undefined;

before(async () => {
  python = findPython();
  server = await startS13Server({
    port: 0,
    host: '127.0.0.1',
    originHost: 'eir.ceir.example',
    originRealm: 'ceir.example',
    checker: {
      check(imeiKey, imsi, imsiDigits, _iface, svn) {
        const imei = imeiKeyText(imeiKey);
        calls.push([imei, imsiText(imsi, imsiDigits), svnText(svn)]);
        return TABLE[imei] ?? 'UNKNOWN';
      },
      observeLatency() {},
      peerChange() {},
    },
  });
});
after(() => server.close());

function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  if (!python) {
    assert.fail(`no Python interpreter with scapy.contrib.diameter (tried ${CANDIDATES.join(', ')}): install python3-scapy (apt-get install python3-scapy) or point CEIR_PYTHON at a python that has scapy`);
  }
  return new Promise((resolve) => {
    execFile(python!, [SCRIPT, '--host', '127.0.0.1', '--port', String(server.port), ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout: stdout.trim(), stderr });
    });
  });
}

test('scapy client: each status, UNKNOWN (5422) and a refused IMEI', { timeout: 120_000 }, async () => {
  const cases: [args: string[], out: string, code: number][] = [
    [['35209900000001'], 'WHITELISTED', 0],
    [['352099000000027', '999011234567890'], 'BLACKLISTED', 0],
    [['35209900000003'], 'GREYLISTED', 0],
    [['35209900000004'], 'UNKNOWN (5422)', 1],
    [['3520990000000'], 'Result-Code 5004 (DIAMETER_INVALID_AVP_VALUE)', 1],
  ];
  const results = await Promise.all(cases.map(([args]) => run(...args)));
  results.forEach((r, i) => {
    const [args, out, code] = cases[i];
    assert.equal(r.stdout, out, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.code, code, args.join(' '));
  });
  assert.ok(calls.some(([imei, imsi, svn]) => imei === '35209900000002' && imsi === '999011234567890' && svn === '00'), 'the IMSI and Software-Version reach the checker');
});

test('scapy client: an IMEISV and several ECRs on one connection', { timeout: 60_000 }, async () => {
  const r = await run('--count', '3', '3520990000000307', '999011234567891');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.split('\n'), ['GREYLISTED', 'GREYLISTED', 'GREYLISTED']);
  assert.equal(calls.filter(([imei, imsi, svn]) => imei === '35209900000003' && imsi === '999011234567891' && svn === '07').length, 3);
});
