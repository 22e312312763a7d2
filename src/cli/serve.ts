/** `ceir serve` and `ceir demo`: the REST API on the configured store. */
import { join } from 'node:path';
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
import { dataDir, describeStore, loadConfig, openDb, type GlobalOptions } from './context.ts';
import { formatImportReport, formatObservationReport } from './import.ts';
import { installationKey } from './keys.ts';
import { formatListsReport } from './lists.ts';
import { formatClassifyReport } from './classify.ts';

interface ServeOptions {
  port: string;
  host: string;
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

async function serve(db: Db, profile: CountryProfile, o: ServeOptions, banner: string[]): Promise<void> {
  const port = Number(o.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CeirError('CEIR_ERR_USAGE', `--port "${o.port}" is not a port number`);
  const app = await buildApi({ db, profile });
  const address = await app.listen({ port, host: o.host });
  const base = address.replace('[::1]', 'localhost').replace('127.0.0.1', 'localhost');
  process.stdout.write([`OpenCEIR API listening on ${base}`, ...banner.map((b) => b.replaceAll('{base}', base))].join('\n') + '\n');
  const stop = async () => {
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
    .option('--host <host>', 'address to listen on', '127.0.0.1');
}

export function registerServe(program: Command, globals: () => GlobalOptions): void {
  serveOptions(program.command('serve').description('serve the REST API'))
    .action(async (o: ServeOptions) => {
      const g = globals();
      const profile = loadConfig(g);
      const db = await openDb(g);
      await serve(db, profile, o, [`store: ${describeStore(g)}`]);
    });

  serveOptions(program.command('demo').description('load the demo country into the store (first run only) and serve the API'))
    .action(async (o: ServeOptions) => {
      const g = globals();
      const profile = loadConfig(g);
      const db = await openDb(g);
      const lists = { out: join(dataDir(g), 'lists'), key: installationKey(g) };
      await loadDemoCountry(db, profile, join(dataDir(g), 'demo-input'), lists, (s) => process.stdout.write(`${s}\n`));
      const s = await sampleImeis(db, 1);
      const ex = (k: ListKind) => s[k]?.[0];
      await serve(db, profile, o, [
        `store: ${describeStore(g)}; country: ${profile.country.name}`,
        'try:',
        ex('stolen_list') && `  curl {base}/v1/imei/${ex('stolen_list')}     (a stolen phone)`,
        ex('registration_list') && `  curl {base}/v1/imei/${ex('registration_list')}     (a registered phone)`,
        ex('registration_list') && `  curl {base}/v1/tac/${ex('registration_list')!.slice(0, 8)}`,
      ].filter((x): x is string => typeof x === 'string'));
    });
}
