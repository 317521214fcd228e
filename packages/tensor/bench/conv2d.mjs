// conv2d / upsample / pool throughput on the WebGPU backend for the VQ tokenizer's typical shapes,
// plus the im2col + matmul alternative for the direct kernel. Run after `pnpm build`:
//   node bench/conv2d.mjs [--reps 5] [--quick]
// `run()` returns rows { name, ms, gflops, cpuMs } (medians of reps per call; gflops from wall ms, 0 for the
// memory-bound rows; cpuMs is this process's CPU time, steadier than wall time on a shared machine).

import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { empty, init, ops, tensor } from '../dist/index.js';

const rnd = (n, seed) => {
  let s = seed >>> 0;
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = (s / 2 ** 32) * 2 - 1;
  }
  return a;
};
const rt = (shape, seed) =>
  tensor(
    rnd(
      shape.reduce((p, d) => p * d, 1),
      seed,
    ),
    shape,
  );

/** Shapes: [name, N, C, H, W, O, k, stride, padding, groups]. */
export const SHAPES = [
  ['N8 64->64 32x32 k3', 8, 64, 32, 32, 64, 3, 1, 1, 1],
  ['N8 3->64 64x64 k3', 8, 3, 64, 64, 64, 3, 1, 1, 1],
  ['N8 64->64 32x32 k3 s2', 8, 64, 32, 32, 64, 3, 2, 1, 1],
  ['N8 64->128 16x16 k3', 8, 64, 16, 16, 128, 3, 1, 1, 1],
  ['N8 64->64 32x32 k1', 8, 64, 32, 32, 64, 1, 1, 0, 1],
  ['N8 64 32x32 depthwise k3', 8, 64, 32, 32, 64, 3, 1, 1, 64],
];

// im2col for the comparison: patches [N·Ho·Wo, C·KH·KW] (zeros outside), then one matmul.
function im2colProgram() {
  return {
    key: 'bench:im2col',
    bindings: [
      { name: 'X', dtype: 'f32', access: 'read' },
      { name: 'OUT', dtype: 'f32', access: 'read_write' },
    ],
    uniforms: ['size', 'C', 'H', 'W', 'K', 'Ho', 'Wo', 'S', 'P'].map((name) => ({ name, type: 'u32' })),
    workgroupSize: [256, 1, 1],
    body: `  let i = wgIndex * 256u + lidx;
  if (i >= u_size()) { return; }
  let K = u_K(); let ck = u_C() * K * K;
  let col = i % ck; let row = i / ck;
  let kx = col % K; let ky = (col / K) % K; let c = col / (K * K);
  let ox = row % u_Wo(); let oy = (row / u_Wo()) % u_Ho(); let n = row / (u_Wo() * u_Ho());
  let iy = i32(oy * u_S() + ky) - i32(u_P()); let ix = i32(ox * u_S() + kx) - i32(u_P());
  let ok = iy >= 0 && iy < i32(u_H()) && ix >= 0 && ix < i32(u_W());
  let src = ((n * u_C() + c) * u_H() + u32(clamp(iy, 0, i32(u_H()) - 1))) * u_W() + u32(clamp(ix, 0, i32(u_W()) - 1));
  OUT[i] = select(0.0, X[src], ok);`,
  };
}

/**
 * Median wall ms per call, and median process CPU ms (lavapipe runs in this process: on a machine shared
 * with other jobs CPU time is the steadier measure; on a quiet 2-core machine wall ≈ cpu / 2).
 */
async function timeIt(be, f, reps) {
  for (let i = 0; i < 2; i++) {
    const outs = [].concat(f());
    await be.sync();
    for (const o of outs) o?.dispose();
  }
  const times = [];
  const cpus = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const outs = [].concat(f());
    await be.sync();
    const c = process.cpuUsage(c0);
    times.push(performance.now() - t0);
    cpus.push((c.user + c.system) / 1000);
    for (const o of outs) o?.dispose();
  }
  const med = (a) => a.sort((p, q) => p - q)[a.length >> 1];
  return { ms: med(times), cpuMs: med(cpus) };
}

