/** Shared helpers of the generator tests: temp directories, hashing, CSV reading. */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { loadProfile } from '../../src/config/profile.ts';

export const demoProfile = () => loadProfile(fileURLToPath(new URL('../../profiles/demo.yaml', import.meta.url)));

/** Run `fn` with a fresh temp directory, removed afterwards. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'openceir-gen-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function sha256(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

/** A CSV file as its header line and its records (arrays of fields). */
export async function readCsv(path: string): Promise<{ header: string; rows: string[][] }> {
  const text = await readFile(path, 'utf8');
  const header = text.slice(0, text.indexOf('\n'));
  const rows = parse(text, { from_line: 2, relax_column_count: false }) as string[][];
  return { header, rows };
}

/** The values of `values` that occur more than once. */
export function duplicates(values: Iterable<string>): string[] {
  const seen = new Set<string>();
  const dups = new Set<string>();
  for (const v of values) (seen.has(v) ? dups : seen).add(v);
  return [...dups];
}
