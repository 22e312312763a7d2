/**
 * A status snapshot: the status index of one list version (docs/lists.md "Files"), built from the
 * version folder `ceir lists` writes, or patched from the previous snapshot with the version's
 * deltas. A snapshot is never modified once returned: `applyDelta` returns a new one whose typed
 * arrays are copies (copy-on-write: a table is copied, one memcpy, when the delta first writes to
 * it), so requests in flight finish on the old one while the new one is swapped in.
 *
 * Read from a version folder:
 *   blocklist/blacklist.csv[_delta]        imei,block_date,reasons[,change_type]
 *   <operator>/notifications.csv[_delta]   imei,imsi,msisdn,block_date,reasons[,change_type]
 *   <operator>/exceptions.csv[_delta]      imei,imsi,msisdn[,change_type]
 *   eir/monitored_imeis.csv, eir/known_imeis.csv (imei), eir/known_tacs.csv (tac): full at every
 *   version, optional (absent: empty sets)
 *   manifest.json of each folder: version, base_version, list_date, each file's rows (for sizing)
 *     and SHA-256 (an eir set whose file did not change is kept, not re-read)
 *
 * The CSVs can hold 10^8 rows: they are streamed in 4 MiB chunks and scanned byte by byte (no
 * string per row). Keys are 14 digits, or 15 when the lists carry the check digit (the first 14
 * are the key); other keys (`output_invalid_imeis`) cannot be sent by a network and are skipped,
 * as are exception rows whose IMSI is not 5–15 digits. Signature checks are the caller's.
 */
import { createReadStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CeirError } from '../errors.ts';
import { StatusIndex, type EirPolicy, type IndexCounts } from './status-index.ts';
import type { CheckAnswer } from './types.ts';

const BLOCKLIST = 'blocklist';
const EIR = 'eir';
const CHUNK = 1 << 22;

export interface SnapshotOptions {
  /**
   * Load only these operators' notifications and exceptions (an operator's EIR loads its own).
   * Default: every operator folder of the version.
   */
  operators?: string[];
}

interface ManifestFacts {
  version: number;
  base_version: number | null;
  list_date: string;
  files?: { name: string; sha256?: string; rows?: number }[];
  counts?: Record<string, number | Record<string, number>>;
}

/** The eir sets as loaded: the monitored keys (sorted), and each file's SHA-256 from its manifest. */
interface EirSets {
  monitored: Float64Array;
  sha: Record<string, string | undefined>;
}

export class StatusSnapshot {
  constructor(
    readonly version: number,
    readonly baseVersion: number | null,
    readonly listDate: string,
    /** The operators whose notifications and exceptions are loaded. */
    readonly operators: readonly string[],
    /** Built for every operator folder (no `operators` option). */
    readonly allOperators: boolean,
    readonly index: StatusIndex,
    /** Rows skipped while building this snapshot or applying its delta (keys that are not IMEIs, bad IMSIs). */
    readonly ignoredRows: number,
    private readonly eir: EirSets,
  ) {}

  /** The check's answer (DOMAIN §7); see `StatusIndex.decide`. */
  decide(imei: number, imsi: number, policy: EirPolicy, unknownAnswer: CheckAnswer = 'UNKNOWN'): CheckAnswer {
    return this.index.decide(imei, imsi, policy, unknownAnswer);
  }

  counts(): IndexCounts {
    return this.index.counts();
  }

  /** Memory held by the typed arrays (arrays still shared with the previous snapshot count here too). */
  bytes(): number {
    return this.index.bytes() + this.eir.monitored.byteLength;
  }

  /** @internal the eir sets, for `applyDelta`. */
  eirSets(): EirSets {
    return this.eir;
  }
}

// ---------------------------------------------------------------------------------------------
// Errors

function refused(file: string, line: number | null, rule: string, message: string): CeirError {
  return new CeirError('CEIR_ERR_INPUT_REFUSED', `${file}${line === null ? '' : `, line ${line}`}: ${message} [${rule}]`, { file, line, rule });
}

// ---------------------------------------------------------------------------------------------
// CSV scanning

