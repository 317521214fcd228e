// Generated-attribute accuracy: for each prompt, the attributes it states against what the probe sees in
// the generated face. Attributes the probe cannot judge reliably are left out by name (and listed).
import { type AttributeName, attributeSpec, parseCaption } from '@unif2ace/data';
import { Tallies, type Tally, tally } from './tally.js';

export type StatedAttributes = Partial<Record<string, unknown>>;

export interface GenerationScores {
  overall: Tally;
  /** Prompts whose every judged attribute the probe saw as stated. */
  allCorrect: Tally;
  byAttribute: Record<string, Tally>;
  byGroup: Record<string, Tally>;
  /** The attributes left out, as given. */
  excluded: string[];
}

/** The attributes a prompt states: parsed from text, or given as a record (nulls dropped). */
export function statedAttributes(prompt: string | StatedAttributes): StatedAttributes {
  if (typeof prompt === 'string') return parseCaption(prompt).attributes;
  return Object.fromEntries(Object.entries(prompt).filter(([, v]) => v !== null && v !== undefined));
}

export function generationAccuracy(
  prompts: readonly (string | StatedAttributes)[],
  predictions: readonly Record<string, unknown>[],
  { exclude = [] }: { exclude?: readonly string[] } = {},
): GenerationScores {
  if (prompts.length !== predictions.length)
    throw new RangeError(
      `generationAccuracy: ${prompts.length} prompts for ${predictions.length} predictions`,
    );
  const skip = new Set(exclude);
  const byAttr = new Tallies();
  const byGroup = new Tallies();
  let right = 0;
  let total = 0;
  let allOk = 0;
  prompts.forEach((p, i) => {
    let ok = true;
    for (const [name, want] of Object.entries(statedAttributes(p))) {
      if (skip.has(name)) continue;
      const hit = predictions[i][name] === want;
      byAttr.add(name, hit);
      byGroup.add(attributeSpec(name as AttributeName).group, hit);
      total++;
      if (hit) right++;
      else ok = false;
    }
    if (ok) allOk++;
  });
  return {
    overall: tally(right, total),
    allCorrect: tally(allOk, prompts.length),
    byAttribute: byAttr.toJSON(),
    byGroup: byGroup.toJSON(),
    excluded: [...exclude],
  };
}
