/** Shared helpers of the bench scripts. */
import { join } from 'node:path';
import { loadProfile, type CountryProfile } from '../src/config/profile.ts';
import { DEMO_PROFILE, PROJECT_ROOT } from '../src/cli/context.ts';

export type Engine = 'postgres' | 'pglite';

export function pgUrl(): string {
  return process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
}

/** Generated inputs are kept here between runs (git-ignored). */
export function benchDir(): string {
  return process.env.CEIR_BENCH_DIR ?? join(PROJECT_ROOT, '.bench-data');
}

export function demoProfileForBench(): CountryProfile {
  return loadProfile(DEMO_PROFILE);
}

export function fmtRate(perSecond: number): string {
  return perSecond >= 1e6 ? `${(perSecond / 1e6).toFixed(2)} M` : perSecond >= 1e3 ? `${(perSecond / 1e3).toFixed(1)} k` : perSecond.toFixed(0);
}

export function printTable(head: string[], rows: string[][]): void {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(w[i])).join(' | ')} |`;
  console.log([line(head), `|${w.map((n) => '-'.repeat(n + 2)).join('|')}|`, ...rows.map(line)].join('\n'));
}
