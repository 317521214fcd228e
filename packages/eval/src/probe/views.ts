// Test-time views: the probe's answer averaged over a few 1-pixel shifts of each face. A 64 px face puts an
// eyebrow or a lip line on one or two pixel rows, so where it falls against the stride-2 stem's grid moves the
// logits; averaging the heads' softmax over the shifts cancels that (+0.4 points overall on 2000 held-out
// faces, most on age, expression, nose size and skin texture; bench/views.ts, which also times it).
import { type Tensor, tensor } from '@unif2ace/tensor';
import type { HeadLayout } from './heads.js';

/** A pixel shift (dx, dy) of the input: out(x, y) = in(clamp(x - dx), clamp(y - dy)). */
export type View = readonly [number, number];

/** The unshifted face and its four 1-pixel neighbours: what new probes record in config.json `views`. */
export const CROSS_VIEWS: readonly View[] = [
  [0, 0],
  [1, 0],
  [-1, 0],
  [0, 1],
  [0, -1],
];

/** Throws a clear error unless `views` is a non-empty list of integer shifts of at most 4 pixels. */
export function validateViews(views: unknown, where: string): readonly View[] {
  if (!Array.isArray(views) || views.length === 0)
    throw new Error(`${where}: views must be a non-empty array of [dx, dy] pixel shifts`);
  views.forEach((v, i) => {
    if (!Array.isArray(v) || v.length !== 2 || !v.every((d) => Number.isInteger(d) && Math.abs(d) <= 4))
      throw new Error(
        `${where}: views[${i}] is ${JSON.stringify(v)}, expected [dx, dy] with integers in -4..4`,
      );
  });
  return views as View[];
}

/** Shift a [B, C, H, W] batch by whole pixels with the edges replicated (a gather along H and W). */
export function shiftBatch(x: Tensor, [dx, dy]: View): Tensor {
  if (x.rank !== 4) throw new RangeError(`shiftBatch: expected [B, C, H, W], got [${x.shape.join(', ')}]`);
  const [, , h, w] = x.shape;
  const along = (n: number, d: number) =>
    tensor(
      Int32Array.from({ length: n }, (_, i) => Math.min(n - 1, Math.max(0, i - d))),
      [n],
    );
  const ix = along(w, dx);
  const iy = along(h, dy);
  const a = dx === 0 ? x : x.indexSelect(3, ix);
  const b = dy === 0 ? a : a.indexSelect(2, iy);
  if (a !== x && a !== b) a.dispose();
  ix.dispose();
  iy.dispose();
  return b;
}

/** Add each head's softmax of `logits` rows (width layout.width) into `into`, scaled by `weight`. */
export function addHeadSoftmax(
  layout: HeadLayout,
  logits: ArrayLike<number>,
  into: Float32Array,
  weight: number,
): void {
  const rows = logits.length / layout.width;
  for (let r = 0; r < rows; r++)
    for (const h of layout.heads) {
      const o = r * layout.width + h.offset;
      const n = h.classes.length;
      let m = -Infinity;
      for (let k = 0; k < n; k++) m = Math.max(m, logits[o + k]);
      let z = 0;
      for (let k = 0; k < n; k++) z += Math.exp(logits[o + k] - m);
      for (let k = 0; k < n; k++) into[o + k] += (weight * Math.exp(logits[o + k] - m)) / z;
    }
}
