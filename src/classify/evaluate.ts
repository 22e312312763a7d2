/**
 * Detection quality: the current classification against a truth file (`imei,label[,detail]`, as
 * `ceir generate` writes it). Each truth label is scored against the conditions the profile maps
 * it to (`evaluation:`): precision and recall over the IMEIs seen on the network, with the false
 * positives and negatives listed. Legitimate devices (labels that no condition should catch) are
 * checked against every blocking condition.
 */
import { readCsv } from '../io/csv-reader.ts';
import { InputError } from '../io/input-error.ts';
import { openInput } from '../io/open-input.ts';
import type { Db } from '../store/db.ts';

export interface LabelScore {
  label: string;
  conditions: string[];
  truth: number;
  flagged: number;
  true_positives: number;
  precision: number;
  recall: number;
  false_positives: string[];
  false_negatives: string[];
}

export interface Evaluation {
  labels: LabelScore[];
  /** Legitimate devices on a block or notification list (open blocking state), per label. */
  legitimate_flagged: { label: string; truth: number; flagged: string[] }[];
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
      set.add(imei.trim().toUpperCase());
    }
  }
  if (!header) throw new InputError({ file, rule: 'empty', message: 'the truth file is empty' });
  return byLabel;
}

export async function evaluate(db: Db, truth: Map<string, Set<string>>, mapping: Record<string, string[]>): Promise<Evaluation> {
  const open = await db.query<{ imei_norm: string; cond: string; blocking: boolean | null }>(
    `SELECT o.imei_norm, o.cond, c.blocking FROM v_cls_open o
     JOIN v_seen_imei s USING (imei_norm) LEFT JOIN v_cls_conditions c USING (cond)`,
  );
  const byCond = new Map<string, Set<string>>();
  const blocking = new Set<string>();
  for (const r of open.rows) {
    let set = byCond.get(r.cond);
    if (!set) byCond.set(r.cond, (set = new Set()));
    set.add(r.imei_norm);
    if (r.blocking) blocking.add(r.imei_norm);
  }
  const labels: LabelScore[] = [];
  for (const [label, conditions] of Object.entries(mapping)) {
    const t = truth.get(label) ?? new Set<string>();
    const flagged = new Set(conditions.flatMap((c) => [...(byCond.get(c) ?? [])]));
    const tp = [...flagged].filter((i) => t.has(i)).length;
    labels.push({
      label,
      conditions,
      truth: t.size,
      flagged: flagged.size,
      true_positives: tp,
      precision: flagged.size ? tp / flagged.size : 1,
      recall: t.size ? tp / t.size : 1,
      false_positives: [...flagged].filter((i) => !t.has(i)).sort(),
      false_negatives: [...t].filter((i) => !flagged.has(i)).sort(),
    });
  }
  const legitimate_flagged = LEGITIMATE_LABELS.filter((l) => truth.has(l)).map((label) => {
    const t = truth.get(label)!;
    return { label, truth: t.size, flagged: [...t].filter((i) => blocking.has(i)).sort() };
  });
  return { labels, legitimate_flagged };
}
