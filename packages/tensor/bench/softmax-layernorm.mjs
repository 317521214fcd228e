// Fused softmax / layer norm against the composed paths they replaced, over [4096, 1024] on the WebGPU
// backend: forward, and forward + backward. Run after `pnpm --filter @unif2ace/tensor build`:
//   node bench/softmax-layernorm.mjs [--reps 5] [--rows 4096] [--cols 1024]
// Extra rows (on from the CLI unless --no-extras; run({ extras: true }) from code): embedding fwd+bwd with
// the deterministic sorted backward against indexSelect's CAS-atomic scatter, and fused cross-entropy.
// `run()` returns rows { name, ms } (ms per call, median of reps after 2 warm-up calls).
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { init, noGrad, ops, tensor, tidy } from '../dist/index.js';

const rnd = (n, seed) => {
  let s = seed >>> 0;
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = (s / 2 ** 32) * 8 - 4;
  }
  return a;
};

// The composed paths as they were before the fused kernels (ops/nn.ts softmax; layer norm from primitives).
const composedSoftmax = (x) => {
  const e = ops.sub(x, ops.max(x.detach(), -1, true)).exp();
  return e.div(ops.sum(e, -1, true));
};
const composedLayerNorm = (x, w, b, eps = 1e-5) => {
  const m = ops.mean(x, -1, true);
  const d = ops.sub(x, m);
  const v = ops.mean(d.square(), -1, true);
  return d.mul(v.add(eps).rsqrt()).mul(w).add(b);
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

export async function run({ reps = 5, rows = 4096, cols = 1024, extras = false } = {}) {
  const { backend: be } = await init();
  const shape = [rows, cols];
  const tag = `[${rows}, ${cols}]`;
  const x = tensor(rnd(rows * cols, 1), shape, { requiresGrad: true });
  const g = tensor(rnd(rows * cols, 2), shape);
  const w = tensor(rnd(cols, 3), [cols], { requiresGrad: true });
  const b = tensor(rnd(cols, 4), [cols], { requiresGrad: true });
  // Backward from a given output gradient (no loss reduction in the timing).
  const fwdBwd = (f) => () => {
    f().backward(g);
    for (const t of [x, w, b]) {
      t.grad?.dispose();
      t.grad = null;
    }
  };
  const cases = [
    ['softmax fused fwd', () => noGrad(() => ops.softmax(x))],
    ['softmax composed fwd', () => noGrad(() => composedSoftmax(x))],
    ['softmax fused fwd+bwd', fwdBwd(() => ops.softmax(x))],
    ['softmax composed fwd+bwd', fwdBwd(() => composedSoftmax(x))],
    ['layerNorm fused fwd', () => noGrad(() => ops.layerNorm(x, w, b))],
    ['layerNorm composed fwd', () => noGrad(() => composedLayerNorm(x, w, b))],
    ['layerNorm fused fwd+bwd', fwdBwd(() => ops.layerNorm(x, w, b))],
    ['layerNorm composed fwd+bwd', fwdBwd(() => composedLayerNorm(x, w, b))],
  ];
  const out = [];
  for (const [name, f] of cases) {
    const ms = await timeIt(be, f, reps);
    out.push({ name: `${name} ${tag}`, ms });
  }
  for (const t of [x, g, w, b]) t.dispose();
  if (extras) out.push(...(await extraRows(be, reps)));
  return out;
}

/** Embedding backward (sorted, deterministic vs the CAS-atomic scatter of indexSelect) and cross-entropy. */
async function extraRows(be, reps) {
  const [T, V, D] = [8192, 4096, 256];
  const ids = new Int32Array(T);
  for (let i = 0; i < T; i++) ids[i] = Math.floor(V * ((i * 0.618034) % 1) ** 3); // skewed, many repeats
  const idt = tensor(ids, [T], { dtype: 'i32' });
  const emb = tensor(rnd(V * D, 5), [V, D], { requiresGrad: true });
  const ge = tensor(rnd(T * D, 6), [T, D]);
  const [N, C] = [2048, 4096];
  const logits = tensor(rnd(N * C, 7), [N, C], { requiresGrad: true });
  const tg = tensor(
    Int32Array.from({ length: N }, (_, i) => (i * 7919) % C),
    [N],
    { dtype: 'i32' },
  );
  const bwd = (t, f) => () => {
    f();
    t.grad?.dispose();
    t.grad = null;
  };
  const rows = [
    [
      `embedding fused fwd+bwd [${T} ids, V ${V}, D ${D}]`,
      bwd(emb, () => ops.embedding(emb, idt).backward(ge)),
    ],
    [
      `indexSelect+scatterAdd fwd+bwd [${T} ids, V ${V}, D ${D}]`,
      bwd(emb, () => ops.indexSelect(emb, 0, idt).backward(ge)),
    ],
    [`crossEntropy fused fwd [${N}, ${C}]`, () => noGrad(() => ops.crossEntropy(logits, tg))],
    [`crossEntropy fused fwd+bwd [${N}, ${C}]`, bwd(logits, () => ops.crossEntropy(logits, tg).backward())],
  ];
  const out = [];
  for (const [name, f] of rows) out.push({ name, ms: await timeIt(be, f, reps) });
  for (const t of [idt, emb, ge, logits, tg]) t.dispose();
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      reps: { type: 'string', default: '5' },
      rows: { type: 'string', default: '4096' },
      cols: { type: 'string', default: '1024' },
      'no-extras': { type: 'boolean', default: false },
    },
  });
  const rows = await run({
    reps: +values.reps,
    rows: +values.rows,
    cols: +values.cols,
    extras: !values['no-extras'],
  });
  for (const r of rows) console.log(`${r.name.padEnd(60)} ${r.ms.toFixed(2).padStart(9)} ms`);
  process.exit(0);
}
