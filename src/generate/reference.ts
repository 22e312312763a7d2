/**
 * The reference data of a synthetic country: the GSMA TAC catalogue and the DOMAIN §3 lists
 * drawn from one World. Same seed and options → byte-identical files.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CountryProfile } from '../config/profile.ts';
import { writeCatalogue, type HeaderGeneration } from './catalogue.ts';
import { LIST_HEADERS, LIST_NAMES, referenceLists, type ListName } from './reference-lists.ts';
import { writeLines } from './sink.ts';
import { buildWorld, type World } from './world.ts';

export type ReferenceFile = 'gsma_tac' | ListName;

export interface GenerateReferenceOptions {
  outDir: string;
  profile: CountryProfile;
  seed?: number;
  /** Subscribers in the synthetic country (default 2000). */
  subscribers?: number;
  /** Catalogue models (default 3000). */
  models?: number;
  headerGeneration?: HeaderGeneration;
  /** The country's "today", `YYYY-MM-DD` (default 2026-03-31). */
  asOf?: string;
}

export interface GeneratedReference {
  outDir: string;
  /** Per file: its path and its number of data rows (header excluded). */
  files: Record<ReferenceFile, { path: string; rows: number }>;
  /** The world the files were drawn from, for generators that build on it (observations). */
  world: World;
}

/** File name of each output: `gsma_tac.txt`, then `<list>.csv`. */
export function referenceFileName(file: ReferenceFile): string {
  return file === 'gsma_tac' ? 'gsma_tac.txt' : `${file}.csv`;
}

/** Generate the catalogue and every reference list into `outDir` (created if missing). */
export async function generateReference(opts: GenerateReferenceOptions): Promise<GeneratedReference> {
  await mkdir(opts.outDir, { recursive: true });
  const world = buildWorld({ profile: opts.profile, seed: opts.seed, subscribers: opts.subscribers, models: opts.models, asOf: opts.asOf });
  const path = (f: ReferenceFile): string => join(opts.outDir, referenceFileName(f));
  const files = {} as GeneratedReference['files'];
  files.gsma_tac = { path: path('gsma_tac'), rows: await writeCatalogue(path('gsma_tac'), world.catalogue, opts.headerGeneration ?? 'modern') };
  const lists = referenceLists(world);
  for (const name of LIST_NAMES) {
    files[name] = { path: path(name), rows: await writeLines(path(name), LIST_HEADERS[name], lists[name]) };
  }
  return { outDir: opts.outDir, files, world };
}
