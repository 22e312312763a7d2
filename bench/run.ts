/**
 * `npm run bench [-- NAME [options]]`: run one bench script, or all of them in turn. Each prints
 * its figures beside a baseline measured in the same run.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const scripts = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && !['run.ts', 'common.ts'].includes(f))
  .map((f) => f.slice(0, -3));
const [name, ...rest] = process.argv.slice(2);
const chosen = name && !name.startsWith('-') ? [name] : scripts;
for (const s of chosen) {
  if (!scripts.includes(s)) {
    console.error(`no bench "${s}"; there are: ${scripts.join(', ')}`);
    process.exit(2);
  }
  console.log(`\n## ${s}\n`);
  execFileSync(process.execPath, ['--import', 'tsx', `${here}/${s}.ts`, ...(name === s ? rest : [])], { stdio: 'inherit' });
}
