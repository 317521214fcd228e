// The benchmark harness behind `pnpm bench` (bench/run.mjs). One process, one Dawn device shared by our
// kernels, tfjs-backend-webgpu and a pure-arithmetic probe; onnxruntime-node (CPU) in-process; PyTorch CPU
// with OpenBLAS in a python subprocess (tools/bench/torch.mjs). Background: docs/architecture.md
// (performance notes).
// Every GPU timing waits the same way (our backend's sync(): submit, then the adaptive wait on
// onSubmittedWorkDone of the shared queue), so tfjs and our kernels are timed identically.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTorchScript } from '../../../tools/bench/torch.mjs';
import { matmulModel } from './onnx-matmul.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const pkgRoot = join(here, '..');
const require = createRequire(import.meta.url);

export const FULL = { sizes: [256, 512, 1024, 2048], reps: 5, dtypes: ['f32', 'f16'] };
export const QUICK = { sizes: [64, 128], reps: 2, dtypes: ['f32', 'f16'] };

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
};
const gflops = (n, ms) => (2 * n ** 3) / ms / 1e6;
const rnd = (n, seed) => {
  let s = seed >>> 0;
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = (s / 2 ** 32) * 2 - 1;
  }
  return a;
};

async function loadOurs() {
  const dist = join(pkgRoot, 'dist', 'index.js');
  if (!existsSync(dist))
    throw new Error(`bench: ${dist} is missing; run \`pnpm --filter @unif2ace/tensor build\` first`);
  const t = await import(dist);
  const { backend } = await t.init();
  return { t, be: backend };
}

/** Repetitions scaled so a size costs a few seconds at most (lavapipe does ~5 GFLOP/s). */
const repsFor = (n, base) => Math.max(2, Math.min(base, Math.round(base * (1024 / n) ** 2)));

// ---------------------------------------------------------------------------------------------- tfjs
async function loadTfjs(be, log) {
  const { device, adapter } = be.runtime;
  // tfjs-backend-webgpu checks navigator.gpu when it loads; in Node 20 there is no navigator.
  if (!globalThis.navigator?.gpu) {
    Object.defineProperty(globalThis, 'navigator', {
      value: {
        ...(globalThis.navigator ?? {}),
        gpu: { requestAdapter: async () => adapter, getPreferredCanvasFormat: () => 'rgba8unorm' },
      },
      configurable: true,
      writable: true,
    });
  }
  const tf = require('@tensorflow/tfjs-core');
  const wg = require('@tensorflow/tfjs-backend-webgpu');
  tf.removeBackend('webgpu'); // the package registered a factory that would request its own device
  const tb = new wg.WebGPUBackend(device, adapter.info);
  tf.registerBackend('webgpu', () => tb);
  tf.env().set('WEBGPU_CPU_FORWARD', false);
  if (!(await tf.setBackend('webgpu')))
    throw new Error('bench: tfjs could not start its webgpu backend on our device');
  await tf.ready();
  log(`tfjs ${tf.version_core} webgpu backend on the shared device (WEBGPU_CPU_FORWARD=false)`);
  const flush = () => {
    tb.endComputePassEncoder?.();
    tb.submitQueue();
  };
  return { tf, tb, flush };
}

// ------------------------------------------------------------------------------------------ timings
/** One timed call: record, submit, wait for the shared queue (same wait for every system). */
async function timeOnce(be, f) {
  const t0 = performance.now();
  const r = f();
  await be.sync();
  const ms = performance.now() - t0;
  r?.dispose?.();
  return ms;
}

async function timeGpu(be, f, reps) {
  await timeOnce(be, f); // compile + warm-up
  const ts = [];
  for (let i = 0; i < reps; i++) ts.push(await timeOnce(be, f));
  return median(ts);
}

