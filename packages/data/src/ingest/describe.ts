// Captions and VQA for ingested photos from the package's caption grammar and question templates.
// Real-photo records have many unknown (null) attributes; the question templates also cover attributes
// the synthetic set always shows (background, pose, accessories), so every question that touches an
// unknown attribute is dropped here: a record never answers what its labels do not tell.
import { makeCaption } from '../captions/index.js';
import { Rng } from '../random.js';
import { ACCESSORIES, type AttributeName, type VisibleAttributes } from '../taxonomy/index.js';
import type { QA } from '../vqa/index.js';
import { makeQuestions } from '../vqa/index.js';
import type { Describe } from './ingest.js';

/** The attributes a question depends on are all known. */
export function questionIsKnown(qa: Pick<QA, 'attr'>, attrs: VisibleAttributes): boolean {
  const names = qa.attr === 'accessories' ? ACCESSORIES : (qa.attr.split('|') as AttributeName[]);
  return names.every((n) => attrs[n] !== null && attrs[n] !== undefined);
}

export const describeAttributes: Describe = (attrs, seed) => {
  const rng = new Rng(seed);
  const known = Object.values(attrs).filter((v) => v !== null).length;
  const cap = known > 0 ? makeCaption(attrs, rng, { minWords: Math.min(40, 4 * known) }) : undefined;
  const qa: QA[] = [];
  // Ask more than needed and keep the first 8 that only touch known attributes. With few known attributes
  // the full template plan can fail (no colour or kind to ask about); then ask yes/no questions only
  // (the first four steps of the plan) in several rounds.
  let count = 16;
  for (let round = 0; round < 10 && qa.length < 8; round++) {
    let batch: QA[];
    try {
      batch = makeQuestions(attrs, rng, { count });
    } catch {
      if (count === 4) break;
      count = 4;
      continue;
    }
    for (const x of batch) {
      if (qa.length < 8 && questionIsKnown(x, attrs) && !qa.some((y) => y.q === x.q)) qa.push(x);
    }
  }
  return {
    caption: cap?.text ?? '',
    mentioned: cap?.mentioned ?? [],
    qa: qa.map(({ q, a, kind, attr }) => ({ q, a, kind, attr })),
  };
};