/** One data row as the scanner saw it; one object reused for every row. */
interface RowView {
  /** The line the row starts on (the header is line 1). */
  line: number;
  /** The IMEI (first 14 digits of a 14- or 15-digit key) or the TAC; NaN when the key is not one. */
  key: number;
  /** The IMSI (second column) when asked for; NaN when not 5–15 digits. */
  imsi: number;
  /** Index of the change type in `changes` (delta files). */
  change: number;
}

interface FileSpec {
  header: readonly string[];
  /** The key is an 8-digit TAC rather than an IMEI. */
  tac?: boolean;
  /** Read the second column as an IMSI. */
  imsi?: boolean;
  /** A delta file: the last column is the change type, one of these. */
  changes?: readonly string[];
}

/**
 * The byte scanner of one list CSV (after its header): fields may be quoted (RFC 4180); only the
 * key, the IMSI and the change type are read, digit by digit, as the bytes go by. `feed` is
 * synchronous and copies the state to locals for its loop (an async function's loop over fields
 * ran several times slower).
 */
class CsvScanner {
  private readonly changes: Buffer[] | null;
  private readonly changeCol: number;
  private readonly wantImsi: boolean;
  private readonly keyLen: number;
  private readonly changeBuf = new Uint8Array(32);
  private readonly row: RowView = { line: 0, key: NaN, imsi: NaN, change: -1 };
  rows = 0;
  private line = 2;
  private rowLine = 2;
  private field = 0;
  private inQuotes = false;
  private empty = true;
  private kHi = 0;
  private kLo = 0;
  private kN = 0;
  private kBad = false;
  private iv = 0;
  private iN = 0;
  private iBad = false;
  private cN = 0;

  constructor(
    private readonly file: string,
    private readonly spec: FileSpec,
    private readonly onRow: (row: RowView) => void,
  ) {
    this.changes = spec.changes ? spec.changes.map((c) => Buffer.from(c, 'latin1')) : null;
    this.changeCol = spec.changes ? spec.header.length - 1 : -1;
    this.wantImsi = spec.imsi === true;
    this.keyLen = spec.tac ? 8 : 14;
  }

  feed(buf: Uint8Array, start: number): void {
    const { wantImsi, keyLen, changeCol, changeBuf } = this;
    let { line, field, inQuotes, empty, kHi, kLo, kN, kBad, iv, iN, iBad, cN } = this;
    // Whether the current field is one that is read (the others are only skipped).
    let read = field === 0 || (wantImsi && field === 1) || field === changeCol;
    for (let i = start; i < buf.length; i++) {
      const c = buf[i];
      // Bytes above ',' are never delimiters nor quotes: the common case takes one test.
      if (c <= 44) {
        if (c === 34) {
          inQuotes = !inQuotes;
          empty = false;
          continue;
        }
        if (inQuotes) {
          if (c === 10) line++;
        } else if (c === 44) {
          field++;
          read = (wantImsi && field === 1) || field === changeCol;
          continue;
        } else if (c === 10) {
          if (!(empty && field === 0)) {
            this.emit(field + 1, kBad ? NaN : this.keyOf(kHi, kLo, kN), wantImsi && !iBad && iN >= 5 && iN <= 15 ? iv : NaN, cN);
          }
          line++;
          this.rowLine = line;
          field = 0;
          read = true;
          empty = true;
          kHi = kLo = kN = iv = iN = cN = 0;
          kBad = iBad = false;
          continue;
        } else if (c === 13) {
          continue;
        }
      }
      empty = false;
      if (!read) continue;
      if (field === 0) {
        const d = c - 48;
        if (d >= 0 && d <= 9) {
          if (kN < 7) kHi = kHi * 10 + d;
          else if (kN < keyLen) kLo = kLo * 10 + d;
          kN++;
        } else kBad = true;
      } else if (field === 1 && wantImsi) {
        const d = c - 48;
        if (d >= 0 && d <= 9) {
          if (iN < 15) iv = iv * 10 + d;
          iN++;
        } else iBad = true;
      }
      if (field === changeCol) {
        if (cN < changeBuf.length) changeBuf[cN] = c;
        cN++;
      }
    }
    Object.assign(this, { line, field, inQuotes, empty, kHi, kLo, kN, kBad, iv, iN, iBad, cN });
  }

