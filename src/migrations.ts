/** Every module's migrations, in the order they apply. */
import { classifyMigrations } from './classify/schema.ts';
import { listsMigrations } from './lists/schema.ts';
import { observationMigrations } from './observations/schema.ts';
import { referenceMigrations } from './reference/schema.ts';
import type { Migration } from './store/migrate.ts';

export const MIGRATIONS: readonly Migration[] = [...referenceMigrations, ...observationMigrations, ...classifyMigrations, ...listsMigrations].sort(
  (a, b) => a.version - b.version,
);
