// CPU reference for the sparse-MoE kernels (ops/grouped.ts): the grouped matmul and its weight gradient,
// and the stable counting sort. Offsets are clamped to [0, N] and a decreasing pair is an empty group.
import { type Attrs, registerKernel } from '../../kernels/registry.js';
import { empty, type Tensor } from '../../tensor.js';
import { arr, finish } from './util.js';

/** [start, end) rows of each group, clamped (shared by the reference kernels and their tests). */
export function groupRanges(offsets: ArrayLike<number>, base: number, E: number, N: number): number[][] {
  const r: number[][] = [];
  for (let e = 0; e < E; e++) {
    const s = Math.min(Math.max(offsets[base + e], 0), N);
    const t = Math.min(Math.max(offsets[base + e + 1], s), N);
    r.push([s, t]);
  }
  return r;
}

// x [N, K]; w [E, K, H] (transB false) or [E, H, K] read transposed (transB true) -> [N, H]
registerKernel('groupedMatmul', 'cpu', ([x, w, off]: Tensor[], a: Attrs) => {
  const transB = a.transB as boolean;
  const [N, K] = x.shape;
  const [E, P, Q] = w.shape;
  const H = transB ? P : Q;
  const out = empty([N, H], x.dtype, 'cpu');
  const o = arr(out);
  o.fill(0);
  const xs = arr(x);
  const ws = arr(w);
  const ranges = groupRanges(arr(off), off.offset, E, N);
  for (let e = 0; e < E; e++) {
    const wb = w.offset + e * P * Q;
    for (let n = ranges[e][0]; n < ranges[e][1]; n++) {
      for (let h = 0; h < H; h++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += xs[x.offset + n * K + k] * ws[wb + (transB ? h * Q + k : k * Q + h)];
        o[n * H + h] = s;
      }
    }
  }
  return finish(out);
});

// dw[e] = x[rows of e]ᵀ @ dy[rows of e]: x [N, D], dy [N, H] -> [E, D, H]
registerKernel('groupedMatmulWgrad', 'cpu', ([x, dy, off]: Tensor[], a: Attrs) => {
  const E = a.E as number;
  const [N, D] = x.shape;
  const H = dy.shape[1];
  const out = empty([E, D, H], x.dtype, 'cpu');
  const o = arr(out);
  const xs = arr(x);
  const gs = arr(dy);
  const ranges = groupRanges(arr(off), off.offset, E, N);
  for (let e = 0; e < E; e++) {
    for (let d = 0; d < D; d++) {
      for (let h = 0; h < H; h++) {
        let s = 0;
        for (let n = ranges[e][0]; n < ranges[e][1]; n++)
          s += xs[x.offset + n * D + d] * gs[dy.offset + n * H + h];
        o[(e * D + d) * H + h] = s;
      }
    }
  }
  return finish(out);
});

// keys i32 [N], caps i32 [buckets] (negative: unlimited) -> [order i32 [N], offsets i32 [buckets + 1]]
registerKernel('countingSort', 'cpu', ([keys, caps]: Tensor[], a: Attrs) => {
  const V = a.buckets as number;
  const cs = arr(caps);
  const capOf = (b: number) => cs[caps.offset + b];
  const N = keys.size;
  const ks = arr(keys);
  const order = empty([N], 'i32', 'cpu');
  const offsets = empty([V + 1], 'i32', 'cpu');
  const os = arr(order);
  const st = arr(offsets);
  const count = new Int32Array(V);
  const bucketOf = (i: number) => {
    const k = ks[keys.offset + i];
    return k >= 0 && k < V ? k : -1;
  };
  for (let i = 0; i < N; i++) {
    const b = bucketOf(i);
    if (b >= 0 && (capOf(b) < 0 || count[b] < capOf(b))) count[b]++;
  }
  let run = 0;
  for (let b = 0; b < V; b++) {
    st[b] = run;
    run += count[b];
  }
  st[V] = run;
  const next = Int32Array.from(st.subarray(0, V));
  let tail = run;
  for (let i = 0; i < N; i++) {
    const b = bucketOf(i);
    if (b >= 0 && next[b] < st[b + 1]) os[next[b]++] = i;
    else os[tail++] = i;
  }
  return [order, offsets];
});