  /** The end of the file: a last row without a line end. */
  end(): void {
    if (this.inQuotes) throw refused(this.file, this.rowLine, 'quote', 'a quoted field is not closed before the end of the file');
    if (!(this.empty && this.field === 0)) {
      const imsi = this.wantImsi && !this.iBad && this.iN >= 5 && this.iN <= 15 ? this.iv : NaN;
      this.emit(this.field + 1, this.kBad ? NaN : this.keyOf(this.kHi, this.kLo, this.kN), imsi, this.cN);
    }
  }

  private keyOf(hi: number, lo: number, n: number): number {
    if (this.keyLen === 8) return n === 8 ? hi * 10 + lo : NaN;
    return n === 14 || n === 15 ? hi * 1e7 + lo : NaN;
  }

  /** One finished row: checks its shape, reads its change type, hands it over. */
  private emit(fields: number, key: number, imsi: number, changeLen: number): void {
    const want = this.spec.header.length;
    if (fields !== want) throw refused(this.file, this.rowLine, 'column_count', `${fields} columns where the header has ${want} (${this.spec.header.join(',')})`);
    let change = -1;
    const changes = this.changes;
    if (changes !== null) {
      for (let c = 0; c < changes.length && change < 0; c++) {
        const name = changes[c];
        if (name.length !== changeLen) continue;
        let same = true;
        for (let b = 0; b < changeLen; b++) if (this.changeBuf[b] !== name[b]) same = false;
        if (same) change = c;
      }
      if (change < 0) {
        const got = Buffer.from(this.changeBuf.subarray(0, Math.min(changeLen, this.changeBuf.length))).toString('latin1');
        throw refused(this.file, this.rowLine, 'change_type', `column change_type: ${JSON.stringify(got)} is not one of ${this.spec.changes!.join(', ')}`);
      }
    }
    const row = this.row;
    row.line = this.rowLine;
    row.key = key;
    row.imsi = imsi;
    row.change = change;
    this.rows++;
    this.onRow(row);
  }
}

/** Scan a list CSV: its header must be `spec.header`; `onRow` sees every data row. Returns the rows. */
async function scanCsv(file: string, spec: FileSpec, onRow: (row: RowView) => void): Promise<number> {
  const scanner = new CsvScanner(file, spec, onRow);
  let header: Buffer[] | null = [];
  for await (const buf of createReadStream(file, { highWaterMark: CHUNK }) as AsyncIterable<Buffer>) {
    let start = 0;
    if (header !== null) {
      const nl = buf.indexOf(10);
      if (nl < 0) {
        header.push(buf);
        continue;
      }
      header.push(buf.subarray(0, nl));
      checkHeader(file, Buffer.concat(header), spec.header);
      header = null;
      start = nl + 1;
    }
    scanner.feed(buf, start);
  }
  if (header !== null) checkHeader(file, Buffer.concat(header), spec.header);
  scanner.end();
  return scanner.rows;
}

function checkHeader(file: string, bytes: Buffer, want: readonly string[]): void {
  let text = bytes.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  text = text.replace(/\r$/, '');
  if (text !== want.join(',')) {
    throw refused(file, 1, 'header', `the header is ${JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text)}, expected ${want.join(',')}`);
  }
}

// ---------------------------------------------------------------------------------------------
// The version folder

const H_BLOCK = ['imei', 'block_date', 'reasons'];
const H_NOTE = ['imei', 'imsi', 'msisdn', 'block_date', 'reasons'];
const H_EXC = ['imei', 'imsi', 'msisdn'];
const BLOCK_CHANGES = ['blocked', 'unblocked', 'changed'] as const;
const NOTE_CHANGES = ['new', 'resolved', 'blacklisted', 'no_longer_seen', 'changed'] as const;
const EXC_CHANGES = ['added', 'removed'] as const;
const EIR_FILES = ['monitored_imeis.csv', 'known_imeis.csv', 'known_tacs.csv'] as const;

function readManifest(file: string, required: boolean): ManifestFacts | null {
  if (!existsSync(file)) {
    if (!required) return null;
    throw new CeirError('CEIR_ERR_INPUT_REFUSED', `${file} is missing: not a list version folder written by ceir lists`);
  }
  let m: ManifestFacts;
  try {
    m = JSON.parse(readFileSync(file, 'utf8')) as ManifestFacts;
  } catch (e) {
    throw new CeirError('CEIR_ERR_INPUT_REFUSED', `${file}: not JSON (${(e as Error).message})`);
  }
  if (!Number.isInteger(m.version) || !(m.base_version === null || Number.isInteger(m.base_version)) || typeof m.list_date !== 'string') {
    throw new CeirError('CEIR_ERR_INPUT_REFUSED', `${file}: version, base_version and list_date are missing or of the wrong type`);
  }
  return m;
}