/** Ours and tfjs interleaved rep by rep, so machine noise hits both alike. */
async function matmulGpuRows(ctx, n, dtype, reps) {
  const { t, be, tfjs } = ctx;
  const row = { op: 'matmul', n, dtype, ours: null, tfjs: null };
  const a0 = t.tensor(rnd(n * n, 1), [n, n]);
  const b0 = t.tensor(rnd(n * n, 2), [n, n]);
  const a = dtype === 'f16' ? t.ops.cast(a0, 'f16') : a0;
  const b = dtype === 'f16' ? t.ops.cast(b0, 'f16') : b0;
  const ours = () => t.noGrad(() => t.ops.matmul(a, b));
  let ta;
  let tb;
  if (tfjs && dtype === 'f32') {
    ta = tfjs.tf.tensor2d(rnd(n * n, 1), [n, n]);
    tb = tfjs.tf.tensor2d(rnd(n * n, 2), [n, n]);
  }
  const theirs = () => {
    const c = tfjs.tf.matMul(ta, tb);
    tfjs.flush();
    return c;
  };
  const oursT = [];
  const theirsT = [];
  const probeG = [];
  await timeOnce(be, ours);
  if (ta) await timeOnce(be, theirs);
  for (let i = 0; i < reps; i++) {
    oursT.push(await timeOnce(be, ours));
    if (ta) theirsT.push(await timeOnce(be, theirs));
    probeG.push(ctx.probe.flops / (await timeOnce(be, ctx.probe.run)) / 1e6);
  }
  row.ours = gflops(n, median(oursT));
  row.ceiling = median(probeG);
  if (ta) row.tfjs = gflops(n, median(theirsT));
  else row.tfjsNote = tfjs ? 'tfjs-webgpu has no f16 tensors' : 'tfjs not loaded';
  for (const x of new Set([a0, b0, a, b])) x.dispose();
  ta?.dispose();
  tb?.dispose();
  return row;
}

// ----------------------------------------------------------------------------------------- probe
/**
 * Pure-arithmetic WGSL: `acc` independent vec4 fma chains per invocation, no memory traffic in the loop;
 * its GFLOP/s is this adapter's FMA ceiling. Returns a recorder (submits one dispatch) and its FLOPs.
 */
function makeProbe(be, acc, groups, iters) {
  const { device } = be.runtime;
  const decl = Array.from(
    { length: acc },
    (_, i) => `var a${i} = vec4<f32>(f32(gid.x + ${i}u) * 1e-9);`,
  ).join(' ');
  const body = Array.from({ length: acc }, (_, i) => `a${i} = fma(a${i}, m, c);`).join(' ');
  const sum = Array.from({ length: acc }, (_, i) => `a${i}`).join(' + ');
  const code = `@group(0) @binding(0) var<storage, read_write> out: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> iters: array<u32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  ${decl}
  let m = vec4<f32>(0.9999); let c = vec4<f32>(1e-4);
  let n = iters[0];
  for (var i = 0u; i < n; i++) { ${body} }
  out[gid.x] = ${sum};
}`;
  const module = device.createShaderModule({ code });
  const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
  const out = device.createBuffer({ size: groups * 64 * 16, usage: 0x80 });
  const it = device.createBuffer({ size: 16, usage: 0x80 | 0x8 });
  device.queue.writeBuffer(it, 0, new Uint32Array([iters, 0, 0, 0]));
  const bg = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [
      { binding: 0, resource: { buffer: out } },
      { binding: 1, resource: { buffer: it } },
    ],
  });
  return {
    flops: groups * 64 * iters * acc * 4 * 2,
    run: () => {
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bg);
      pass.dispatchWorkgroups(groups);
      pass.end();
      device.queue.submit([enc.finish()]);
    },
    destroy: () => {
      out.destroy();
      it.destroy();
    },
  };
}

/** The probe at 4, 8 and 16 chains; the best is the ceiling (the matmul rows re-measure it interleaved). */
async function probeCeiling(be, quick) {
  let best = 0;
  let bestAcc = 16;
  const detail = [];
  for (const acc of [4, 8, 16]) {
    const p = makeProbe(be, acc, quick ? 64 : 256, quick ? 256 : (4096 * 8) / acc);
    const ms = await timeGpu(be, p.run, quick ? 1 : 3);
    const g = p.flops / ms / 1e6;
    p.destroy();
    detail.push(`${acc}×vec4: ${g.toFixed(1)}`);
    if (g > best) [best, bestAcc] = [g, acc];
  }
  return { gflops: best, acc: bestAcc, detail: detail.join(', ') };
}

