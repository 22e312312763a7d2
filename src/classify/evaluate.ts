/**
 * Detection quality: the current classification against a truth file (`imei,label[,detail]`, as
 * `ceir generate` writes it). Each truth label is scored against the conditions the profile maps
 * it to (`evaluation:`): precision and recall over the IMEIs seen on the network (a labelled
 * device the data never shows, as when the truth covers days not imported, is counted apart, not
 * as missed), with the false positives and negatives listed. Legitimate devices (labels that no
 * condition should catch) are checked against what puts an IMEI on a block or notification list:
 * an open state of a blocking condition with a block date, unless the IMEI is golden.
 */
import { normaliseImei } from '../identity/imei.ts';
import { readCsv } from '../io/csv-reader.ts';
import { InputError } from '../io/input-error.ts';
import { openInput } from '../io/open-input.ts';
import type { Db } from '../store/db.ts';

export interface LabelScore {
  label: string;
  conditions: string[];
  /** Labelled IMEIs seen on the network (those scored). */
  truth: number;
  /** Labelled IMEIs never seen on the network (not scored). */
  not_seen: number;
  flagged: number;
  true_positives: number;
  /** Null when nothing is flagged (no precision to measure). */
  precision: number | null;
  /** Null when no labelled IMEI was seen (no recall to measure: a label the truth file lacks, or misspells). */
  recall: number | null;
  false_positives: string[];
  false_negatives: string[];
}

export interface Evaluation {
  labels: LabelScore[];
  /** Legitimate devices seen, and those of them on a block or notification list, per label. */
  legitimate_flagged: { label: string; truth: number; flagged: string[] }[];
  /** Labels of the truth file that are neither mapped to conditions nor legitimate: not scored. */
  unscored_labels: { label: string; imeis: number }[];
}

/** Labels of devices that must never be blocked or notified. */
export const LEGITIMATE_LABELS = ['dual_sim', 'family_shared', 'roamer_international', 'roamer_national', 'iot'];

export async function readTruth(file: string): Promise<Map<string, Set<string>>> {
  const input = await openInput(file);
  const byLabel = new Map<string, Set<string>>();
  let header: string[] | undefined;
  for await (const batch of readCsv(input.stream, { file, delimiter: ',', maxLineBytes: 65536 })) {
    for (const [i, row] of batch.rows.entries()) {
      if (!header) {
        header = row.map((h) => h.trim().toLowerCase());
        if (header[0] !== 'imei' || header[1] !== 'label') throw new InputError({ file, line: 1, rule: 'header', message: 'a truth file starts with the columns imei,label' });
        continue;
      }
      const [imei, label] = row;
      if (!imei || !label) throw new InputError({ file, line: batch.lines[i], rule: 'required', message: 'imei and label must not be empty' });
      let set = byLabel.get(label);
      if (!set) byLabel.set(label, (set = new Set()));
      // The key every module stores (a 15-digit IMEI with its check digit is found by its 14).
      set.add(normaliseImei(imei));
    }
  }
  if (!header) throw new InputError({ file, rule: 'empty', message: 'the truth file is empty' });
  return byLabel;
}

export async function evaluate(db: Db, truth: Map<string, Set<string>>, mapping: Record<string, string[]>): Promise<Evaluation> {
  // Listed: what the list builder puts on the block or notification lists (lists/build.ts).
  const open = await db.query<{ imei_norm: string; cond: string; listed: boolean }>(
    `SELECT o.imei_norm, o.cond,
            coalesce(c.blocking, false) AND o.block_date IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM v_golden g WHERE g.hashed_imei_norm = md5(o.imei_norm)) AS listed
     FROM v_cls_open o JOIN v_seen_imei s USING (imei_norm) LEFT JOIN v_cls_conditions c USING (cond)`,
  );
  const byCond = new Map<string, Set<string>>();
  const listed = new Set<string>();
  for (const r of open.rows) {
    let set = byCond.get(r.cond);
    if (!set) byCond.set(r.cond, (set = new Set()));
    set.add(r.imei_norm);
    if (r.listed) listed.add(r.imei_norm);
  }
  // The labelled IMEIs the network saw: only they can be flagged.
  const labelled = [...new Set([...Object.keys(mapping), ...LEGITIMATE_LABELS].flatMap((l) => [...(truth.get(l) ?? [])]))];
  const seen = new Set(
    (await db.query<{ imei_norm: string }>('SELECT imei_norm FROM v_seen_imei WHERE imei_norm = ANY ($1::text[])', [labelled])).rows.map((r) => r.imei_norm),
  );
  const seenOf = (label: string) => {
    const all = [...(truth.get(label) ?? [])];
    return { t: new Set(all.filter((i) => seen.has(i))), notSeen: all.filter((i) => !seen.has(i)).length };
  };
  const labels: LabelScore[] = [];
  for (const [label, conditions] of Object.entries(mapping)) {
    const { t, notSeen } = seenOf(label);
    const flagged = new Set(conditions.flatMap((c) => [...(byCond.get(c) ?? [])]));
    const tp = [...flagged].filter((i) => t.has(i)).length;
    labels.push({
      label,
      conditions,
      truth: t.size,
      not_seen: notSeen,
      flagged: flagged.size,
      true_positives: tp,
      precision: flagged.size ? tp / flagged.size : null,
      recall: t.size ? tp / t.size : null,
      false_positives: [...flagged].filter((i) => !t.has(i)).sort(),
      false_negatives: [...t].filter((i) => !flagged.has(i)).sort(),
    });
  }
  const legitimate_flagged = LEGITIMATE_LABELS.filter((l) => truth.has(l)).map((label) => {
    const { t } = seenOf(label);
    return { label, truth: t.size, flagged: [...t].filter((i) => listed.has(i)).sort() };
  });
  const unscored_labels = [...truth.entries()]
    .filter(([label]) => !(label in mapping) && !LEGITIMATE_LABELS.includes(label))
    .map(([label, imeis]) => ({ label, imeis: imeis.size }))
    .sort((a, b) => a.label.localeCompare(b.label));
  return { labels, legitimate_flagged, unscored_labels };
}
