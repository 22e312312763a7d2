/** `ceir db migrate|status`: the schema version of the store. */
import type { Command } from 'commander';
import { MIGRATIONS } from '../migrations.ts';
import type { Db } from '../store/db.ts';
import { migrate, schemaStatus, type SchemaStatus } from '../store/migrate.ts';
import { describeStore, openDb, printJson, type GlobalOptions } from './context.ts';

function formatStatus(s: SchemaStatus, where: string): string {
  const lines = [`${where}: schema version ${s.current} of ${s.latest}`];
  for (const a of s.applied) lines.push(`  applied ${a.version} ${a.name} (${a.applied_at})`);
  for (const p of s.pending) lines.push(`  pending ${p.version} ${p.name}`);
  return lines.join('\n');
}

export function registerDb(program: Command, globals: () => GlobalOptions): void {
  const db = program.command('db').description('database schema');
  const show = (step: (store: Db) => Promise<SchemaStatus>) => async () => {
    const g = globals();
    const store = await openDb(g, false);
    try {
      const s = await step(store);
      if (g.json) printJson(s);
      else process.stdout.write(`${formatStatus(s, describeStore(g))}\n`);
    } finally {
      await store.close();
    }
  };
  db.command('migrate').description('apply pending migrations').action(show((store) => migrate(store, MIGRATIONS)));
  db.command('status').description('show applied and pending migrations').action(show((store) => schemaStatus(store, MIGRATIONS)));
}
