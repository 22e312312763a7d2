/**
 * Run the `ceir` command as a user would (a child process), on the engine of the test run: a
 * fresh PGlite folder, or a schema of its own on the PostgreSQL server.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import pg from 'pg';
import { PROJECT_ROOT } from '../../src/cli/context.ts';

export const BIN = join(PROJECT_ROOT, 'bin', 'ceir.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  json: () => unknown;
}

/** A scratch environment for the command: its own data folder or database schema. */
export function cliEnv(name: string): { env: NodeJS.ProcessEnv; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), `ceir-${name}-`));
  const env: NodeJS.ProcessEnv = { ...process.env, CEIR_DATA: join(dir, 'data'), NO_COLOR: '1' };
  delete env.CEIR_CONFIG;
  const schema = `ceir_cli_${name}_${process.pid}`;
  if (process.env.DATABASE_URL) env.CEIR_DB_SCHEMA = schema;
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    if (process.env.DATABASE_URL) {
      const c = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    }
  });
  return { env, dir };
}

export function ceir(env: NodeJS.ProcessEnv, ...args: string[]): CliRun {
  const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout: 120_000 });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, json: () => JSON.parse(r.stdout) };
}

/** Start a long-running command and wait until it prints a line matching `ready`. */
export function ceirServer(env: NodeJS.ProcessEnv, ready: RegExp, ...args: string[]): Promise<{ match: RegExpMatchArray; pid: number; output: () => string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no "${ready}" within 90 s; output:\n${out}`));
    }, 90_000);
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = out.match(ready);
      if (m) {
        clearTimeout(timer);
        resolve({
          match: m,
          pid: child.pid!,
          output: () => out,
          stop: () =>
            new Promise<void>((done) => {
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before "${ready}"; output:\n${out}`));
    });
  });
}
