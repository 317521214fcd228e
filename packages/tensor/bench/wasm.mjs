// The WASM SIMD backend's matmul against our WGSL matmul on the WebGPU adapter (lavapipe here), in one run:
// f32 n×n @ n×n for n in 256…2048, WASM with 1 and 2 threads, with plain SIMD128 (relaxedSimd: false)
// and with relaxed-SIMD FMA (stock Node 20: the backend switches V8's flag on at runtime).
// Every WASM variant runs in its own child process (the backend's options are fixed per process). The
// kernel rows below run in two of them (simd128 1 thread, fma 2 threads: what `auto` gives here).
// Run after `pnpm --filter @unif2ace/tensor build`:
//   node bench/wasm.mjs [--sizes 256,512,1024,2048] [--reps 5] [--no-fma] [--no-webgpu] [--matmul-only]
// The host is shared: next to wall-clock GFLOP/s the table gives GFLOP per CPU-second of the process
// (process.cpuUsage, which counts lavapipe's and our worker threads), which load from others distorts less.
// Fused attention rows (causal, forward and forward + backward): WASM (every variant), the CPU reference
// (plain TS, the code the WASM backend's fallback runs) and WGSL on the WebGPU adapter, ms per call.
// Training-kernel rows, same three ways: cross-entropy fwd+bwd [2048, 8192], layer norm fwd+bwd [4096, 1024]
// (weight, bias), embedding backward (8192 ids into [8192, 512], duplicates).
// Elementwise rows, same three ways: gelu and add on 1M f32 (and a row broadcast), a row sum of [1024, 1024],
// the copy of a transposed [1024, 1024] view.
// `run()` returns rows { name, n, ms, gflops, cpuGflops } (ms per call: median of reps after 2 warm-up calls; the time
// includes packing and the output allocation) plus ratio rows { name, n, ratio, cpuRatio }.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const self = fileURLToPath(import.meta.url);
const DIST = new URL('../dist/index.js', import.meta.url).href;

const VARIANTS = [
  { name: 'wasm simd128 1 thread', threads: 1, fma: false, rowKernels: true, kernelRows: true },
  { name: 'wasm simd128 2 threads', threads: 2, fma: false },
  { name: 'wasm fma 1 thread', threads: 1, fma: true },
  { name: 'wasm fma 2 threads', threads: 2, fma: true, kernelRows: true },
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
function timeSync(f, reps) {
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
        ms: timeSync(f, reps),
      });
    }
    for (const z of [x, w, b, p, g, m, v]) z.dispose();
  }
  return rows;
}

/** Attention shapes [B, H, S, Dh] of the attention rows (causal). */
const ATTN_SHAPES = [
  [1, 4, 512, 16],
  [4, 8, 128, 32],
];

/**
 * Fused causal attention on the default backend, forward and forward + backward (out.backward(g): only
 * the attention kernels run), ms per call (median of reps after 2 warm-ups); `sync` waits for the device.
 */
async function attentionRows(t, label, reps, sync) {
  const rows = [];
  for (const shape of ATTN_SHAPES) {
    const n = shape.reduce((p, d) => p * d, 1);
    const [q, k, v] = [1, 2, 3].map((s) => t.tensor(rnd(n, s), shape, { requiresGrad: true }));
    const g = t.tensor(rnd(n, 4), shape);
    const cases = [
      ['fwd', () => [t.noGrad(() => t.ops.attention(q, k, v, { causal: true }))]],
      [
        'fwd+bwd',
        () => {
          const out = t.ops.attention(q, k, v, { causal: true });
          out.backward(g);
          const grads = [q, k, v].map((x) => x.grad);
          for (const x of [q, k, v]) x.grad = null;
          return [out, ...grads];
        },
      ],
    ];
    for (const [name, f] of cases) {
      const once = async () => {
        const t0 = performance.now();
        const out = f();
        await sync();
        const ms = performance.now() - t0;
        for (const o of out) o.dispose();
        return ms;
      };
      for (let i = 0; i < 2; i++) await once();
      const times = [];
      for (let r = 0; r < reps; r++) times.push(await once());
      rows.push({ name: `attention [${shape}] causal ${name}: ${label}`, ms: median(times) });
    }
    for (const z of [q, k, v, g]) z.dispose();
  }
  return rows;
}

/**
 * Cross-entropy fwd+bwd, layer norm fwd+bwd and the embedding backward (a retained graph's backward) on the
 * default backend, ms per call (median of reps after 2 warm-ups). End to end the time includes autograd's
 * clone of each leaf gradient (on WASM still the CPU-reference 'copy'), so on synchronous backends
 * (`kernelsOnly`) a second row gives the time inside the named kernels alone (profileKernels).
 */
