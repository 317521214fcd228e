// Per-layer conv2d timing vs an equivalent matmul (sizing script).
import { init, ops, tensor, tidy } from '@unif2ace/tensor';

await init({ backend: 'wasm', wasm: { threads: Number(process.env.THREADS ?? 2) } });
const B = 32;
const rnd = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 0.5);
const cases = [
  [3, 24, 64, 4, 2],
  [24, 48, 32, 3, 2],
  [48, 48, 16, 3, 1],
  [48, 96, 16, 3, 2],
  [96, 96, 8, 3, 1],
  [24, 24, 32, 3, 1],
];
for (const [ci, co, s, k, st] of cases) {
  const x = tensor(rnd(B * ci * s * s), [B, ci, s, s]);
  const w = tensor(rnd(co * ci * k * k), [co, ci, k, k]);
  const run = () => tidy(() => ops.conv2d(x, w, null, { stride: st, padding: 1 })).dataSync();
  run();
  let t0 = performance.now();
  for (let i = 0; i < 3; i++) run();
  const ms = (performance.now() - t0) / 3;
  const os = Math.floor((s + 2 - k) / st) + 1;
  const flops = 2 * B * os * os * co * ci * k * k;
  // the same GEMM: [B*os*os, ci*k*k] x [ci*k*k, co]
  const a = tensor(rnd(B * os * os * ci * k * k), [B * os * os, ci * k * k]);
  const bm = tensor(rnd(ci * k * k * co), [ci * k * k, co]);
  const mm = () => tidy(() => a.matmul(bm)).dataSync();
  mm();
  t0 = performance.now();
  for (let i = 0; i < 3; i++) mm();
  const mms = (performance.now() - t0) / 3;
  console.log(
    `${ci}->${co} ${s}px k${k}s${st}: conv ${ms.toFixed(1)} ms ${(flops / ms / 1e6).toFixed(1)} GF/s | gemm ${mms.toFixed(1)} ms ${(flops / mms / 1e6).toFixed(1)} GF/s`,
  );
}
