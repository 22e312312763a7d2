/** The `ceir` command: one sub-command per job, thin over the modules. */
import { Command, CommanderError } from 'commander';
import { EXIT, isCeirError } from '../errors.ts';
import type { GlobalOptions } from './context.ts';
import { registerClassify, registerEvaluate } from './classify.ts';
import { registerDb } from './db.ts';
import { registerEir } from './eir.ts';
import { registerExport } from './export.ts';
import { registerGenerate } from './generate.ts';
import { registerImport } from './import.ts';
import { registerKeys } from './keys.ts';
import { registerLists } from './lists.ts';
import { registerLookup } from './lookup.ts';
import { registerPrune } from './prune.ts';
import { registerServe } from './serve.ts';

export function buildProgram(): Command {
  const program = new Command('ceir')
    .description('OpenCEIR: a national Central Equipment Identity Register')
    .option('--config <file>', 'country profile YAML (default: $CEIR_CONFIG, else the demo profile)')
    .option('--data <dir>', 'embedded database folder (default: $CEIR_DATA, else ./data); ignored when $DATABASE_URL is set')
    .option('--json', 'print one JSON document on standard output')
    .exitOverride()
    .showHelpAfterError();
  const globals = () => program.opts<GlobalOptions>();
  registerImport(program, globals);
  registerLookup(program, globals);
  registerExport(program, globals);
  registerPrune(program, globals);
  registerGenerate(program, globals);
  registerClassify(program, globals);
  registerEvaluate(program, globals);
  registerLists(program, globals);
  registerKeys(program, globals);
  registerDb(program, globals);
  registerServe(program, globals);
  registerEir(program, globals);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    const json = program.opts<GlobalOptions>().json;
    if (isCeirError(e)) {
      if (json) process.stdout.write(`${JSON.stringify({ error: { code: e.code, message: e.message, details: e.details } }, null, 2)}\n`);
      else process.stderr.write(`ceir: ${e.message}\n`);
      process.exitCode = e.exitCode;
      return;
    }
    process.stderr.write(`ceir: unexpected failure: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = EXIT.failure;
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('/src/cli/main.ts')) {
  await main(process.argv);
}
