// The WASM SIMD backend's matmul against our WGSL matmul on the WebGPU adapter (lavapipe here), in one run:
// f32 n×n @ n×n for n in 256…2048, WASM with 1 and 2 threads, with plain SIMD128 (stock Node, no flags)
// and with relaxed-SIMD FMA (a child `node --experimental-wasm-relaxed-simd`: Node 20 has it behind a flag).
// Every WASM variant runs in its own child process (the backend's options are fixed per process).
// Run after `pnpm --filter @unif2ace/tensor build`:
//   node bench/wasm.mjs [--sizes 256,512,1024,2048] [--reps 5] [--no-fma] [--no-webgpu]
// The host is shared: next to wall-clock GFLOP/s the table gives GFLOP per CPU-second of the process
// (process.cpuUsage, which counts lavapipe's and our worker threads), which load from others distorts less.
// `run()` returns rows { name, n, ms, gflops, cpuGflops } (ms per call: median of reps after 2 warm-up calls; the time
// includes packing and the output allocation) plus ratio rows { name, n, ratio, cpuRatio }.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const self = fileURLToPath(import.meta.url);
const DIST = new URL('../dist/index.js', import.meta.url).href;

const VARIANTS = [
  { name: 'wasm simd128 1 thread', threads: 1, fma: false, rowKernels: true },
  { name: 'wasm simd128 2 threads', threads: 2, fma: false },
  { name: 'wasm fma 1 thread', threads: 1, fma: true },
  { name: 'wasm fma 2 threads', threads: 2, fma: true },
];

const rnd = (n, seed) => {
  let s = seed >>> 0;
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = (s / 2 ** 32) * 2 - 1;
  }
  return a;
};
const gflops = (n, ms) => (2 * n ** 3) / ms / 1e6;
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
/** Fewer repetitions for big sizes: a size costs a few seconds at most. */
const repsFor = (n, reps) => Math.max(2, Math.min(reps, Math.round(reps * (1024 / n) ** 2)));

async function timeMatmul(t, n, reps, sync) {
  const a = t.tensor(rnd(n * n, 1), [n, n]);
  const b = t.tensor(rnd(n * n, 2), [n, n]);
  const once = async () => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const c = t.ops.matmul(a, b);
    await sync();
    const ms = performance.now() - t0;
    const cu = process.cpuUsage(c0);
    c.dispose();
    return { ms, cpuMs: (cu.user + cu.system) / 1000 };
  };
  for (let i = 0; i < 2; i++) await once();
  const times = [];
  for (let r = 0; r < repsFor(n, reps); r++) times.push(await once());
  a.dispose();
  b.dispose();
  return { ms: median(times.map((x) => x.ms)), cpuMs: median(times.map((x) => x.cpuMs)) };
}

/** ms per call (median of reps after 2 warm-ups) of f() on the current default backend; f returns tensors. */
function timeSync(t, f, reps) {
  const once = () => {
    const t0 = performance.now();
    const out = f();
    const ms = performance.now() - t0;
    for (const o of [out].flat()) o.dispose();
    return ms;
  };
  for (let i = 0; i < 2; i++) once();
  return median(Array.from({ length: reps }, once));
}

/** Row kernels with a WASM version against the CPU reference (plain TS), same process. */
async function rowKernels(t, reps) {
  const rows = [];
  const R = 1024;
  const C = 1024;
  for (const be of ['wasm', 'cpu']) {
    await t.init({ backend: be });
    const x = t.tensor(rnd(R * C, 3), [R, C]);
    const w = t.tensor(rnd(C, 4), [C]);
    const b = t.tensor(rnd(C, 5), [C]);
    const p = t.tensor(rnd(R * C, 6), [R * C]);
    const g = t.tensor(rnd(R * C, 7), [R * C]);
    const m = t.zeros([R * C]);
    const v = t.zeros([R * C]);
    const cases = [
      [`softmax [${R}, ${C}]`, () => t.ops.softmax(x, -1)],
      [`layerNorm [${R}, ${C}] (w, b)`, () => t.ops.layerNorm(x, w, b)],
      [
        `adamw step ${R * C} params`,
        () => {
          t.ops.adamwStep([p], [g], [m], [v], { lr: 1e-3, step: 1 });
          return [];
        },
      ],
    ];
    for (const [name, f] of cases) {
      rows.push({
        name: `${name} ${be === 'cpu' ? 'CPU reference (TS)' : 'wasm'}`,
        ms: timeSync(t, f, reps),
      });
    }
    for (const z of [x, w, b, p, g, m, v]) z.dispose();
  }
  return rows;
}

/** In a child process: one WASM variant over the sizes; prints { info, rows } as JSON. */
async function child(spec) {
  const t = await import(DIST);
  const r = await t.init({ backend: 'wasm', wasm: { threads: spec.threads, relaxedSimd: spec.fma } });
  const rows = [];
  for (const n of spec.sizes) {
    const { ms, cpuMs } = await timeMatmul(t, n, spec.reps, async () => {});
    rows.push({ name: spec.name, n, ms, gflops: gflops(n, ms), cpuGflops: gflops(n, cpuMs) });
  }
  if (spec.rowKernels) rows.push(...(await rowKernels(t, spec.reps)));
  process.stdout.write(`${JSON.stringify({ info: r.wasm, rows })}\n`);
}