function fileRows(m: ManifestFacts | null, name: string): number {
  const rows = m?.files?.find((f) => f.name === name)?.rows;
  return typeof rows === 'number' && rows > 0 ? rows : 0;
}

function fileSha(m: ManifestFacts | null, name: string): string | undefined {
  return m?.files?.find((f) => f.name === name)?.sha256;
}

function deltaCount(m: ManifestFacts | null, list: string, change: string): number {
  const c = m?.counts?.[list];
  const n = c && typeof c === 'object' ? c[change] : undefined;
  return typeof n === 'number' && n > 0 ? n : 0;
}

interface Folder {
  dir: string;
  version: number;
  baseVersion: number | null;
  listDate: string;
  operators: string[];
  all: boolean;
  block: ManifestFacts;
  ops: Map<string, ManifestFacts>;
  eir: ManifestFacts | null;
}

/** Every operator folder of a version: sub-folders other than the block list's and the EIR's, with a manifest. */
function operatorFolders(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name !== BLOCKLIST && e.name !== EIR && !e.name.startsWith('.') && existsSync(join(dir, e.name, 'manifest.json')))
    .map((e) => e.name)
    .sort();
}

function openFolder(dir: string, operators: string[] | undefined): Folder {
  if (!existsSync(dir)) throw new CeirError('CEIR_ERR_INPUT_REFUSED', `list version folder ${dir} does not exist`);
  const block = readManifest(join(dir, BLOCKLIST, 'manifest.json'), true)!;
  const present = operatorFolders(dir);
  const chosen = operators ? [...new Set(operators)].sort() : present;
  const ops = new Map<string, ManifestFacts>();
  for (const op of chosen) {
    if (!present.includes(op)) {
      throw new CeirError('CEIR_ERR_INPUT_REFUSED', `${dir} has no folder for operator "${op}" (it has ${present.length ? present.join(', ') : 'none'})`);
    }
    ops.set(op, readManifest(join(dir, op, 'manifest.json'), true)!);
  }
  const eir = readManifest(join(dir, EIR, 'manifest.json'), false);
  for (const [name, m] of [...ops, [EIR, eir] as const]) {
    if (m && (m.version !== block.version || m.base_version !== block.base_version || m.list_date !== block.list_date)) {
      throw new CeirError(
        'CEIR_ERR_INPUT_REFUSED',
        `${join(dir, name, 'manifest.json')} is for version ${m.version} (base ${m.base_version}, ${m.list_date}), the block list's for version ${block.version} (base ${block.base_version}, ${block.list_date})`,
      );
    }
  }
  return { dir, version: block.version, baseVersion: block.base_version, listDate: block.list_date, operators: chosen, all: !operators, block, ops, eir };
}

/** Reads rows into an index, counting the rows it skips. */
class Loader {
  ignored = 0;
  constructor(private readonly index: StatusIndex) {}

  private requireFile(file: string): void {
    if (!existsSync(file)) throw new CeirError('CEIR_ERR_INPUT_REFUSED', `${file} is missing`);
  }

  async blocklist(file: string): Promise<void> {
    this.requireFile(file);
    await scanCsv(file, { header: H_BLOCK }, (r) => {
      if (r.key !== r.key) this.ignored++;
      else this.index.addBlocked(r.key);
    });
  }

  async notifications(file: string): Promise<void> {
    this.requireFile(file);
    await scanCsv(file, { header: H_NOTE }, (r) => {
      if (r.key !== r.key) this.ignored++;
      else this.index.addNotification(r.key);
    });
  }

  async exceptions(file: string): Promise<void> {
    this.requireFile(file);
    await scanCsv(file, { header: H_EXC, imsi: true }, (r) => {
      if (r.key !== r.key || r.imsi !== r.imsi) this.ignored++;
      else this.index.addException(r.key, r.imsi);
    });
  }