export async function run({ reps = 5, quick = false } = {}) {
  const { backend: be } = await init();
  const rows = [];
  const shapes = quick ? SHAPES.slice(0, 2) : SHAPES;
  for (const [name, N, C, H, W, O, k, s, p, groups] of shapes) {
    const x = rt([N, C, H, W], 1);
    const w = rt([O, C / groups, k, k], 2);
    const b = rt([O], 3);
    const Ho = Math.floor((H + 2 * p - k) / s) + 1;
    const Wo = Math.floor((W + 2 * p - k) / s) + 1;
    const flop = 2 * N * O * Ho * Wo * (C / groups) * k * k;
    const opts = { stride: s, padding: p, groups };
    const attrs = { stride: [s, s], padding: [p, p], dilation: [1, 1], groups };
    const g = rt([N, O, Ho, Wo], 4);
    const add = (label, { ms, cpuMs }) =>
      rows.push({ name: `${label} ${name}`, ms, gflops: flop / ms / 1e6, cpuMs });
    add('conv2d fwd', await timeIt(be, () => ops.conv2d(x, w, b, opts), reps));
    if (groups === 1) {
      add('im2col+matmul fwd', await timeIt(be, () => im2colConvRun(be, x, w, k, s, p), reps));
    }
    add(
      'conv2d dx',
      await timeIt(be, () => ops.kernel('conv2dBackwardInput', [g, w], { ...attrs, inShape: x.shape }), reps),
    );
    add(
      'conv2d dw',
      await timeIt(be, () => ops.kernel('conv2dBackwardFilter', [x, g], { ...attrs, wShape: w.shape }), reps),
    );
    if (name === SHAPES[0][0]) {
      // One training step of the layer through autograd: forward, then dx, dw and db (3× the forward FLOPs).
      const xg = rt([N, C, H, W], 1);
      const wg = rt([O, C / groups, k, k], 2);
      const bg = rt([O], 3);
      for (const t of [xg, wg, bg]) t.requiresGrad_(true);
      const step = () => {
        const y = ops.conv2d(xg, wg, bg, opts);
        y.backward(g);
        const grads = [xg.grad, wg.grad, bg.grad];
        for (const t of [xg, wg, bg]) t.grad = null;
        return [y, ...grads];
      };
      const r = await timeIt(be, step, reps);
      rows.push({
        name: `conv2d fwd+bwd (autograd) ${name}`,
        ms: r.ms,
        gflops: (3 * flop) / r.ms / 1e6,
        cpuMs: r.cpuMs,
      });
      for (const t of [xg, wg, bg]) t.dispose();
    }
    for (const t of [x, w, b, g]) t.dispose();
  }
  const u = rt([8, 64, 32, 32], 5);
  rows.push({
    name: 'upsampleNearest x2 [8,64,32,32]',
    ...(await timeIt(be, () => ops.upsampleNearest(u, 2), reps)),
    gflops: 0,
  });
  rows.push({
    name: 'avgPool2d 2/2 [8,64,32,32]',
    ...(await timeIt(be, () => ops.avgPool2d(u, 2), reps)),
    gflops: 0,
  });
  u.dispose();
  return rows;
}

function im2colConvRun(be, x, w, k, s, p) {
  const [N, C, H, W] = x.shape;
  const O = w.shape[0];
  const Ho = Math.floor((H + 2 * p - k) / s) + 1;
  const Wo = Math.floor((W + 2 * p - k) / s) + 1;
  const size = N * Ho * Wo * C * k * k;
  const cols = empty([N * Ho * Wo, C * k * k], 'f32', 'webgpu');
  const wg = Math.ceil(size / 256);
  const gy = Math.ceil(wg / 65535);
  be.run(
    im2colProgram(),
    [x.storage.handle, cols.storage.handle],
    { size, C, H, W, K: k, Ho, Wo, S: s, P: p },
    [Math.ceil(wg / gy), gy, 1],
  );
  const wm = ops.transpose(ops.reshape(w, [O, C * k * k]), 0, 1);
  const y = ops.matmul(cols, wm);
  const r = ops.reshape(y, [N, Ho, Wo, O]);
  const pm = ops.permute(r, [0, 3, 1, 2]);
  const out = ops.contiguous(pm);
  for (const t of [cols, wm, y, r, pm]) if (t !== out) t.dispose();
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { reps: { type: 'string', default: '5' }, quick: { type: 'boolean', default: false } },
  });
  const rows = await run({ reps: Number(values.reps), quick: values.quick });
  for (const r of rows) {
    const gf = r.gflops ? `${r.gflops.toFixed(2).padStart(7)} GFLOP/s` : ''.padStart(15);
    console.log(
      `${r.name.padEnd(44)} ${r.ms.toFixed(1).padStart(8)} ms ${gf}   cpu ${r.cpuMs.toFixed(1).padStart(8)} ms`,
    );
  }
}
