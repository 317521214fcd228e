// One synthetic sample: attributes, image, caption and questions, all derived from (seed, index).
import { makeCaption } from './captions/grammar.js';
import { encodePng } from './png/encode.js';
import { faceSeed, Rng } from './random.js';
import { renderFace } from './renderer/render.js';
import { type Split, splitOf } from './splits.js';
import { sampleAttributes } from './taxonomy/sample.js';
import { TAXONOMY_VERSION } from './taxonomy/taxonomy.js';
import type { AttributeName, FaceAttributes, VisibleAttributes } from './taxonomy/types.js';
import { visibleAttributes } from './taxonomy/visibility.js';
import { makeQuestions, type QA } from './vqa/questions.js';

export interface FaceRecord {
  id: string;
  index: number;
  /** The face seed: the face is a pure function of it. */
  seed: number;
  split: Split;
  taxonomy: string;
  size: number;
  /** What the image shows; null = not visible. */
  attributes: VisibleAttributes;
  caption: string;
  /** Attributes the caption mentions. */
  mentioned: AttributeName[];
  qa: QA[];
  /** Held-out phrasings (validation and test faces only), for paraphrase-robustness evaluation. */
  heldout?: { caption: string; qa: QA[] };
}

export interface FaceSample {
  key: string;
  record: FaceRecord;
  full: FaceAttributes;
  rgb: Uint8Array;
}

/** Key of face `index`: digits only, so WebDataset keys contain no dots. */
export function faceKey(index: number): string {
  return String(index).padStart(8, '0');
}

export function makeFaceSample(baseSeed: number, index: number, size = 64): FaceSample {
  const seed = faceSeed(baseSeed, index);
  const full = sampleAttributes(Rng.derive(seed, 'attributes'));
  const attributes = visibleAttributes(full);
  const { rgb } = renderFace(full, { size, seed });
  const caption = makeCaption(attributes, Rng.derive(seed, 'caption'), { phrasing: 'train' });
  const qa = makeQuestions(attributes, Rng.derive(seed, 'questions'), { phrasing: 'train' });
  const split = splitOf(seed);
  const key = faceKey(index);
  const record: FaceRecord = {
    id: key,
    index,
    seed,
    split,
    taxonomy: TAXONOMY_VERSION,
    size,
    attributes,
    caption: caption.text,
    mentioned: caption.mentioned,
    qa,
  };
  if (split !== 'train') {
    record.heldout = {
      caption: makeCaption(attributes, Rng.derive(seed, 'caption-heldout'), { phrasing: 'heldout' }).text,
      qa: makeQuestions(attributes, Rng.derive(seed, 'questions-heldout'), { phrasing: 'heldout' }),
    };
  }
  return { key, record, full, rgb };
}

const encoder = new TextEncoder();

/** The files of a sample in a shard: `png` and `json` (`deflate` as in encodePng). */
export function encodeFaceSample(
  s: FaceSample,
  deflate?: (data: Uint8Array) => Uint8Array,
): { png: Uint8Array; json: Uint8Array } {
  const size = s.record.size;
  return { png: encodePng(s.rgb, size, size, { deflate }), json: encoder.encode(JSON.stringify(s.record)) };
}