// ------------------------------------------------------------------------------------------- ORT
async function ortRows(sizes, dtypes, reps, log) {
  let ort;
  try {
    ort = await import('onnxruntime-node');
  } catch (e) {
    log(`onnxruntime-node: not loadable (${e.message}); install with ONNXRUNTIME_NODE_INSTALL_CUDA=skip`);
    return { rows: [] };
  }
  const rows = [];
  for (const dtype of dtypes) {
    const od = dtype === 'f16' ? 'float16' : 'float32';
    for (const n of sizes) {
      try {
        const s = await ort.InferenceSession.create(matmulModel(n, n, n, od), {
          intraOpNumThreads: 2,
          executionProviders: ['cpu'],
        });
        const data = (seed) => {
          const f = rnd(n * n, seed);
          if (od === 'float32') return f;
          const h = new Uint16Array(n * n);
          const fv = new Float32Array(1);
          const iv = new Uint32Array(fv.buffer);
          for (let i = 0; i < f.length; i++) {
            fv[0] = f[i];
            const x = iv[0];
            const e = ((x >>> 23) & 0xff) - 127 + 15;
            h[i] = e <= 0 ? (x >>> 16) & 0x8000 : ((x >>> 16) & 0x8000) | (e << 10) | ((x >>> 13) & 0x3ff);
          }
          return h;
        };
        const feeds = { A: new ort.Tensor(od, data(1), [n, n]), B: new ort.Tensor(od, data(2), [n, n]) };
        await s.run(feeds);
        const ts = [];
        for (let i = 0; i < repsFor(n, reps); i++) {
          const t0 = performance.now();
          await s.run(feeds);
          ts.push(performance.now() - t0);
        }
        rows.push({ n, dtype, gflops: gflops(n, median(ts)) });
        await s.release?.();
      } catch (e) {
        rows.push({ n, dtype, gflops: null, note: e.message.split('\n')[0].slice(0, 80) });
      }
    }
  }
  log(`onnxruntime-node ${ort.env?.versions?.node ?? ''} CPU EP, 2 intra-op threads`);
  return { rows };
}

// ----------------------------------------------------------------------------------------- torch
function torchRows(sizes, dtypes, reps, log, quick) {
  const names = dtypes.map((d) => (d === 'f16' ? 'float16' : 'float32'));
  const j = runTorchScript('torch_matmul.py', [sizes.join(','), names.join(','), String(reps)], {
    log,
    allowReferenceBlas: quick,
  });
  if (j.skipped) return { rows: [], skipped: j.skipped };
  log(`PyTorch ${j.torch} CPU, ${j.blas}`);
  return {
    rows: j.rows.map((x) => ({
      n: x.n,
      dtype: x.dtype === 'float16' ? 'f16' : 'f32',
      gflops: x.ms ? gflops(x.n, x.ms) : null,
      note: x.error,
    })),
  };
}

