/** Days of generated operator files, cut out as operators would send them. */
import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** Copy the rows of `file` dated in [from, to] (YYYYMMDD) into `<dir>/<operator>_<from>_<to>.csv`. */
export async function slice(dir: string, file: string, operator: string, from: string, to: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `${operator}_${from}_${to}.csv`);
  const w = createWriteStream(out);
  let header = true;
  for await (const line of createInterface({ input: createReadStream(file) })) {
    const d = line.slice(0, 8);
    if (header || (d >= from && d <= to)) w.write(`${line}\n`);
    header = false;
  }
  await new Promise<void>((r) => w.end(() => r()));
  return out;
}

/** `YYYYMMDD` `n` days after `start` (`YYYYMMDD`). */
export const ymd = (start: string, n: number): string => {
  const t = Date.UTC(+start.slice(0, 4), +start.slice(4, 6) - 1, +start.slice(6, 8)) + n * 86_400_000;
  return new Date(t).toISOString().slice(0, 10).replaceAll('-', '');
};
