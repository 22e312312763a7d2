/**
 * The EIR node: the status snapshot being served, the decision per check (DOMAIN §7), the check
 * record and the counters; and the follower that loads new list versions and swaps them in.
 *
 * A swap is one assignment of `snapshot`: a check reads the reference once, so it sees one
 * version whole. Snapshots are immutable once built (a delta makes a new one), so a request in
 * flight on the old one finishes on the old one.
 */
import type { KeyObject } from 'node:crypto';
import { applyDelta, buildSnapshot, type StatusSnapshot } from './snapshot.ts';
import type { EirMetrics } from './metrics.ts';
import type { CheckRecorder } from './recorder.ts';
import { verifyVersion, versionManifest, type ListSource } from './source.ts';
import type { CheckAnswer, CheckInterface, EirChecker } from './types.ts';

export type Policy = 'permissive' | 'restrictive';

export interface EirNodeOptions {
  policy: Policy;
  /** The answer for equipment a restrictive node does not know (default UNKNOWN: 404 / 5422). */
  unknownAnswer?: CheckAnswer;
  metrics: EirMetrics;
  recorder?: CheckRecorder;
}

export class EirNode implements EirChecker {
  private current: StatusSnapshot | null = null;
  readonly policy: Policy;
  readonly unknownAnswer: CheckAnswer;

  constructor(private readonly opts: EirNodeOptions) {
    this.policy = opts.policy;
    this.unknownAnswer = opts.unknownAnswer ?? 'UNKNOWN';
  }

  get snapshot(): StatusSnapshot | null {
    return this.current;
  }

  /** Serve `next` from now on (one reference assignment: atomic for every later check). */
  swap(next: StatusSnapshot): void {
    this.current = next;
    this.opts.metrics.list = { version: next.version, listDate: next.listDate, entries: next.counts(), bytes: next.bytes(), loadedAt: Date.now() };
  }

  check(imei: number, imsi: number, imsiDigits: number, iface: CheckInterface, svn: number): CheckAnswer {
    const snap = this.current;
    const answer = snap
      ? snap.decide(imei, imsiDigits ? imsi : NaN, this.policy, this.unknownAnswer)
      : this.policy === 'permissive' ? 'WHITELISTED' : this.unknownAnswer;
    this.opts.metrics.countCheck(iface, answer);
    this.opts.recorder?.record(imei, imsi, imsiDigits, iface, answer, svn);
    return answer;
  }

  observeLatency(iface: CheckInterface, seconds: number, count = 1): void {
    this.opts.metrics.observeLatency(iface, seconds, count);
  }

  peerChange(delta: 1 | -1): void {
    this.opts.metrics.peers += delta;
  }
}

export interface FollowerOptions {
  /** Load only these operators' notifications and exceptions (default: every operator's). */
  operators?: string[];
  log: (level: 'info' | 'warn', msg: string) => void;
}

export interface RefreshResult {
  version: number | null;
  changed: boolean;
  /** How the version was loaded: a full build, or deltas applied to the one being served. */
  how?: 'full' | 'delta';
}

/**
 * Keeps an EIR node on the newest list version of its source: applies each newer version's
 * delta when it is based on the version being served, else builds the newest version in full.
 * Every version is verified first; one that fails is refused and the node keeps serving.
 */
export class ListFollower {
  private running: Promise<RefreshResult> | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly node: EirNode,
    private readonly source: ListSource,
    private readonly publicKey: KeyObject,
    private readonly metrics: EirMetrics,
    private readonly opts: FollowerOptions,
  ) {}

  /** Load the newest version if it is not the one served. Runs one at a time. */
  refresh(): Promise<RefreshResult> {
    this.running ??= this.load().finally(() => (this.running = null));
    return this.running;
  }

  /** Refresh every `seconds` (errors are logged; the node keeps serving). */
  poll(seconds: number): void {
    this.timer = setInterval(() => {
      this.refresh().catch((e: Error) => this.opts.log('warn', e.message));
    }, seconds * 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async load(): Promise<RefreshResult> {
    try {
      return await this.loadLatest();
    } catch (e) {
      this.metrics.listLoads.refused++;
      throw e;
    }
  }

  private async loadLatest(): Promise<RefreshResult> {
    const latest = await this.source.latest();
    const current = this.node.snapshot;
    if (latest === null || latest === current?.version) return { version: current?.version ?? null, changed: false };
    const sel = { operators: this.opts.operators };
    let next = current;
    let how: 'full' | 'delta' = 'delta';
    if (current && latest > current.version) {
      for (let v = current.version + 1; v <= latest && next; v++) {
        const dir = await this.source.fetch(v);
        await verifyVersion(dir, this.publicKey);
        if (versionManifest(dir).base_version !== next.version) {
          next = null; // not a delta of what we have: build the newest in full
          break;
        }
        try {
          next = await applyDelta(next, dir, sel);
        } catch (e) {
          // A delta that does not fit what is served (a state lost, a list rebuilt): rebuild in full.
          this.opts.log('warn', `list version ${v}: its delta does not apply (${(e as Error).message}); building version ${latest} in full`);
          next = null;
        }
      }
    } else next = null;
    if (!next) {
      how = 'full';
      const dir = await this.source.fetch(latest);
      await verifyVersion(dir, this.publicKey);
      next = await buildSnapshot(dir, sel);
    }
    this.node.swap(next);
    this.metrics.listLoads.applied++;
    this.opts.log('info', `serving list version ${next.version} (${next.listDate}, ${how === 'full' ? 'built in full' : `deltas applied to ${current!.version}`}) from ${this.source.description}`);
    return { version: next.version, changed: true, how };
  }
}
