// VQA exact-match accuracy, overall, per question kind and per attribute group.
import { type AttributeName, attributeSpec, type QuestionKind } from '@unif2ace/data';
import { Tallies, type Tally, tally } from './tally.js';

export interface VqaItem {
  /** The question's kind and attribute, as data's makeQuestions writes them. */
  kind: QuestionKind | string;
  attr: string;
  /** The reference answer and the model's answer. */
  answer: string;
  prediction: string;
}

export interface VqaScores {
  overall: Tally;
  byKind: Record<string, Tally>;
  byGroup: Record<string, Tally>;
}

/** Lower case, no surrounding space or final punctuation, single spaces: "Yes." == "yes". */
export function normalizeAnswer(s: string): string {
  return s
    .toLowerCase()
    .trim()
    .replace(/[.!?,;:]+$/, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The attribute group a question is about: the taxonomy group of `attr`; 'accessories' for counting;
 * for a comparison of two attributes ('hairColor|background') their groups joined with '+' when they differ.
 */
export function questionGroup(attr: string): string {
  const groups = [
    ...new Set(
      attr.split('|').map((a) => {
        try {
          return attributeSpec(a as AttributeName).group;
        } catch {
          return a;
        }
      }),
    ),
  ];
  return groups.join('+');
}

export function vqaAccuracy(items: readonly VqaItem[]): VqaScores {
  const byKind = new Tallies();
  const byGroup = new Tallies();
  let right = 0;
  items.forEach((it, i) => {
    if (typeof it.answer !== 'string' || typeof it.prediction !== 'string')
      throw new TypeError(`vqaAccuracy: items[${i}] needs string answer and prediction`);
    const ok = normalizeAnswer(it.answer) === normalizeAnswer(it.prediction);
    if (ok) right++;
    byKind.add(it.kind, ok);
    byGroup.add(questionGroup(it.attr), ok);
  });
  return { overall: tally(right, items.length), byKind: byKind.toJSON(), byGroup: byGroup.toJSON() };
}
