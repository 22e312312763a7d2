/**
 * The EIR node's counters, exposed in the Prometheus text format (`GET /metrics`). Kept in typed
 * arrays and updated without allocation: they are touched once per check.
 */
import type { CheckAnswer, CheckInterface } from './types.ts';

export const INTERFACES: readonly CheckInterface[] = ['n5g', 's13'];
export const ANSWERS: readonly CheckAnswer[] = ['WHITELISTED', 'BLACKLISTED', 'GREYLISTED', 'UNKNOWN'];
/** Upper bounds (seconds) of the latency histogram's buckets; +Inf is implied. */
export const LATENCY_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1] as const;

const ifaceIndex = (i: CheckInterface) => (i === 'n5g' ? 0 : 1);
const answerIndex = (a: CheckAnswer) => (a === 'WHITELISTED' ? 0 : a === 'BLACKLISTED' ? 1 : a === 'GREYLISTED' ? 2 : 3);

export interface ListGauges {
  version: number;
  listDate: string;
  entries: Record<string, number>;
  bytes: number;
  loadedAt: number;
}

export class EirMetrics {
  private readonly checks = new Float64Array(INTERFACES.length * ANSWERS.length);
  private readonly buckets = new Float64Array(INTERFACES.length * (LATENCY_BUCKETS.length + 1));
  private readonly latencySum = new Float64Array(INTERFACES.length);
  peers = 0;
  listLoads = { applied: 0, refused: 0 };
  records = { written: 0, dropped: 0 };
  list: ListGauges | null = null;

  countCheck(iface: CheckInterface, answer: CheckAnswer): void {
    this.checks[ifaceIndex(iface) * ANSWERS.length + answerIndex(answer)]++;
  }

  /** `count` requests that each took `seconds` (answers written together, e.g. one TCP read's). */
  observeLatency(iface: CheckInterface, seconds: number, count = 1): void {
    const i = ifaceIndex(iface);
    let b = 0;
    while (b < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[b]) b++;
    this.buckets[i * (LATENCY_BUCKETS.length + 1) + b] += count;
    this.latencySum[i] += seconds * count;
  }

  checkCount(iface: CheckInterface, answer: CheckAnswer): number {
    return this.checks[ifaceIndex(iface) * ANSWERS.length + answerIndex(answer)];
  }

  /** The Prometheus text exposition (version 0.0.4). */
  render(): string {
    const out: string[] = [];
    const head = (name: string, type: string, help: string) => out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    head('ceir_eir_checks_total', 'counter', 'Equipment checks answered, by interface and answer.');
    for (const iface of INTERFACES) for (const a of ANSWERS) out.push(`ceir_eir_checks_total{interface="${iface}",answer="${a}"} ${this.checkCount(iface, a)}`);
    head('ceir_eir_check_duration_seconds', 'histogram', 'Time from a request\'s arrival to its answer being written.');
    for (const iface of INTERFACES) {
      const i = ifaceIndex(iface);
      let cumulative = 0;
      for (let b = 0; b <= LATENCY_BUCKETS.length; b++) {
        cumulative += this.buckets[i * (LATENCY_BUCKETS.length + 1) + b];
        out.push(`ceir_eir_check_duration_seconds_bucket{interface="${iface}",le="${b < LATENCY_BUCKETS.length ? LATENCY_BUCKETS[b] : '+Inf'}"} ${cumulative}`);
      }
      out.push(`ceir_eir_check_duration_seconds_sum{interface="${iface}"} ${this.latencySum[i]}`);
      out.push(`ceir_eir_check_duration_seconds_count{interface="${iface}"} ${cumulative}`);
    }
    head('ceir_eir_list_version', 'gauge', 'The list version being served (0: none yet).');
    out.push(`ceir_eir_list_version ${this.list?.version ?? 0}`);
    head('ceir_eir_list_loaded_timestamp_seconds', 'gauge', 'When the version being served was swapped in.');
    out.push(`ceir_eir_list_loaded_timestamp_seconds ${this.list ? this.list.loadedAt / 1000 : 0}`);
    head('ceir_eir_list_entries', 'gauge', 'Entries of the version being served, by set.');
    for (const [set, n] of Object.entries(this.list?.entries ?? {})) out.push(`ceir_eir_list_entries{set="${set}"} ${n}`);
    head('ceir_eir_list_bytes', 'gauge', 'Memory held by the status index being served.');
    out.push(`ceir_eir_list_bytes ${this.list?.bytes ?? 0}`);
    head('ceir_eir_list_loads_total', 'counter', 'List versions applied, and refused (failed verification or unreadable).');
    out.push(`ceir_eir_list_loads_total{result="applied"} ${this.listLoads.applied}`, `ceir_eir_list_loads_total{result="refused"} ${this.listLoads.refused}`);
    head('ceir_eir_diameter_peers', 'gauge', 'Diameter peers connected (past CER/CEA).');
    out.push(`ceir_eir_diameter_peers ${this.peers}`);
    head('ceir_eir_check_records_total', 'counter', 'Check records written for ingestion, and dropped because the writer fell behind.');
    out.push(`ceir_eir_check_records_total{result="written"} ${this.records.written}`, `ceir_eir_check_records_total{result="dropped"} ${this.records.dropped}`);
    return `${out.join('\n')}\n`;
  }
}