async function trainingRows(t, label, reps, sync, kernelsOnly = false) {
  const [N, V, R, C, T, VE, D] = [2048, 8192, 4096, 1024, 8192, 8192, 512];
  const ids = Int32Array.from({ length: T }, (_, k) => (k * k * 31 + 7) % VE);
  const x = t.tensor(
    rnd(N * V, 11).map((v) => v * 6),
    [N, V],
    { requiresGrad: true },
  );
  const tg = t.tensor(
    Int32Array.from({ length: N }, (_, i) => (i % 7 === 3 ? -100 : (i * 7919) % V)),
    [N],
  );
  const h = t.tensor(rnd(R * C, 12), [R, C], { requiresGrad: true });
  const lw = t.tensor(rnd(C, 13), [C], { requiresGrad: true });
  const lb = t.tensor(rnd(C, 14), [C], { requiresGrad: true });
  const lg = t.tensor(rnd(R * C, 15), [R, C]);
  const ew = t.tensor(rnd(VE * D, 16), [VE, D], { requiresGrad: true });
  const ei = t.tensor(ids, [T]);
  const eg = t.tensor(rnd(T * D, 17), [T, D]);
  const ey = t.ops.embedding(ew, ei);
  const grads = (...xs) => {
    const g = xs.map((z) => z.grad);
    for (const z of xs) z.grad = null;
    return g;
  };
  const cases = [
    [
      `cross-entropy [${N}, ${V}] fwd+bwd (smoothing 0.1)`,
      ['crossEntropy', 'crossEntropyBackward'],
      () => {
        const loss = t.ops.crossEntropy(x, tg, { labelSmoothing: 0.1 });
        loss.backward();
        return [loss, ...grads(x)];
      },
    ],
    [
      `layerNorm [${R}, ${C}] (w, b) fwd+bwd`,
      ['layerNorm', 'layerNormBackward'],
      () => {
        const y = t.ops.layerNorm(h, lw, lb);
        y.backward(lg);
        return [y, ...grads(h, lw, lb)];
      },
    ],
    [
      `embedding backward ${T} ids -> [${VE}, ${D}]`,
      ['embeddingBackward'],
      () => {
        ey.backward(eg, { retainGraph: true });
        return grads(ew);
      },
    ],
  ];
  const rows = [];
  for (const [name, names, f] of cases) {
    const once = async () => {
      const t0 = performance.now();
      const { result: out, kernels } = await t.profileKernels(f);
      await sync();
      const ms = performance.now() - t0;
      for (const o of out) o.dispose();
      const kms = kernels.filter((k) => names.includes(k.kernel)).reduce((p, k) => p + k.ms, 0);
      return { ms, kms };
    };
    for (let i = 0; i < 2; i++) await once();
    const times = [];
    for (let r = 0; r < reps; r++) times.push(await once());
    rows.push({ name: `${name}: ${label}`, ms: median(times.map((x) => x.ms)) });
    if (kernelsOnly) {
      rows.push({ name: `${name} [kernels only]: ${label}`, ms: median(times.map((x) => x.kms)) });
    }
  }
  for (const z of [x, tg, h, lw, lb, lg, ew, ei, eg, ey]) z.dispose();
  return rows;
}

/**
 * Convolution (64 -> 64 channels, 3×3, pad 1, N=8, 32×32: forward and both adjoints, each kernel alone) and
 * Philox draws of 1M values (uniform, normal, dropout) on the default backend, ms per call (median of reps
 * after one warm-up); `sync` waits for the device.
 */
async function convRandomRows(t, label, reps, sync) {
  const rows = [];
  const a = { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 };
  const xs = [8, 64, 32, 32];
  const ws = [64, 64, 3, 3];
  const x = t.tensor(rnd(8 * 64 * 32 * 32, 11), xs);
  const w = t.tensor(rnd(64 * 64 * 9, 12), ws);
  const gy = t.tensor(rnd(8 * 64 * 32 * 32, 13), xs);
  const M = 1 << 20;
  const xr = t.tensor(rnd(M, 14), [M]);
  const cases = [
    ['conv2d 64->64 3x3 N=8 32x32 forward', () => t.ops.kernel('conv2d', [x, w], a)],
    [
      'conv2d 64->64 3x3 N=8 32x32 backward input',
      () => t.ops.kernel('conv2dBackwardInput', [gy, w], { ...a, inShape: xs }),
    ],
    [
      'conv2d 64->64 3x3 N=8 32x32 backward filter',
      () => t.ops.kernel('conv2dBackwardFilter', [x, gy], { ...a, wShape: ws }),
    ],
    ['random uniform 1M', () => t.ops.randomUniform([M], { seed: 1 })],
    ['random normal 1M', () => t.ops.randomNormal([M], { seed: 2 })],
    ['dropout p=0.1 1M', () => t.ops.dropout(xr, 0.1, { seed: 3 })],
  ];
  for (const [name, f] of cases) {
    const once = async () => {
      const t0 = performance.now();
      const out = f();
      await sync();
      const ms = performance.now() - t0;
      out.dispose();
      return ms;
    };
    await once();
    const times = [];
    for (let r = 0; r < reps; r++) times.push(await once());
    rows.push({ name: `${name}: ${label}`, ms: median(times) });
  }
  for (const z of [x, w, gy, xr]) z.dispose();
  return rows;
}