  async blocklistDelta(file: string): Promise<void> {
    this.requireFile(file);
    const index = this.index;
    await scanCsv(file, { header: [...H_BLOCK, 'change_type'], changes: BLOCK_CHANGES }, (r) => {
      if (r.key !== r.key) return void this.ignored++;
      const change = BLOCK_CHANGES[r.change];
      const ok = change === 'blocked' ? index.addBlocked(r.key) : change === 'unblocked' ? index.removeBlocked(r.key) : index.isBlocked(r.key);
      if (!ok) throw mismatch(file, r.line, change, change === 'blocked' ? 'an IMEI already blocked' : 'an IMEI that is not blocked');
    });
  }

  async notificationsDelta(file: string): Promise<void> {
    this.requireFile(file);
    const index = this.index;
    await scanCsv(file, { header: [...H_NOTE, 'change_type'], changes: NOTE_CHANGES }, (r) => {
      if (r.key !== r.key) return void this.ignored++;
      const change = NOTE_CHANGES[r.change];
      if (change === 'new') index.addNotification(r.key);
      else if (change === 'changed' ? index.notificationCount(r.key) === 0 : index.removeNotification(r.key) < 0) {
        throw mismatch(file, r.line, change, 'an IMEI with no notification');
      }
    });
  }

  async exceptionsDelta(file: string): Promise<void> {
    this.requireFile(file);
    const index = this.index;
    await scanCsv(file, { header: [...H_EXC, 'change_type'], imsi: true, changes: EXC_CHANGES }, (r) => {
      if (r.key !== r.key || r.imsi !== r.imsi) return void this.ignored++;
      if (EXC_CHANGES[r.change] === 'added') index.addException(r.key, r.imsi);
      else if (index.removeException(r.key, r.imsi) < 0) throw mismatch(file, r.line, 'removed', 'an (IMEI, IMSI) pair with no exception');
    });
  }

