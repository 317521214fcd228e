// The WASM grouped matmul (ops.groupedMatmul: E experts' row blocks times their own weights, one call)
// against the packed matmul on the same total size, side by side in one process on init({ backend:
// 'auto' }) (WASM here: relaxed-SIMD FMA, the default threads). Rows: x [N, D] @ w [D, H] as one matmul
// vs N rows split into E groups (balanced, and ragged: sizes drawn 0.25×…1.75× the mean, some empty) times
// w [E, D, H]; forward, and the backward's two products (dx = g wᵀ, dw = xᵀ g) against matmul's.
// Reps alternate between the two so host load hits both alike; medians after warm-up.
// Run after `pnpm --filter @unif2ace/tensor build`:
//   node packages/tensor/bench/grouped-matmul.mjs [--N 8192] [--D 256] [--H 512] [--E 4,8,16,32] [--reps 7] [--json FILE]
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    N: { type: 'string', default: '8192' },
    D: { type: 'string', default: '256' },
    H: { type: 'string', default: '512' },
    E: { type: 'string', default: '4,8,16,32' },
    reps: { type: 'string', default: '7' },
    json: { type: 'string' },
  },
});
const t = await import(new URL('../dist/index.js', import.meta.url).href);
const info = await t.init({ backend: 'auto' });
const [N, D, H, reps] = [args.N, args.D, args.H, args.reps].map(Number);
const Es = args.E.split(',').map(Number);

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const gf = (ms) => (2 * N * D * H) / ms / 1e6;

function sizes(E, ragged) {
  if (!ragged)
    return Array.from({ length: E }, (_, e) => Math.floor((N * (e + 1)) / E) - Math.floor((N * e) / E));
  let s = 12345;
  const w = Array.from({ length: E }, (_, e) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return e % 7 === 3 ? 0 : 0.25 + 1.5 * (s / 2 ** 32);
  });
  const tot = w.reduce((a, b) => a + b, 0);
  const out = w.map((v) => Math.floor((v / tot) * N));
  out[E - 1] += N - out.reduce((a, b) => a + b, 0);
  return out;
}

/** Alternating timed calls of each f (ms, median of reps after 2 warm-ups). */
function race(fs) {
  const times = fs.map(() => []);
  for (let r = 0; r < reps + 2; r++) {
    fs.forEach((f, i) => {
      const t0 = performance.now();
      const out = f();
      const ms = performance.now() - t0;
      for (const o of [out].flat()) o.dispose();
      if (r >= 2) times[i].push(ms);
    });
  }
  return times.map(median);
}

const x = t.randn([N, D]);
const g = t.randn([N, H]);
const w = t.randn([D, H]);
const rows = [];
console.log(`backend ${info.backend.name} (${info.reason}); x [${N}, ${D}] -> [${N}, ${H}]; GFLOP/s, ms`);
for (const E of Es) {
  for (const ragged of [false, true]) {
    const sz = sizes(E, ragged);
    const off = [0];
    for (const s of sz) off.push(off[off.length - 1] + s);
    const offsets = t.tensor(Int32Array.from(off), [E + 1], { dtype: 'i32' });
    const we = t.randn([E, D, H]);
    const wt = t.ops.transpose(w, 0, 1);
    const [mmF, gmF, mmDx, gmDx, mmDw, gmDw] = race([
      () => t.ops.matmul(x, w),
      () => t.ops.groupedMatmul(x, we, offsets),
      () => t.ops.matmul(g, wt),
      () => t.ops.kernel('groupedMatmul', [g, we, offsets], { transB: true }),
      () => t.ops.matmul(t.ops.transpose(x, 0, 1), g),
      () => t.ops.kernel('groupedMatmulWgrad', [x, g, offsets], { E }),
    ]);
    for (const [pass, mm, gm] of [
      ['forward', mmF, gmF],
      ['dx', mmDx, gmDx],
      ['dw', mmDw, gmDw],
    ]) {
      const row = {
        E,
        groups: ragged ? 'ragged' : 'balanced',
        pass,
        matmulMs: +mm.toFixed(2),
        groupedMs: +gm.toFixed(2),
        matmulGflops: +gf(mm).toFixed(1),
        groupedGflops: +gf(gm).toFixed(1),
        ratio: +(mm / gm).toFixed(3),
      };
      rows.push(row);
      console.log(
        `E=${String(E).padStart(2)} ${row.groups.padEnd(8)} ${pass.padEnd(7)} matmul ${row.matmulGflops} GFLOP/s (${row.matmulMs} ms)  grouped ${row.groupedGflops} GFLOP/s (${row.groupedMs} ms)  grouped/matmul ${row.ratio}`,
      );
    }
    offsets.dispose();
    we.dispose();
    wt.dispose();
  }
}
if (args.json) writeFileSync(args.json, `${JSON.stringify(rows, null, 2)}\n`);
await info.backend.close?.();
