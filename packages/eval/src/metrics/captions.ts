// Caption attribute precision / recall: parse the generated caption back to attribute values (data's
// parseCaption) and compare with the record. Precision: stated values that are right, over stated values.
// Recall: visible attributes stated rightly, over the record's visible attributes.
import { type AttributeName, parseCaption, type VisibleAttributes } from '@unif2ace/data';
import { Tallies } from './tally.js';

export interface CaptionScores {
  precision: number;
  recall: number;
  /** Values stated / right; visible attributes in the records; captions that state an attribute twice differently. */
  stated: number;
  correct: number;
  visible: number;
  conflicts: number;
  /** Per attribute: precision over the captions that state it, recall over the faces that show it. */
  byAttribute: Record<string, { precision: number; recall: number; stated: number; visible: number }>;
}

export function captionScores(
  captions: readonly string[],
  records: readonly VisibleAttributes[],
  { exclude = [] }: { exclude?: readonly string[] } = {},
): CaptionScores {
  if (captions.length !== records.length)
    throw new RangeError(`captionScores: ${captions.length} captions for ${records.length} records`);
  const skip = new Set(exclude);
  const prec = new Tallies();
  const rec = new Tallies();
  let stated = 0;
  let correct = 0;
  let visible = 0;
  let conflicts = 0;
  captions.forEach((text, i) => {
    const parsed = parseCaption(text);
    if (parsed.conflicts.length) conflicts++;
    const truth = records[i];
    for (const [name, value] of Object.entries(parsed.attributes)) {
      if (skip.has(name)) continue;
      const ok = truth[name as AttributeName] === value;
      stated++;
      if (ok) correct++;
      prec.add(name, ok);
    }
    for (const [name, value] of Object.entries(truth)) {
      if (value === null || skip.has(name)) continue;
      visible++;
      rec.add(name, parsed.attributes[name as AttributeName] === value);
    }
  });
  const p = prec.toJSON();
  const r = rec.toJSON();
  const byAttribute: CaptionScores['byAttribute'] = {};
  for (const k of [...new Set([...Object.keys(p), ...Object.keys(r)])].sort())
    byAttribute[k] = {
      precision: p[k]?.accuracy ?? Number.NaN,
      recall: r[k]?.accuracy ?? Number.NaN,
      stated: p[k]?.total ?? 0,
      visible: r[k]?.total ?? 0,
    };
  return {
    precision: stated ? correct / stated : Number.NaN,
    recall: visible ? Object.values(r).reduce((s, t) => s + t.correct, 0) / visible : Number.NaN,
    stated,
    correct,
    visible,
    conflicts,
    byAttribute,
  };
}
