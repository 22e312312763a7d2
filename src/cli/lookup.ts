/** `ceir tac <tac>` and `ceir imei <imei>`: what the reference database knows. */
import type { Command } from 'commander';
import { CeirError } from '../errors.ts';
import { imeiClassification, type ImeiClassification } from '../classify/explain.ts';
import { listMembership, type Membership } from '../lists/queries.ts';
import { imeiObservations, type ImeiObservations } from '../observations/queries.ts';
import { imeiHistory, imeiStatus, tacInfo, type ImeiReferenceStatus, type TacInfo } from '../reference/queries.ts';
import { loadConfig, openDb, printJson, type GlobalOptions } from './context.ts';

const yes = (b: boolean) => (b ? 'yes' : 'no');

export function formatTac(t: TacInfo): string {
  return [
    `TAC ${t.tac}: ${t.manufacturer ?? '?'} ${t.model_name ?? '?'}${t.marketing_name ? ` (${t.marketing_name})` : ''}`,
    `  brand ${t.brand_name ?? '-'}, device type ${t.device_type ?? '-'}, OS ${t.operating_system ?? '-'}, allocated ${t.allocation_date ?? '-'}`,
    `  radio: this TAC ${t.rats.join('/') || 'unknown'}; model ${t.model_rats.join('/') || 'unknown'} over ${t.model_tacs} TAC(s)`,
    `  bands: ${t.bands ?? '-'}${t.bands_5g ? `; 5G: ${t.bands_5g}` : ''}`,
  ].join('\n');
}

export function formatImei(s: ImeiReferenceStatus): string {
  const cd = s.identifier.check_digit;
  const lines = [
    `IMEI ${s.imei_norm} (TAC ${s.tac}, given as ${s.identifier.form}${cd ? `, check digit ${cd.given} ${cd.valid ? 'valid' : `INVALID, expected ${cd.expected}`}` : ''})`,
    `  catalogue:   ${s.catalogue ? `${s.catalogue.manufacturer ?? '?'} ${s.catalogue.model_name ?? '?'} (${s.catalogue.model_rats.join('/') || 'radio unknown'})` : 'TAC NOT in the GSMA catalogue'}`,
    `  suspicious:  ${s.suspicious.length ? s.suspicious.map((x) => x.description).join('; ') : 'no'}`,
    `  registered:  ${s.registration ? `${s.registration.registered ? 'yes' : `provisional (${s.registration.status})`} ${s.registration.make ?? ''} ${s.registration.model ?? ''}${s.registration.device_id ? `, device ${s.registration.device_id}` : ''}${s.registration.other_imeis.length ? `, other IMEIs ${s.registration.other_imeis.join(' ')}` : ''}` : 'no'}`,
    `  stolen:      ${s.stolen ? `${s.stolen.stolen ? 'YES' : `pending (${s.stolen.status})`}, reported ${s.stolen.reporting_date ?? '?'}` : 'no'}`,
    `  paired with: ${s.pairings.length ? s.pairings.map((p) => `${p.imsi}/${p.msisdn}`).join(', ') : 'nobody'}`,
    `  golden ${yes(s.golden)}, barred IMEI ${yes(s.barred.imei)}, barred TAC ${yes(s.barred.tac)}, monitored ${yes(s.monitored)}`,
  ];
  if (s.associations.length) lines.push(`  associated with national IDs: ${s.associations.map((a) => a.uid).join(', ')}`);
  return lines.join('\n');
}

