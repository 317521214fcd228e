// Faces for training and judging the probe, straight from the renderer: face i of base seed s is
// faceSeed(s, i), and the split is the seed's range (data's splits), so held-out faces never train.
import {
  faceSeed,
  Rng,
  renderFace,
  type Split,
  sampleAttributes,
  splitOf,
  type VisibleAttributes,
  visibleAttributes,
} from '@unif2ace/data';
import type { RgbImage } from '../images.js';

export interface LabelledFace {
  seed: number;
  image: RgbImage;
  record: VisibleAttributes;
}

/** The first `count` face seeds of base seed `seed` that fall in `split`. */
export function splitSeeds(seed: number, split: Split, count: number, start = 0): number[] {
  const out: number[] = [];
  for (let i = start; out.length < count; i++) {
    const s = faceSeed(seed, i);
    if (splitOf(s) === split) out.push(s);
    if (i - start > count * 200 + 1_000_000) throw new Error(`splitSeeds: too few ${split} seeds found`);
  }
  return out;
}

/** The visible attributes (the label) of one seed's face, without rendering it. */
export function faceRecord(seed: number): VisibleAttributes {
  return visibleAttributes(sampleAttributes(Rng.derive(seed, 'attributes')));
}

/** Render the face of one seed with its visible attributes (the label). */
export function renderLabelled(seed: number, size = 64): LabelledFace {
  const attrs = sampleAttributes(Rng.derive(seed, 'attributes'));
  return { seed, image: renderFace(attrs, { size, seed }), record: visibleAttributes(attrs) };
}

/** `count` held-out faces (the test split's seeds, base seed `seed`), rendered at `size`. */
export function heldOutFaces(count: number, { seed = 0, size = 64 }: { seed?: number; size?: number } = {}) {
  return splitSeeds(seed, 'test', count).map((s) => renderLabelled(s, size));
}
