// Fused attention (ops.attention) against the composed path (matmul, scale + mask bias, softmax op,
// matmul) on the WebGPU backend, B=1, H=4, Dh=32, seq 128/256/512: forward, and forward + backward.
// Run after `pnpm --filter @unif2ace/tensor build`:
//   node bench/attention.mjs [--reps 5] [--seqs 128,256,512] [--heads 4] [--dh 32]
// `run()` returns rows { name, ms, gflops }: ms per call (median of reps after 2 warm-up calls);
// gflops counts the dense work, 4·B·H·S²·Dh for the forward and 3.5× that for forward + backward
// (FlashAttention's convention), whatever the mask skips, so masked rows show as a higher rate.
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { init, noGrad, ops, tensor, tidy } from '../dist/index.js';

const rnd = (n, seed) => {
  let s = seed >>> 0;
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = (s / 2 ** 32) * 2 - 1;
  }
  return a;
};

/** The composed path: scores = QKᵀ·scale + bias (0 visible, -1e9 masked), softmax, P·V. */
const composed = (q, k, v, bias) => {
  const scale = 1 / Math.sqrt(q.shape[3]);
  let s = ops.matmul(q, ops.transpose(k, -2, -1)).mul(scale);
  if (bias) s = s.add(bias);
  return ops.matmul(ops.softmax(s, -1), v);
};

async function timeIt(be, f, reps) {
  const once = async () => {
    const t0 = performance.now();
    tidy(() => {
      f();
    });
    await be.sync();
    return performance.now() - t0;
  };
  for (let i = 0; i < 2; i++) await once();
  const times = [];
  for (let r = 0; r < reps; r++) times.push(await once());
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

export async function run({ reps = 5, seqs = [128, 256, 512], heads = 4, dh = 32 } = {}) {
  const { backend: be } = await init();
  const out = [];
  for (const S of seqs) {
    const shape = [1, heads, S, dh];
    const n = heads * S * dh;
    const [q, k, v] = [1, 2, 3].map((sd) => tensor(rnd(n, sd), shape, { requiresGrad: true }));
    const g = tensor(rnd(n, 4), shape);
    const causalBias = tensor(
      Float32Array.from({ length: S * S }, (_, i) => (i % S <= Math.floor(i / S) ? 0 : -1e9)),
      [S, S],
    );
    const prefix = ops.prefixBidirectionalMask(S, S >> 1);
    const fwdBwd = (f) => () => {
      f().mul(g).sum().backward();
      for (const t of [q, k, v]) {
        t.grad?.dispose();
        t.grad = null;
      }
    };
    const flops = 4 * heads * S * S * dh;
    const cases = [
      ['fused fwd', flops, () => noGrad(() => ops.attention(q, k, v))],
      ['composed fwd', flops, () => noGrad(() => composed(q, k, v))],
      ['fused causal fwd', flops, () => noGrad(() => ops.attention(q, k, v, { causal: true }))],
      ['composed causal fwd', flops, () => noGrad(() => composed(q, k, v, causalBias))],
      ['fused prefix-mask fwd', flops, () => noGrad(() => ops.attention(q, k, v, { mask: prefix }))],
      ['fused fwd+bwd', 3.5 * flops, fwdBwd(() => ops.attention(q, k, v))],
      ['composed fwd+bwd', 3.5 * flops, fwdBwd(() => composed(q, k, v))],
      ['fused causal fwd+bwd', 3.5 * flops, fwdBwd(() => ops.attention(q, k, v, { causal: true }))],
      ['composed causal fwd+bwd', 3.5 * flops, fwdBwd(() => composed(q, k, v, causalBias))],
      ['fused prefix-mask fwd+bwd', 3.5 * flops, fwdBwd(() => ops.attention(q, k, v, { mask: prefix }))],
    ];
    for (const [name, fl, f] of cases) {
      const ms = await timeIt(be, f, reps);
      out.push({ name: `attention ${name} [1, ${heads}, ${S}, ${dh}]`, ms, gflops: fl / ms / 1e6 });
    }
    for (const t of [q, k, v, g, causalBias, prefix]) t.dispose();
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      reps: { type: 'string', default: '5' },
      seqs: { type: 'string', default: '128,256,512' },
      heads: { type: 'string', default: '4' },
      dh: { type: 'string', default: '32' },
    },
  });
  const rows = await run({
    reps: Number(values.reps),
    seqs: values.seqs.split(',').map(Number),
    heads: Number(values.heads),
    dh: Number(values.dh),
  });
  for (const r of rows)
    console.log(
      `${r.name.padEnd(56)} ${r.ms.toFixed(2).padStart(9)} ms ${r.gflops.toFixed(2).padStart(7)} GFLOP/s`,
    );
}