/**
 * Elementwise and reduction kernels on the default backend, ms per call (median of reps after 2 warm-ups):
 * gelu and add on 1M f32 (same shape, and a row broadcast), a row sum over [1024, 1024], the copy of a
 * transposed view.
 */
async function elementwiseRows(t, label, reps, sync) {
  const [R, C] = [1024, 1024];
  const x = t.tensor(rnd(R * C, 21), [R, C]);
  const y = t.tensor(rnd(R * C, 22), [R, C]);
  const b = t.tensor(rnd(C, 23), [C]);
  const cases = [
    [`gelu ${R * C}`, () => x.gelu()],
    [`add ${R * C}`, () => x.add(y)],
    [`add [${R}, ${C}] + [${C}]`, () => x.add(b)],
    [`sum rows [${R}, ${C}]`, () => t.ops.sum(x, 1)],
    [`contiguous() of [${R}, ${C}] transposed`, () => x.transpose(0, 1).contiguous()],
  ];
  const rows = [];
  for (const [name, f] of cases) {
    const once = async () => {
      const t0 = performance.now();
      const out = f();
      await sync();
      const ms = performance.now() - t0;
      out.dispose();
      return ms;
    };
    for (let i = 0; i < 2; i++) await once();
    const times = [];
    for (let r = 0; r < reps; r++) times.push(await once());
    rows.push({ name: `${name}: ${label}`, ms: median(times) });
  }
  for (const z of [x, y, b]) z.dispose();
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
  if (spec.matmulOnly) {
    process.stdout.write(`${JSON.stringify({ info: r.wasm, rows })}\n`);
    return;
  }
  if (spec.kernelRows) {
    rows.push(...(await attentionRows(t, spec.name, spec.reps, async () => {})));
    rows.push(...(await convRandomRows(t, spec.name, spec.reps, async () => {})));
    rows.push(...(await trainingRows(t, spec.name, Math.min(spec.reps, 3), async () => {}, true)));
    rows.push(...(await elementwiseRows(t, spec.name, spec.reps, async () => {})));
  }
  if (spec.rowKernels) rows.push(...(await rowKernels(t, spec.reps)));
  if (spec.rowKernels) {
    await t.init({ backend: 'cpu' });
    rows.push(...(await attentionRows(t, 'CPU reference (TS)', Math.min(spec.reps, 3), async () => {})));
    rows.push(...(await convRandomRows(t, 'CPU reference (TS, what the fallback ran)', 1, async () => {})));
    rows.push(...(await trainingRows(t, 'CPU reference (TS)', Math.min(spec.reps, 3), async () => {}, true)));
    rows.push(...(await elementwiseRows(t, 'CPU reference (TS, what the fallback ran)', 3, async () => {})));
  }
  process.stdout.write(`${JSON.stringify({ info: r.wasm, rows })}\n`);
}

export async function run({
  sizes = [256, 512, 1024, 2048],
  reps = 5,
  fma = true,
  webgpu = true,
  matmulOnly = false,
  log = console.error,
} = {}) {
  const rows = [];
  for (const v of VARIANTS) {
    if (v.fma && !fma) continue;
    const args = [self, '--child', JSON.stringify({ ...v, sizes, reps, matmulOnly })];
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
    if (!matmulOnly) {
      const label = `wgsl (${gpu.adapterName})`;
      const sync = () => be.sync();
      for (const rowsOf of [attentionRows, convRandomRows, trainingRows, elementwiseRows]) {
        const r = await rowsOf(t, label, Math.min(reps, 3), sync);
        for (const x of r) log(`${x.name}: ${x.ms.toFixed(2)} ms`);
        rows.push(...r);
      }
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
      'matmul-only': { type: 'boolean', default: false },
    },
  });
  if (values.child) await child(JSON.parse(values.child));
  else {
    const rows = await run({
      sizes: values.sizes.split(',').map(Number),
      reps: Number(values.reps),
      fma: !values['no-fma'],
      webgpu: !values['no-webgpu'],
      matmulOnly: values['matmul-only'],
    });
    console.log(
      `f32 matmul n×n @ n×n (${new Date().toISOString()})\n${format(rows)}\n\n${format(rows, true)}`,
    );
  }
  process.exit(0);
}