export function formatNetwork(n: ImeiObservations): string {
  if (!n.seen) return '  network:     never seen';
  const lines = [
    `  network:     seen ${n.first_seen} .. ${n.last_seen} on ${n.operators.join(', ')} (${n.generations.join('/') || 'no RAT'}; RAT ${n.rat_codes.join('|')})`,
    `               ${n.subscribers.length} subscriber(s) in the retained data: ${n.distinct_imsis} IMSI(s), ${n.distinct_msisdns} MSISDN(s), ${n.days_seen} day(s)`,
  ];
  for (const s of n.subscribers.slice(0, 10)) lines.push(`                 ${s.imsi ?? '-'} / ${s.msisdn ?? '-'} on ${s.operator}: ${s.days_seen} day(s), ${s.first_seen} .. ${s.last_seen}`);
  if (n.subscribers.length > 10) lines.push(`                 ... and ${n.subscribers.length - 10} more (--json for all)`);
  return lines.join('\n');
}

export function formatClassification(c: ImeiClassification): string {
  const head = `  status:      ${c.status.toUpperCase()}${c.analysis_date ? ` (classification of ${c.analysis_date})` : ' (never classified)'}`;
  const lines = [head];
  for (const m of c.conditions) {
    const when = !m.blocking ? 'informative' : m.block_date === null ? 'amnesty granted' : m.days_left! <= 0 ? `blocked since ${m.block_date}` : `blocks on ${m.block_date} (${m.days_left} days left)`;
    lines.push(`    ${m.label}: ${m.reason ?? ''} (since ${m.start_date}; ${when})`);
    lines.push(`      evidence: ${JSON.stringify(m.evidence)}`);
  }
  for (const a of c.advice) lines.push(`    what to do: ${a}`);
  return lines.join('\n');
}

export function formatMembership(m: Membership): string {
  if (m.version === null) return '  lists:       none produced yet';
  const lines = [`  lists (version ${m.version}):`];
  lines.push(`    block list: ${m.blocklist ? `yes, since ${m.blocklist.block_date} (${m.blocklist.reasons.join('; ')})` : 'no'}`);
  for (const n of m.notifications) lines.push(`    notification for ${n.operator}: ${n.imsi} / ${n.msisdn}, blocks on ${n.block_date}`);
  for (const e of m.exceptions) lines.push(`    exception for ${e.operator}: ${e.imsi} / ${e.msisdn}`);
  return lines.join('\n');
}

export function registerLookup(program: Command, globals: () => GlobalOptions): void {
  program
    .command('tac')
    .description('show a TAC from the GSMA catalogue, with its model radio capability')
    .argument('<tac>', '8-digit TAC')
    .action(async (tac: string) => {
      const g = globals();
      const db = await openDb(g);
      try {
        const t = await tacInfo(db, tac);
        if (!t) throw new CeirError('CEIR_ERR_NOT_FOUND', `TAC ${tac} is not in the GSMA catalogue`);
        if (g.json) printJson(t);
        else process.stdout.write(`${formatTac(t)}\n`);
      } finally {
        await db.close();
      }
    });
  program
    .command('imei')
    .description("show an IMEI's reference status: catalogue, registration, stolen, pairings, golden, barred, monitored")
    .argument('<imei>', 'IMEI (14 or 15 digits) or IMEISV (16)')
    .option('--history', 'also list every period the IMEI spent on each list')
    .action(async (imei: string, o: { history?: boolean }) => {
      const g = globals();
      const db = await openDb(g);
      try {
        const s = await imeiStatus(db, imei);
        const network = await imeiObservations(db, s.imei_norm);
        const classification = await imeiClassification(db, s.imei_norm, loadConfig(g));
        const lists = await listMembership(db, s.imei_norm);
        const history = o.history ? await imeiHistory(db, s.imei_norm) : undefined;
        if (g.json) printJson({ ...s, network, classification, lists, ...(history ? { history } : {}) });
        else {
          process.stdout.write(`${formatImei(s)}\n${formatNetwork(network)}\n${formatClassification(classification)}\n${formatMembership(lists)}\n`);
          for (const h of history ?? []) process.stdout.write(`  ${h.list}: ${h.valid_from} .. ${h.valid_to ?? 'now'} (import ${h.import_id})\n`);
        }
      } finally {
        await db.close();
      }
    });
}
