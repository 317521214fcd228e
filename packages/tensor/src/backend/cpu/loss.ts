// CPU reference for cross-entropy over logits [N, V] restricted to the columns [start, end) (K = end - start
// classes), targets i32 [N] holding absolute ids. With smoothing ε, per row:
//   loss = (1-ε)·(lse - x_t) + ε·(lse - Σ_j x_j / K),   lse = log Σ_j exp(x_j) over the slice,
// 0 for rows whose target is ignoreIndex. 'mean' divides the sum by the number of non-ignored rows (torch).
// Backward: dx_j = scale·(softmax_j - ε/K - (1-ε)·[j = t]) inside the slice, 0 outside and on ignored rows.
import { targetOutOfRange } from '../../kernels/range-errors.js';
import { type Attrs, registerKernel } from '../../kernels/registry.js';
import { empty, type Tensor } from '../../tensor.js';
import { arr, finish } from './util.js';

interface CeAttrs {
  ignoreIndex: number;
  labelSmoothing: number;
  start: number;
  end: number;
  reduction: 'mean' | 'sum' | 'none';
}

registerKernel('crossEntropy', 'cpu', ([logits, targets], at: Attrs) => {
  const a = at as unknown as CeAttrs;
  const [N, V] = logits.shape;
  const K = a.end - a.start;
  const eps = a.labelSmoothing;
  const xs = arr(logits);
  const ts = arr(targets);
  const rowLoss = new Float64Array(N);
  const lse = empty([N], 'f32', 'cpu');
  const ls = arr(lse);
  let count = 0;
  for (let r = 0; r < N; r++) {
    const b = logits.offset + r * V;
    let m = Number.NEGATIVE_INFINITY;
    for (let j = a.start; j < a.end; j++) m = Math.max(m, xs[b + j]);
    let s = 0;
    let sx = 0;
    for (let j = a.start; j < a.end; j++) {
      s += Math.exp(xs[b + j] - m);
      sx += xs[b + j];
    }
    const l = m + Math.log(s);
    ls[r] = l;
    const t = ts[targets.offset + r];
    if (t === a.ignoreIndex) continue;
    if (t < a.start || t >= a.end) {
      throw targetOutOfRange(t, r, a);
    }
    count++;
    rowLoss[r] = (1 - eps) * (l - xs[b + t]) + eps * (l - sx / K);
  }
  let out: Tensor;
  if (a.reduction === 'none') {
    out = empty([N], 'f32', 'cpu');
    arr(out).set(rowLoss);
  } else {
    out = empty([], 'f32', 'cpu');
    const total = rowLoss.reduce((p, v) => p + v, 0);
    arr(out)[0] = a.reduction === 'sum' ? total : total / count;
  }
  const cnt = empty([1], 'f32', 'cpu');
  arr(cnt)[0] = count;
  return [out, lse, cnt];
});

registerKernel('crossEntropyBackward', 'cpu', ([logits, targets, lse, g, cnt], at: Attrs) => {
  const a = at as unknown as CeAttrs;
  const [N, V] = logits.shape;
  const K = a.end - a.start;
  const eps = a.labelSmoothing;
  const dx = empty([N, V], logits.dtype, 'cpu');
  const [o, xs, ts, ls, gs] = [arr(dx), arr(logits), arr(targets), arr(lse), arr(g)];
  o.fill(0);
  for (let r = 0; r < N; r++) {
    const t = ts[targets.offset + r];
    if (t === a.ignoreIndex) continue;
    const scale =
      a.reduction === 'none'
        ? gs[g.offset + r]
        : a.reduction === 'sum'
          ? gs[g.offset]
          : gs[g.offset] / arr(cnt)[cnt.offset];
    const b = logits.offset + r * V;
    for (let j = a.start; j < a.end; j++) {
      const p = Math.exp(xs[b + j] - ls[lse.offset + r]);
      o[r * V + j] = scale * (p - eps / K - (j === t ? 1 - eps : 0));
    }
  }
  return finish(dx);
});