export async function run({
  sizes = [256, 512, 1024, 2048],
  reps = 5,
  fma = true,
  webgpu = true,
  log = console.error,
} = {}) {
  const rows = [];
  for (const v of VARIANTS) {
    if (v.fma && !fma) continue;
    const args = [
      ...(v.fma ? ['--experimental-wasm-relaxed-simd'] : []),
      self,
      '--child',
      JSON.stringify({ ...v, sizes, reps }),
    ];
    const p = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (p.status !== 0) throw new Error(`bench/wasm: '${v.name}' child failed (${p.status}):\n${p.stderr}`);
    const { info, rows: r } = JSON.parse(p.stdout.trim().split('\n').pop());
    if (info.threads !== v.threads || info.fma !== v.fma) {
      throw new Error(
        `bench/wasm: '${v.name}' ran with threads ${info.threads}, fma ${info.fma} (${info.notes.join('; ')})`,
      );
    }
    log(
      `${v.name}: ${r.map((x) => `${x.n ?? x.name}: ${x.gflops?.toFixed(1) ?? `${x.ms.toFixed(2)} ms`}`).join(', ')}`,
    );
    rows.push(...r);
  }
  if (webgpu) {
    const t = await import(DIST);
    const { backend: be, gpu } = await t.init({ backend: 'webgpu' });
    const name = `wgsl matmul (${gpu.adapterName}${gpu.isFallbackAdapter ? ', fallback adapter' : ''})`;
    for (const n of sizes) {
      const { ms, cpuMs } = await timeMatmul(t, n, Math.min(reps, 3), () => be.sync());
      rows.push({ name, n, ms, gflops: gflops(n, ms), cpuGflops: gflops(n, cpuMs) });
      log(`${name} ${n}: ${gflops(n, ms).toFixed(1)} GFLOP/s`);
    }
    for (const n of sizes) {
      const g = rows.find((r) => r.name === name && r.n === n);
      for (const v of VARIANTS) {
        const w = rows.find((r) => r.name === v.name && r.n === n);
        if (w)
          rows.push({
            name: `${v.name} / wgsl`,
            n,
            ratio: w.gflops / g.gflops,
            cpuRatio: w.cpuGflops / g.cpuGflops,
          });
      }
    }
  }
  return rows;
}

/** The table: wall-clock GFLOP/s (cpu = false) or GFLOP per CPU-second of the process (cpu = true). */
export function format(rows, cpu = false) {
  const mm = rows.filter((r) => r.n !== undefined);
  const sizes = [...new Set(mm.map((r) => r.n))].sort((a, b) => a - b);
  const names = [...new Set(mm.map((r) => r.name))];
  const w = Math.max(...names.map((s) => s.length));
  const title = cpu ? 'per CPU-second: GFLOP/cpu-s (ratio)' : 'wall clock: GFLOP/s (ratio)';
  const head = `${title.padEnd(w)} ${sizes.map((n) => String(n).padStart(8)).join('')}`;
  const lines = names.map((name) => {
    const cells = sizes.map((n) => {
      const r = rows.find((x) => x.name === name && x.n === n);
      if (!r) return '-'.padStart(8);
      const v = cpu
        ? r.ratio !== undefined
          ? `${r.cpuRatio.toFixed(2)}×`
          : r.cpuGflops.toFixed(1)
        : r.ratio !== undefined
          ? `${r.ratio.toFixed(2)}×`
          : r.gflops.toFixed(1);
      return v.padStart(8);
    });
    return `${name.padEnd(w)} ${cells.join('')}`;
  });
  const other = rows.filter((r) => r.n === undefined);
  const ow = Math.max(0, ...other.map((r) => r.name.length));
  const extra = other.length
    ? [
        '',
        'row kernels (wall clock, ms per call)',
        ...other.map((r) => `${r.name.padEnd(ow)} ${r.ms.toFixed(2).padStart(9)}`),
      ]
    : [];
  return [head, ...lines, ...(cpu ? [] : extra)].join('\n');
}

if (process.argv[1] === self) {
  const { values } = parseArgs({
    options: {
      child: { type: 'string' },
      sizes: { type: 'string', default: '256,512,1024,2048' },
      reps: { type: 'string', default: '5' },
      'no-fma': { type: 'boolean', default: false },
      'no-webgpu': { type: 'boolean', default: false },
    },
  });
  if (values.child) await child(JSON.parse(values.child));
  else {
    const rows = await run({
      sizes: values.sizes.split(',').map(Number),
      reps: Number(values.reps),
      fma: !values['no-fma'],
      webgpu: !values['no-webgpu'],
    });
    console.log(
      `f32 matmul n×n @ n×n (${new Date().toISOString()})\n${format(rows)}\n\n${format(rows, true)}`,
    );
  }
  process.exit(0);
}
