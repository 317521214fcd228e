// Shape checks and per-token weights shared by the losses. Every loss takes logits (or log-scores)
// [B, N, V] or [M, V], clean targets i32 [B, N] / [M] (ids in the logits' columns), and a corruption
// { mask: f32 0/1 like targets, t: one time per row } — maskTokens' result fits as it is.
import { type Tensor, tensor } from '@unif2ace/tensor';
import { checkTimes } from '../mask.js';
import { getSchedule, type MaskSchedule, type ScheduleName } from '../schedules.js';

export interface Corruption {
  /** f32 0/1, the targets' shape: 1 where the token was masked (the loss counts only these). */
  mask: Tensor;
  /** Diffusion time of each row (B values; one for [M] targets). */
  t: ArrayLike<number>;
  /** The schedule that made the mask (maskTokens records it); otherwise opts.schedule. */
  schedule?: MaskSchedule;
}

export interface LossOptions {
  /** [start, end): the image-code columns of a unified vocabulary (as tensor's crossEntropy). Default all. */
  vocabSlice?: [number, number];
  /** Used when the corruption does not carry its schedule. Default 'cosine'. */
  schedule?: ScheduleName | MaskSchedule;
}

/** A loss: its scalar total (mean over masked tokens), named scalar parts, and the per-token values. */
export interface LossResult<P extends string> {
  total: Tensor;
  parts: Record<P, Tensor>;
  /** [B, N] (or [M]): each token's contribution, 0 at unmasked tokens. */
  perToken: Tensor;
}

export interface Prepared {
  x: Tensor; // [M, V]
  y: Tensor; // [M] i32
  mask: Tensor; // [M] f32
  rows: number; // B
  perRow: number; // N
  t: Float64Array;
  schedule: MaskSchedule;
  slice: [number, number];
  shape: number[]; // targets' shape
}

export function prepare(
  where: string,
  logits: Tensor,
  targets: Tensor,
  c: Corruption,
  opts: LossOptions,
): Prepared {
  logits.live(where);
  targets.live(where);
  if (!c?.mask) throw new TypeError(`${where}: the corruption needs { mask, t } (maskTokens' result fits)`);
  c.mask.live(where);
  if (targets.dtype !== 'i32') throw new TypeError(`${where}: targets must be i32, got ${targets.dtype}`);
  if (targets.rank !== 1 && targets.rank !== 2)
    throw new RangeError(`${where}: targets must be [B, N] or [M], got [${targets.shape.join(', ')}]`);
  if (logits.rank !== targets.rank + 1 || targets.shape.some((d, i) => logits.shape[i] !== d))
    throw new RangeError(
      `${where}: logits [${logits.shape.join(', ')}] do not match targets [${targets.shape.join(', ')}] (need [..targets, V])`,
    );
  if (c.mask.shape.join() !== targets.shape.join())
    throw new RangeError(
      `${where}: mask [${c.mask.shape.join(', ')}] is not the targets' shape [${targets.shape.join(', ')}]`,
    );
  if (c.mask.dtype !== 'f32') throw new TypeError(`${where}: mask must be f32 0/1, got ${c.mask.dtype}`);
  const V = logits.shape[logits.rank - 1];
  const slice = opts.vocabSlice ?? [0, V];
  if (
    !(
      Number.isInteger(slice[0]) &&
      Number.isInteger(slice[1]) &&
      slice[0] >= 0 &&
      slice[0] < slice[1] &&
      slice[1] <= V
    )
  )
    throw new RangeError(
      `${where}: vocabSlice [${slice[0]}, ${slice[1]}) is not a non-empty range inside [0, ${V})`,
    );
  const rows = targets.rank === 2 ? targets.shape[0] : 1;
  const perRow = targets.shape[targets.rank - 1];
  const M = rows * perRow;
  return {
    x: logits.reshape([M, V]),
    y: targets.reshape([M]),
    mask: c.mask.reshape([M]),
    rows,
    perRow,
    t: checkTimes(c.t, rows, where),
    schedule: c.schedule ?? getSchedule(opts.schedule),
    slice,
    shape: targets.shape,
  };
}

/** f32 [M]: f(t of the token's row), on the logits' backend. */
export function perToken(p: Prepared, f: (t: number) => number): Tensor {
  const v = new Float32Array(p.rows * p.perRow);
  for (let b = 0; b < p.rows; b++) v.fill(f(p.t[b]), b * p.perRow, (b + 1) * p.perRow);
  return tensor(v, [v.length], { backend: p.x.backend.name });
}

/** Mean over masked tokens of a per-token [M] tensor (0 where unmasked); 0 when nothing is masked. */
export function maskedMean(v: Tensor, mask: Tensor): Tensor {
  return v.sum().div(mask.sum().maximum(1));
}
