/**
 * Writing list CSVs: a file written in pages with back-pressure, its SHA-256 and data-row count
 * taken as it is written; the cell formats of DIRBS's lists (block dates `YYYYMMDD`).
 */
import { createHash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { basename } from 'node:path';
import { luhnCheckDigit } from '../identity/luhn.ts';

export interface WrittenFile {
  name: string;
  sha256: string;
  rows: number;
}

/** One CSV cell: quoted when it holds a comma, a quote or a line break. */
export function csvCell(v: string | null | undefined): string {
  const s = v ?? '';
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The IMEI as written: 14-digit keys get their Luhn check digit when asked; others stay as they are. */
export function outputImei(key: string, checkDigit: boolean): string {
  return checkDigit && /^\d{14}$/.test(key) ? key + luhnCheckDigit(key) : key;
}

/** `YYYY-MM-DD` → `YYYYMMDD` (DIRBS's list format). */
export const ymd = (d: string | null): string => (d ? d.replaceAll('-', '') : '');

export class CsvFile {
  private readonly out: WriteStream;
  private readonly hash = createHash('sha256');
  private rows = 0;

  constructor(
    readonly path: string,
    header: readonly string[],
  ) {
    this.out = createWriteStream(path);
    this.push(`${header.join(',')}\n`);
  }

  private push(text: string): boolean {
    const b = Buffer.from(text, 'utf8');
    this.hash.update(b);
    return this.out.write(b);
  }

  /** Append rows of cells (already formatted). */
  async write(rows: readonly (readonly string[])[]): Promise<void> {
    if (!rows.length) return;
    this.rows += rows.length;
    const text = rows.map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
    if (!this.push(text)) await once(this.out, 'drain');
  }

  async close(): Promise<WrittenFile> {
    this.out.end();
    await once(this.out, 'finish');
    return { name: basename(this.path), sha256: this.hash.digest('hex'), rows: this.rows };
  }
}

/**
 * Count the data rows of CSV bytes (record ends outside quotes, minus the header), in chunks.
 * Used by verification, which must not trust the manifest's count.
 */
export class CsvRowCounter {
  private inQuotes = false;
  private records = 0;
  private last = 10;

  update(chunk: Uint8Array): void {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (c === 34) this.inQuotes = !this.inQuotes;
      else if (c === 10 && !this.inQuotes) this.records++;
    }
    if (chunk.length) this.last = chunk[chunk.length - 1];
  }

  /** Data rows: records (a last line without a line end counts) minus the header. */
  get rows(): number {
    const records = this.records + (this.last !== 10 ? 1 : 0);
    return Math.max(0, records - 1);
  }
}
