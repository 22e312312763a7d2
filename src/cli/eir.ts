/**
 * `ceir eir`: run an Equipment Identity Register node (DOMAIN §7) on the list versions of a lists
 * folder or of a CEIR's `/v1/lists` endpoint: N5g-eir over HTTP/2 and Diameter S13.
 */
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { CeirError } from '../errors.ts';
import { loadPublicKey, loadSigningKey, signingKeyPath } from '../lists/keys.ts';
import { startEir, type EirRuntime } from '../eir/run.ts';
import { configPath, dataDir, loadConfig, portOption, type GlobalOptions } from './context.ts';

interface EirOptions {
  http2?: string;
  diameter?: string;
  metricsPort?: string;
  host: string;
  lists?: string;
  publicKey?: string;
  policy?: string;
  unknownAnswer?: string;
  operator?: string;
  poll?: string;
  record: boolean;
  recordDir?: string;
}

/** One line per interface, for people and for the demo's banner. */
export function eirBanner(rt: EirRuntime, host: string): string[] {
  const h = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  const out: string[] = [];
  if (rt.http2Port !== undefined) out.push(`EIR N5g-eir (HTTP/2, prior knowledge) on http://${h}:${rt.http2Port}/n5g-eir-eic/v1/equipment-status  (metrics: /metrics)`);
  if (rt.diameterPort !== undefined) out.push(`EIR Diameter S13 on ${h}:${rt.diameterPort} (TCP)`);
  if (rt.metricsPort !== undefined) out.push(`EIR metrics on http://${h}:${rt.metricsPort}/metrics`);
  out.push(`EIR serving list version ${rt.node.snapshot?.version} (${rt.node.policy})`);
  return out;
}

export function registerEir(program: Command, globals: () => GlobalOptions): void {
  program
    .command('eir')
    .description('run an Equipment Identity Register node: N5g-eir (HTTP/2) and Diameter S13 on the signed lists')
    .option('--http2 <port>', 'N5g-eir port (default 8081 when neither interface is given)')
    .option('--diameter <port>', 'Diameter S13 port (default 3868 when neither interface is given)')
    .option('--metrics-port <port>', 'a separate HTTP port for /metrics and /healthz')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--lists <dir|url>', 'a lists folder (ceir lists --out) or a CEIR\'s …/v1/lists URL (default: <data>/lists)')
    .option('--public-key <file>', 'the CEIR\'s public key (PEM) verifying the lists; default: this installation\'s')
    .option('--policy <policy>', 'permissive|restrictive (default: the profile\'s eir.policy)')
    .option('--unknown-answer <answer>', 'answer for unknown equipment in restrictive mode: UNKNOWN|GREYLISTED|WHITELISTED|BLACKLISTED')
    .option('--operator <ids>', 'load only these operators\' notifications and exceptions (comma-separated)')
    .option('--poll <seconds>', 'look for a new list version this often (SIGHUP: now)')
    .option('--no-record', 'do not record the checks')
    .option('--record-dir <dir>', 'where check records go (default: <data>/eir-records)')
    .action(async (o: EirOptions) => {
      const g = globals();
      const profile = loadConfig(g);
      if (o.policy !== undefined) {
        if (o.policy !== 'permissive' && o.policy !== 'restrictive') throw new CeirError('CEIR_ERR_USAGE', `--policy "${o.policy}": permissive or restrictive`);
        profile.eir.policy = o.policy;
      }
      if (o.unknownAnswer !== undefined) {
        const answers = ['UNKNOWN', 'GREYLISTED', 'WHITELISTED', 'BLACKLISTED'] as const;
        const a = answers.find((x) => x === o.unknownAnswer);
        if (!a) throw new CeirError('CEIR_ERR_USAGE', `--unknown-answer "${o.unknownAnswer}": one of ${answers.join(', ')}`);
        profile.eir.unknown_answer = a;
      }
      if (o.operator !== undefined) {
        const ids = o.operator.split(',').map((s) => s.trim()).filter(Boolean);
        const known = profile.operators.map((x) => x.id);
        const unknown = ids.filter((id) => !known.includes(id));
        if (unknown.length) throw new CeirError('CEIR_ERR_USAGE', `--operator: no operator ${unknown.join(', ')} in the profile (${known.join(', ')})`);
        profile.eir.operators = ids;
      }
      const poll = o.poll === undefined ? undefined : Number(o.poll);
      if (poll !== undefined && !(Number.isInteger(poll) && poll >= 1)) throw new CeirError('CEIR_ERR_USAGE', `--poll "${o.poll}" is not a number of seconds`);
      const neither = o.http2 === undefined && o.diameter === undefined;
      const data = dataDir(g);
      const publicKey = o.publicKey ? loadPublicKey(o.publicKey) : loadSigningKey(signingKeyPath(profile, configPath(g), data)).publicKey;
      const rt = await startEir({
        profile, profileDir: dirname(configPath(g)), lists: o.lists ?? join(data, 'lists'), cacheDir: join(data, 'eir-cache'), publicKey,
        listsToken: process.env.CEIR_LISTS_TOKEN || undefined, host: o.host,
        http2Port: o.http2 !== undefined ? portOption(o.http2, '--http2') : neither ? 8081 : undefined,
        diameterPort: o.diameter !== undefined ? portOption(o.diameter, '--diameter') : neither ? 3868 : undefined,
        metricsPort: o.metricsPort !== undefined ? portOption(o.metricsPort, '--metrics-port') : undefined,
        recordDir: o.record && profile.eir.record ? (o.recordDir ?? join(data, 'eir-records')) : undefined,
        pollSeconds: poll,
        log: (level, msg) => process.stderr.write(`${new Date().toISOString()} ${level} ${msg}\n`),
      });
      process.stdout.write(`${eirBanner(rt, o.host).join('\n')}\n`);
      process.on('SIGHUP', () => {
        rt.follower.refresh().catch((e: Error) => process.stderr.write(`${new Date().toISOString()} warn ${e.message}\n`));
      });
      const stop = async () => {
        await rt.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