  /** The keys of an `imei` file, sorted and without repeats (absent file: none). */
  async imeiKeys(file: string): Promise<Float64Array> {
    let keys = new Float64Array(1024);
    let n = 0;
    if (existsSync(file)) {
      await scanCsv(file, { header: ['imei'] }, (r) => {
        if (r.key !== r.key) return void this.ignored++;
        if (n === keys.length) {
          const bigger = new Float64Array(keys.length * 2);
          bigger.set(keys);
          keys = bigger;
        }
        keys[n++] = r.key;
      });
    }
    const sorted = keys.subarray(0, n).sort();
    let m = 0;
    for (let i = 0; i < n; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[m++] = sorted[i];
    return sorted.slice(0, m);
  }

  async knownImeis(file: string): Promise<void> {
    if (!existsSync(file)) return;
    await scanCsv(file, { header: ['imei'] }, (r) => {
      if (r.key !== r.key) this.ignored++;
      else this.index.addKnownImei(r.key);
    });
  }

  async knownTacs(file: string): Promise<void> {
    if (!existsSync(file)) return;
    await scanCsv(file, { header: ['tac'], tac: true }, (r) => {
      if (r.key !== r.key) this.ignored++;
      else this.index.addKnownTac(r.key);
    });
  }
}

function mismatch(file: string, line: number, change: string, what: string): CeirError {
  return refused(file, line, 'delta_mismatch', `change_type ${change} for ${what}: this delta does not apply to the snapshot's content`);
}

function eirSha(m: ManifestFacts | null): Record<string, string | undefined> {
  return Object.fromEntries(EIR_FILES.map((f) => [f, fileSha(m, f)]));
}

/**
 * The status snapshot of the list version in `versionDir` (a folder written by `ceir lists`):
 * the block list, the notifications and exceptions of `opts.operators` (default: every operator
 * folder), and the eir sets.
 */
export async function buildSnapshot(versionDir: string, opts: SnapshotOptions = {}): Promise<StatusSnapshot> {
  const f = openFolder(versionDir, opts.operators);
  const sum = (name: string) => [...f.ops.values()].reduce((n, m) => n + fileRows(m, name), 0);
  const index = new StatusIndex({
    listed: fileRows(f.block, 'blacklist.csv') + sum('notifications.csv') + fileRows(f.eir, 'monitored_imeis.csv'),
    exceptions: sum('exceptions.csv'),
    known: fileRows(f.eir, 'known_imeis.csv'),
  });
  const load = new Loader(index);
  await load.blocklist(join(versionDir, BLOCKLIST, 'blacklist.csv'));
  for (const op of f.operators) {
    await load.notifications(join(versionDir, op, 'notifications.csv'));
    await load.exceptions(join(versionDir, op, 'exceptions.csv'));
  }
  const monitored = await load.imeiKeys(join(versionDir, EIR, 'monitored_imeis.csv'));
  for (const k of monitored) index.addMonitored(k);
  await load.knownImeis(join(versionDir, EIR, 'known_imeis.csv'));
  await load.knownTacs(join(versionDir, EIR, 'known_tacs.csv'));
  index.fit();
  return new StatusSnapshot(f.version, f.baseVersion, f.listDate, f.operators, f.all, index, load.ignored, { monitored, sha: eirSha(f.eir) });
}

/**
 * The snapshot of the next list version, from `snapshot` and the deltas in `nextVersionDir`,
 * whose base version must be the snapshot's version (else a CeirError: build it in full). The
 * given snapshot is not modified. When the operators loaded would change (an operator folder
 * appeared or went, or `opts.operators` differs from the snapshot's), the version is built in
 * full instead. The eir sets are re-read when their file's SHA-256 changed.
 */
export async function applyDelta(snapshot: StatusSnapshot, nextVersionDir: string, opts: SnapshotOptions = {}): Promise<StatusSnapshot> {
  const wanted = opts.operators ?? (snapshot.allOperators ? undefined : [...snapshot.operators]);
  const f = openFolder(nextVersionDir, wanted);
  if (f.baseVersion !== snapshot.version) {
    throw new CeirError(
      'CEIR_ERR_INPUT_REFUSED',
      `list version ${f.version} in ${nextVersionDir} holds deltas against ${f.baseVersion === null ? 'no version' : `version ${f.baseVersion}`}, not against version ${snapshot.version} being served: build it in full`,
    );
  }
  if (f.operators.join('\n') !== snapshot.operators.join('\n')) return buildSnapshot(nextVersionDir, opts);

  const index = snapshot.index.clone();
  const sum = (list: string, change: string) => [...f.ops.values()].reduce((n, m) => n + deltaCount(m, list, change), 0);
  index.reserve({ listed: deltaCount(f.block, 'blacklist_delta', 'blocked') + sum('notifications_delta', 'new'), exceptions: sum('exceptions_delta', 'added') });
  const load = new Loader(index);
  await load.blocklistDelta(join(nextVersionDir, BLOCKLIST, 'blacklist_delta.csv'));
  for (const op of f.operators) {
    await load.notificationsDelta(join(nextVersionDir, op, 'notifications_delta.csv'));
    await load.exceptionsDelta(join(nextVersionDir, op, 'exceptions_delta.csv'));
  }

  const old = snapshot.eirSets();
  const sha = eirSha(f.eir);
  const unchanged = (name: string) => sha[name] !== undefined && sha[name] === old.sha[name];
  let monitored = old.monitored;
  if (!unchanged('monitored_imeis.csv')) {
    monitored = await load.imeiKeys(join(nextVersionDir, EIR, 'monitored_imeis.csv'));
    // Both sorted: one merge pass gives what left and what came.
    let i = 0;
    let j = 0;
    while (i < old.monitored.length || j < monitored.length) {
      const a = i < old.monitored.length ? old.monitored[i] : Infinity;
      const b = j < monitored.length ? monitored[j] : Infinity;
      if (a === b) {
        i++;
        j++;
      } else if (a < b) {
        index.removeMonitored(a);
        i++;
      } else {
        index.addMonitored(b);
        j++;
      }
    }
  }
  if (!unchanged('known_imeis.csv')) {
    index.clearKnownImeis(fileRows(f.eir, 'known_imeis.csv'));
    await load.knownImeis(join(nextVersionDir, EIR, 'known_imeis.csv'));
  }
  if (!unchanged('known_tacs.csv')) {
    index.clearKnownTacs();
    await load.knownTacs(join(nextVersionDir, EIR, 'known_tacs.csv'));
  }
  index.fit();
  return new StatusSnapshot(f.version, f.baseVersion, f.listDate, f.operators, snapshot.allOperators && !opts.operators, index, load.ignored, { monitored, sha });
}
