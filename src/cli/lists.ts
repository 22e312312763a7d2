/**
 * `ceir lists --out DIR [--date YYYYMMDD] [--base VERSION]`: a new list version with its files;
 * `ceir lists verify DIR`, `ceir lists versions`, `ceir lists since VERSION --operator ID`.
 */
import type { Command } from 'commander';
import { CeirError, EXIT } from '../errors.ts';
import { generateLists, type ListsReport } from '../lists/generate.ts';
import { loadPublicKey, loadSigningKey, signingKeyPath } from '../lists/keys.ts';
import { deltasSince, listVersions } from '../lists/queries.ts';
import { verifyListDir, type VerifyReport } from '../lists/verify.ts';
import { csvCell } from '../lists/csv-file.ts';
import { configPath, dataDir, loadConfig, openDb, printJson, type GlobalOptions } from './context.ts';
import { installationKey } from './keys.ts';

/** `YYYYMMDD` or `YYYY-MM-DD` → `YYYY-MM-DD`. */
function listDate(s: string): string {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(s);
  const iso = m ? `${m[1]}-${m[2]}-${m[3]}` : '';
  if (!m || Number.isNaN(Date.parse(`${iso}T00:00:00Z`)) || new Date(`${iso}T00:00:00Z`).toISOString().slice(0, 10) !== iso) {
    throw new CeirError('CEIR_ERR_USAGE', `--date "${s}" is not a date (YYYYMMDD)`);
  }
  return iso;
}

function versionNumber(s: string, option: string): number {
  if (!/^\d{1,15}$/.test(s)) throw new CeirError('CEIR_ERR_USAGE', `${option} "${s}" is not a list version number`);
  return Number(s);
}

const changes = (c: Record<string, number>) => Object.entries(c).map(([k, n]) => `${k} ${n}`).join(', ');

export function formatListsReport(r: ListsReport): string {
  const base = r.base_version === null ? 'no base: deltas are the whole lists' : `deltas against version ${r.base_version}`;
  const lines = [
    `list version ${r.version} for ${r.list_date} (classification run ${r.classification_run}; ${base})`,
    `  block list ${r.counts.blocklist} IMEIs (${changes(r.counts.delta.blocklist)})`,
  ];
  for (const op of Object.keys(r.counts.notifications)) {
    lines.push(
      `  ${op.padEnd(12)} notifications ${r.counts.notifications[op]} (${changes(r.counts.delta.notifications[op] ?? {})}); ` +
        `exceptions ${r.counts.exceptions[op] ?? 0} (${changes(r.counts.delta.exceptions[op] ?? {})})`,
    );
  }
  if (r.out) lines.push(`  files in ${r.out}, manifests signed by key ${r.key_thumbprint}`);
  lines.push(`  ${(r.duration_ms / 1000).toFixed(1)} s`);
  return lines.join('\n');
}

export function formatVerifyReport(r: VerifyReport): string {
  const lines = [`${r.ok ? 'verified' : 'VERIFICATION FAILED'} with key ${r.key_thumbprint}`];
  for (const f of r.folders) {
    const what = f.version === null ? f.folder : `${f.folder} (version ${f.version}${f.operator ? `, operator ${f.operator}` : ', block list'})`;
    lines.push(`  ${what}: ${f.ok ? `ok, ${f.files_checked} files` : 'FAILED'}`);
    lines.push(...f.problems.map((p) => `    ${p.message}`));
  }
  return lines.join('\n');
}

export function registerLists(program: Command, globals: () => GlobalOptions): void {
  const lists = program
    .command('lists')
    .description('generate a new version of the block, notification and exception lists, with signed files')
    .option('--out <dir>', 'write the files into <dir>/<version>/')
    .option('--date <YYYYMMDD>', 'list date (default: the analysis date of the latest classification run)')
    .option('--base <version>', 'deltas against this list version (default: the previous one)')
    .action(async (o: { out?: string; date?: string; base?: string }) => {
      const g = globals();
      if (!o.out) throw new CeirError('CEIR_ERR_USAGE', 'ceir lists needs --out <dir>: the folder the list files are written to');
      const profile = loadConfig(g);
      const key = installationKey(g);
      const db = await openDb(g);
      try {
        const r = await generateLists(db, {
          profile, out: o.out, key, listDate: o.date ? listDate(o.date) : undefined,
          base: o.base !== undefined ? versionNumber(o.base, '--base') : undefined,
        });
        if (g.json) printJson({ ...r, key_created: key.created });
        else process.stdout.write(`${key.created ? `created the lists signing key ${key.file}\n` : ''}${formatListsReport(r)}\n`);
      } finally {
        await db.close();
      }
    });

  lists
    .command('verify')
    .description('check a list download: the manifest signature, and every file\'s SHA-256 and row count')
    .argument('<dir>', 'a list folder (with manifest.jws) or a version folder holding several')
    .option('--public-key <file>', 'the CEIR\'s public key (PEM); default: this installation\'s signing key')
    .action(async (dir: string, o: { publicKey?: string }) => {
      const g = globals();
      const key = o.publicKey ? loadPublicKey(o.publicKey) : loadSigningKey(signingKeyPath(loadConfig(g), configPath(g), dataDir(g))).publicKey;
      const r = await verifyListDir(dir, key);
      if (g.json) printJson(r);
      else process.stdout.write(`${formatVerifyReport(r)}\n`);
      if (!r.ok) process.exitCode = EXIT.refused;
    });

  lists
    .command('versions')
    .description('list the list versions with their counts')
    .action(async () => {
      const g = globals();
      const db = await openDb(g);
      try {
        const versions = await listVersions(db);
        if (g.json) return printJson(versions);
        const lines = versions.map((v) => `${String(v.id).padStart(6)}  ${v.list_date}  created ${v.created_at}  base ${v.base_version ?? '-'}  run ${v.cls_run}  block list ${v.counts.blocklist}`);
        process.stdout.write(`${lines.length ? lines.join('\n') : 'no list version yet'}\n`);
      } finally {
        await db.close();
      }
    });

  lists
    .command('since')
    .description('every change after a version for one operator (block list and its lists), as CSV in version order')
    .argument('<version>', 'list version (0: from the start)')
    .requiredOption('--operator <id>', 'operator id of the country profile')
    .action(async (v: string, o: { operator: string }) => {
      const g = globals();
      const profile = loadConfig(g);
      if (!profile.operators.some((op) => op.id === o.operator)) {
        throw new CeirError('CEIR_ERR_USAGE', `unknown operator "${o.operator}"; the profile has: ${profile.operators.map((op) => op.id).join(', ')}`);
      }
      const db = await openDb(g);
      try {
        const rows = await deltasSince(db, o.operator, versionNumber(v, 'version'));
        if (g.json) return printJson(rows);
        const out = ['version,list,imei,imsi,msisdn,block_date,reasons,change_type'];
        for (const r of rows) out.push([String(r.version), r.list, r.imei_norm, r.imsi, r.msisdn, r.block_date?.replaceAll('-', ''), r.reasons, r.change].map(csvCell).join(','));
        process.stdout.write(`${out.join('\n')}\n`);
      } finally {
        await db.close();
      }
    });
}
