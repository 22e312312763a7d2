/** `ceir serve` and `ceir demo`: the REST API on the configured store. */
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { buildApi } from '../api/server.ts';
import type { CountryProfile } from '../config/profile.ts';
import { CeirError } from '../errors.ts';
import { generateCountry } from '../generate/index.ts';
import { importObservations } from '../observations/importer.ts';
import { classify } from '../classify/engine.ts';
import { generateLists } from '../lists/generate.ts';
import type { SigningKey } from '../lists/keys.ts';
import { importList } from '../reference/importer.ts';
import type { ListKind } from '../reference/lists.ts';
import { hasReferenceData, sampleImeis } from '../reference/queries.ts';
import type { Db } from '../store/db.ts';
import { startEir, type EirRuntime } from '../eir/run.ts';
import { luhnCheckDigit } from '../identity/luhn.ts';
import { eirExamples } from '../lists/queries.ts';
import { configPath, dataDir, describeStore, loadConfig, openDb, portOption, type GlobalOptions } from './context.ts';
import { eirBanner } from './eir.ts';
import { formatImportReport, formatObservationReport } from './import.ts';
import { installationKey } from './keys.ts';
import { formatListsReport } from './lists.ts';
import { formatClassifyReport } from './classify.ts';

interface ServeOptions {
  port: string;
  host: string;
  lists?: string;
}

interface DemoOptions extends ServeOptions {
  eir: boolean;
  eirHttp2: string;
  eirDiameter: string;
}

/** Order matters only for readability of the log: lists do not depend on each other. */
const DEMO_FILES: [ListKind, string][] = [
  ['gsma_tac', 'gsma_tac.txt'],
  ['registration_list', 'registration_list.csv'],
  ['stolen_list', 'stolen_list.csv'],
  ['pairing_list', 'pairing_list.csv'],
  ['golden_list', 'golden_list.csv'],
  ['barred_list', 'barred_list.csv'],
  ['barred_tac_list', 'barred_tac_list.csv'],
  ['monitoring_list', 'monitoring_list.csv'],
  ['subscribers_registration_list', 'subscribers_registration_list.csv'],
  ['device_association_list', 'device_association_list.csv'],
  ['cell_list', 'cells.csv'],
];

export const DEMO_SEED = 2026;

/**
 * Generate the demo country (reference data and a month of operator files) and import it, only
 * into an empty database.
 */
export async function loadDemoCountry(db: Db, profile: CountryProfile, dir: string, lists: { out: string; key: SigningKey }, log: (s: string) => void): Promise<void> {
  if (await hasReferenceData(db)) return;
  log(`loading the demo country ${profile.country.name} (seed ${DEMO_SEED}) ...`);
  const country = await generateCountry({ outDir: dir, profile, seed: DEMO_SEED, withLocation: true, withSoftwareVersion: true });
  for (const [kind, file] of DEMO_FILES) {
    const r = await importList(db, { kind, file: join(dir, file), profile });
    log(formatImportReport(r));
    if (r.status === 'refused') throw new CeirError('CEIR_ERR_INTERNAL', `the generated demo ${kind} was refused`);
  }
  for (const f of country.files) {
    // The demo's files are dated in its own world (before today): "today" is the world's.
    const r = await importObservations(db, { file: f.path, operator: f.operator, profile, today: new Date(`${country.asOf}T12:00:00Z`) });
    log(formatObservationReport(r).split('\n').slice(0, 2).join('\n'));
    if (r.status === 'refused') throw new CeirError('CEIR_ERR_INTERNAL', `the generated demo file ${f.path} was refused`);
  }
  const run = await classify(db, { profile });
  log(formatClassifyReport(run).split('\n').slice(0, 2).join('\n'));
  if (run.status !== 'done') throw new CeirError('CEIR_ERR_INTERNAL', `the demo classification was ${run.status}: ${run.message ?? ''}`);
  log(formatListsReport(await generateLists(db, { profile, out: lists.out, key: lists.key })));
}