// -------------------------------------------------------------------------- softmax / layer norm
async function normRows(ctx, quick, log) {
  const rows = [];
  const [R, C] = quick ? [64, 64] : [4096, 1024];
  const reps = quick ? 1 : 3;
  let ours = [];
  const mod = join(here, 'softmax-layernorm.mjs');
  if (existsSync(mod)) ours = await (await import(mod)).run({ reps, rows: R, cols: C });
  else log('bench/softmax-layernorm.mjs is missing: our softmax / layer norm rows skipped');
  const find = (re) => ours.find((r) => re.test(r.name))?.ms ?? null;
  let tfSoftmax = null;
  let tfLn = null;
  if (ctx.tfjs) {
    const { tf, flush } = ctx.tfjs;
    const x = tf.tensor2d(rnd(R * C, 1), [R, C]);
    const w = tf.tensor1d(rnd(C, 3));
    const b = tf.tensor1d(rnd(C, 4));
    const ln = () =>
      tf.tidy(() => {
        const { mean, variance } = tf.moments(x, -1, true);
        return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), w), b);
      });
    tfSoftmax = await timeGpu(
      ctx.be,
      () => {
        const y = tf.softmax(x);
        flush();
        return y;
      },
      reps,
    );
    tfLn = await timeGpu(
      ctx.be,
      () => {
        const y = ln();
        flush();
        return y;
      },
      reps,
    );
    for (const t of [x, w, b]) t.dispose();
  }
  rows.push({ op: `softmax fwd [${R}, ${C}]`, oursMs: find(/^softmax fused fwd \[/), tfjsMs: tfSoftmax });
  rows.push({ op: `layerNorm fwd [${R}, ${C}]`, oursMs: find(/^layerNorm fused fwd \[/), tfjsMs: tfLn });
  for (const r of ours)
    if (!/fused fwd \[/.test(r.name)) rows.push({ op: r.name, oursMs: r.ms, tfjsMs: null });
  return rows;
}

async function otherRows(quick, log) {
  const rows = [];
  for (const f of ['attention.mjs', 'conv2d.mjs']) {
    const p = join(here, f);
    if (!existsSync(p)) {
      log(`bench/${f} is missing: skipped`);
      continue;
    }
    log(`${f} ...`);
    const r = await (await import(p)).run({ reps: quick ? 1 : 3, quick });
    for (const x of r) rows.push({ op: x.name, oursMs: x.ms, gflops: x.gflops ?? null });
  }
  return rows;
}

// ---------------------------------------------------------------- transformer block dispatch count
/** Forward + backward of 2 pre-LN transformer blocks built from our ops; counts queue dispatches. */
async function transformerDispatches(ctx, quick) {
  const { t, be } = ctx;
  const [B, S, D, H] = quick ? [2, 16, 32, 2] : [16, 128, 128, 4];
  const O = t.ops;
  const rand = (shape, seed, scale = 0.1) =>
    t.tensor(
      rnd(
        shape.reduce((p, d) => p * d, 1),
        seed,
      ).map((v) => v * scale),
      shape,
      { requiresGrad: true },
    );
  const params = [];
  for (let l = 0; l < 2; l++) {
    params.push({
      ln1: [t.ones([D], { requiresGrad: true }), t.zeros([D], { requiresGrad: true })],
      qkv: [rand([D, 3 * D], 10 + l), rand([3 * D], 20 + l)],
      proj: [rand([D, D], 30 + l), rand([D], 40 + l)],
      ln2: [t.ones([D], { requiresGrad: true }), t.zeros([D], { requiresGrad: true })],
      fc1: [rand([D, 4 * D], 50 + l), rand([4 * D], 60 + l)],
      fc2: [rand([4 * D, D], 70 + l), rand([D], 80 + l)],
    });
  }
  const hasLn = typeof O.layerNorm === 'function';
  const hasAttn = typeof O.attention === 'function';
  const ln = (x, [w, b]) => (hasLn ? O.layerNorm(x, w, b) : x);
  const attend = (q, k, v) => {
    if (hasAttn) return O.attention(q, k, v, { causal: true });
    const s = O.matmul(q, O.transpose(k, -2, -1)).mul(1 / Math.sqrt(D / H));
    return O.matmul(O.softmax(s, -1), v);
  };
  const x0 = rand([B, S, D], 1, 1);
  const step = () =>
    t.tidy(() => {
      let x = x0;
      for (const p of params) {
        const h = O.linear(ln(x, p.ln1), p.qkv[0], p.qkv[1]);
        const heads = (i) =>
          O.permute(O.reshape(O.slice(h, -1, i * D, (i + 1) * D), [B, S, H, D / H]), [0, 2, 1, 3]);
        const a = attend(heads(0), heads(1), heads(2));
        x = x.add(O.linear(O.reshape(O.permute(a, [0, 2, 1, 3]), [B, S, D]), p.proj[0], p.proj[1]));
        x = x.add(O.linear(O.linear(ln(x, p.ln2), p.fc1[0], p.fc1[1], 'gelu'), p.fc2[0], p.fc2[1]));
      }
      x.square().mean().backward();
    });
  const all = [x0, ...params.flatMap((p) => Object.values(p).flat())];
  const clearGrads = () => {
    for (const p of all) {
      p.grad?.dispose();
      p.grad = null;
    }
  };
  step(); // compile
  await be.sync();
  clearGrads();
  const d0 = be.queue.dispatches;
  const s0 = be.queue.submits;
  const t0 = performance.now();
  step();
  await be.sync();
  const ms = performance.now() - t0;
  const dispatches = be.queue.dispatches - d0;
  const submits = be.queue.submits - s0;
  clearGrads();
  for (const p of all) p.dispose();
  return {
    what: `2-layer pre-LN transformer block fwd+bwd, batch ${B}, seq ${S}, d ${D}, ${H} heads (${
      hasAttn ? 'fused attention' : 'matmul+softmax attention'
    }, ${hasLn ? 'layerNorm' : 'no layer norm op'}, linear+gelu MLP)`,
    dispatches,
    submits,
    ms,
  };
}

// -------------------------------------------------------------------------------------------- main
const PARTS = ['matmul', 'norms', 'others', 'block', 'wasm'];

export async function runBench({ quick = false, only = PARTS, log = console.error } = {}) {
  for (const p of only)
    if (!PARTS.includes(p)) throw new Error(`bench: unknown part '${p}' (${PARTS.join(', ')})`);
  const cfg = quick ? QUICK : FULL;
  const { t, be } = await loadOurs();
  const info = be.runtime.info;
  log(
    `device: ${info.adapterName} (${info.description}), shader-f16 ${info.features.shaderF16 ? 'yes' : 'no'}`,
  );
  const dtypes = cfg.dtypes.filter((d) => d !== 'f16' || info.features.shaderF16);
  let tfjs = null;
  try {
    tfjs = await loadTfjs(be, log);
  } catch (e) {
    log(`tfjs-backend-webgpu: could not load (${e.message}); tfjs column empty`);
  }
  const probe = await probeCeiling(be, quick);
  log(`probe: pure-arithmetic WGSL fma ceiling ${probe.gflops.toFixed(1)} GFLOP/s (${probe.detail})`);
  // Re-measured between matmul reps (same machine load as the matmul it is compared with).
  const ctx = {
    t,
    be,
    tfjs,
    probe: makeProbe(be, probe.acc, quick ? 64 : 256, quick ? 128 : 8192 / probe.acc),
  };
  const matmul = [];
  for (const dtype of only.includes('matmul') ? dtypes : []) {
    for (const n of cfg.sizes) {
      const r = await matmulGpuRows(ctx, n, dtype, repsFor(n, cfg.reps));
      log(
        `matmul ${dtype} ${n}: ours ${r.ours.toFixed(2)}${r.tfjs ? `, tfjs ${r.tfjs.toFixed(2)}` : ''} GFLOP/s`,
      );
      matmul.push(r);
    }
  }
  const mm = only.includes('matmul');
  const ort = mm ? await ortRows(cfg.sizes, dtypes, cfg.reps, log) : { rows: [] };
  const torch = mm ? torchRows(cfg.sizes, dtypes, cfg.reps, log, quick) : { rows: [] };
  for (const r of matmul) {
    const o = ort.rows.find((x) => x.n === r.n && x.dtype === r.dtype);
    const p = torch.rows.find((x) => x.n === r.n && x.dtype === r.dtype);
    r.ort = o?.gflops ?? null;
    r.torch = p?.gflops ?? null;
    if (o?.note) r.ortNote = o.note;
    if (p?.note) r.torchNote = p.note;
    r.vsTfjs = r.tfjs ? r.ours / r.tfjs : null;
    r.ofCeiling = r.ours / r.ceiling;
  }
  ctx.probe.destroy();
  if (only.includes('norms')) log('softmax / layer norm: ours (bench/softmax-layernorm.mjs) and tfjs ...');
  const norms = only.includes('norms') ? await normRows(ctx, quick, log) : [];
  const others = only.includes('others') ? await otherRows(quick, log) : [];
  if (only.includes('block')) log('transformer block fwd+bwd dispatch count ...');
  const block = only.includes('block') ? await transformerDispatches(ctx, quick) : null;
  let wasm = null;
  if (only.includes('wasm')) {
    log('WASM backend vs WGSL (bench/wasm.mjs) ...');
    const w = await import(join(here, 'wasm.mjs'));
    // --quick: the matmul rows only (the kernel rows have fixed, full sizes)
    const rows = await w.run({ sizes: cfg.sizes, reps: cfg.reps, matmulOnly: quick, log });
    wasm = { rows, table: w.format(rows) };
  }
  return {
    when: new Date().toISOString(),
    quick,
    device: `${info.adapterName} (${info.description})`,
    probe,
    matmul,
    norms,
    others,
    block,
    wasm,
    torchSkipped: torch.skipped ?? null,
  };
}

const f = (x, d = 2) => (x === null || x === undefined ? '–' : x.toFixed(d));

/** The report as a text table. */
export function formatBench(r) {
  const L = [];
  L.push(`device: ${r.device}${r.quick ? '  [--quick]' : ''}`);
  L.push(`probe (pure-arithmetic WGSL fma ceiling): ${f(r.probe.gflops, 1)} GFLOP/s  [${r.probe.detail}]`);
  L.push('');
  L.push('matmul, square n×n, GFLOP/s (higher is better); probe = the ceiling re-measured between reps');
  L.push(
    '| dtype | n | ours (webgpu) | tfjs-webgpu | onnxruntime CPU | PyTorch+OpenBLAS | probe | ours/tfjs | ours/probe |',
  );
  L.push('|---|---|---|---|---|---|---|---|---|');
  for (const m of r.matmul) {
    const torch = m.torch ? f(m.torch) : m.torchNote ? 'n/a' : '–';
    const vs = m.vsTfjs ? `${f(m.vsTfjs)}×` : '–';
    L.push(
      `| ${m.dtype} | ${m.n} | ${f(m.ours)} | ${m.tfjs ? f(m.tfjs) : 'n/a'} | ${f(m.ort)} | ${torch} | ${f(m.ceiling, 1)} | ${vs} | ${f(m.ofCeiling * 100, 0)} % |`,
    );
  }
  const notes = new Set(
    r.matmul
      .flatMap((m) => [
        m.tfjsNote && `tfjs: ${m.tfjsNote}`,
        m.torchNote && `PyTorch: ${m.torchNote}`,
        m.ortNote && `ORT: ${m.ortNote}`,
      ])
      .filter(Boolean),
  );
  for (const n of notes) L.push(`  note: ${n}`);
  if (r.torchSkipped) L.push(`  note: PyTorch skipped (${r.torchSkipped})`);
  if (r.norms.length) {
    L.push('', 'softmax / layer norm (ms, lower is better)');
    L.push('| op | ours | tfjs-webgpu | tfjs/ours |');
    L.push('|---|---|---|---|');
  }
  for (const n of r.norms) {
    L.push(
      `| ${n.op} | ${f(n.oursMs)} | ${f(n.tfjsMs)} | ${n.oursMs && n.tfjsMs ? `${f(n.tfjsMs / n.oursMs)}×` : '–'} |`,
    );
  }
  if (r.others.length) {
    L.push('');
    L.push('other kernels (ours, ms)');
    for (const o of r.others)
      L.push(
        `  ${o.op.padEnd(52)} ${f(o.oursMs).padStart(9)} ms${o.gflops ? `  ${f(o.gflops)} GFLOP/s` : ''}`,
      );
  }
  if (r.block) {
    L.push('', `${r.block.what}:`);
    L.push(
      `  ${r.block.dispatches} dispatches, ${r.block.submits} submits, ${f(r.block.ms, 0)} ms for one step`,
    );
  }
  if (r.wasm) L.push('', 'WASM SIMD backend (CPU) vs our WGSL on this adapter, one run', r.wasm.table);
  return L.join('\n');
}