async function serve(db: Db, profile: CountryProfile, o: ServeOptions, listsDir: string, banner: string[], onStop?: () => Promise<void>): Promise<void> {
  const port = portOption(o.port, '--port');
  const app = await buildApi({ db, profile, lists: { dir: listsDir, token: process.env.CEIR_LISTS_TOKEN || undefined } });
  const address = await app.listen({ port, host: o.host });
  const base = address.replace('[::1]', 'localhost').replace('127.0.0.1', 'localhost');
  process.stdout.write([`OpenCEIR API listening on ${base}`, ...banner.map((b) => b.replaceAll('{base}', base))].join('\n') + '\n');
  const stop = async () => {
    await onStop?.();
    await app.close();
    await db.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function serveOptions(cmd: Command): Command {
  return cmd
    .option('--port <port>', 'HTTP port (0 picks a free one)', process.env.PORT ?? '8080')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--lists <dir>', 'list versions served at /v1/lists (default: <data>/lists; $CEIR_LISTS_TOKEN protects them)');
}

async function startDemoEir(g: GlobalOptions, profile: CountryProfile, listsDir: string, o: DemoOptions): Promise<EirRuntime> {
  return startEir({
    profile, profileDir: dirname(configPath(g)), lists: listsDir, cacheDir: join(dataDir(g), 'eir-cache'), publicKey: installationKey(g).publicKey,
    host: o.host, http2Port: portOption(o.eirHttp2, '--eir-http2'), diameterPort: portOption(o.eirDiameter, '--eir-diameter'),
    recordDir: join(dataDir(g), 'eir-records'),
    log: (level, msg) => level === 'warn' && process.stderr.write(`EIR: ${msg}\n`),
  });
}

/** The EIR's ports and one check a person can paste for each answer (demo phones from the lists). */
async function eirDemoLines(db: Db, eir: EirRuntime, host: string): Promise<string[]> {
  const x = await eirExamples(db);
  const h = host === '0.0.0.0' || host === '::' ? 'localhost' : host.replace('127.0.0.1', 'localhost');
  const pei = (imei: string) => `imei-${imei}${luhnCheckDigit(imei)}`;
  const url = (imei: string, imsi?: string) => `'http://${h}:${eir.http2Port}/n5g-eir-eic/v1/equipment-status?pei=${pei(imei)}${imsi ? `&supi=imsi-${imsi}` : ''}'`;
  const s13 = (imei: string, imsi?: string) => `python3 scripts/s13_check.py --host ${h === 'localhost' ? '127.0.0.1' : h} --port ${eir.diameterPort} ${imei}${imsi ? ` ${imsi}` : ''}`;
  const cases: [string, string, string | undefined][] = [];
  if (x.blocked) cases.push(['a stolen phone: BLACKLISTED', x.blocked.imei_norm, undefined]);
  if (x.notified) cases.push(['a notified phone: GREYLISTED', x.notified.imei_norm, x.notified.imsi]);
  if (x.paired) cases.push(['a listed phone with its paired subscriber: WHITELISTED', x.paired.imei_norm, x.paired.imsi]);
  return [
    ...eirBanner(eir, h),
    'equipment checks:',
    ...cases.flatMap(([what, imei, imsi]) => [`  curl --http2-prior-knowledge ${url(imei, imsi)}     (${what})`, `  ${s13(imei, imsi)}     (${what})`]),
  ];
}

export function registerServe(program: Command, globals: () => GlobalOptions): void {
  serveOptions(program.command('serve').description('serve the REST API'))
    .action(async (o: ServeOptions) => {
      const g = globals();
      const profile = loadConfig(g);
      const db = await openDb(g);
      await serve(db, profile, o, o.lists ?? join(dataDir(g), 'lists'), [`store: ${describeStore(g)}`]);
    });

  serveOptions(program.command('demo').description('load the demo country into the store (first run only), serve the API and run an EIR on its lists'))
    .option('--eir-http2 <port>', 'the demo EIR\'s N5g-eir port', '8081')
    .option('--eir-diameter <port>', 'the demo EIR\'s Diameter S13 port', '3868')
    .option('--no-eir', 'do not run the EIR')
    .action(async (o: DemoOptions) => {
      const g = globals();
      const profile = loadConfig(g);
      const db = await openDb(g);
      const lists = { out: join(dataDir(g), 'lists'), key: installationKey(g) };
      await loadDemoCountry(db, profile, join(dataDir(g), 'demo-input'), lists, (s) => process.stdout.write(`${s}\n`));
      const s = await sampleImeis(db, 1);
      const ex = (k: ListKind) => s[k]?.[0];
      const eir = o.eir ? await startDemoEir(g, profile, lists.out, o) : null;
      await serve(db, profile, o, o.lists ?? lists.out, [
        `store: ${describeStore(g)}; country: ${profile.country.name}`,
        'try:',
        ex('stolen_list') && `  curl {base}/v1/imei/${ex('stolen_list')}     (a stolen phone)`,
        ex('registration_list') && `  curl {base}/v1/imei/${ex('registration_list')}     (a registered phone)`,
        ex('registration_list') && `  curl {base}/v1/tac/${ex('registration_list')!.slice(0, 8)}`,
        ...(eir ? await eirDemoLines(db, eir, o.host) : []),
      ].filter((x): x is string => typeof x === 'string'), () => eir?.close() ?? Promise.resolve());
    });
}
