// Throughput of the random / sampling / optimizer kernels on the default WebGPU adapter, at the sizes
// the diffusion sampler and the trainer use, each next to a plain elementwise baseline of the same size.
// Run after `pnpm build` (TENSOR_DIST=<path to index.js> uses another build):
//   node bench/sampling-optim.mjs [--reps 10] [--quick]
// `run()` returns rows { name, ms, note } (ms per call, median of reps; every rep ends with a 1-element
// read, so the GPU work is included). Same module shape as conv2d.mjs / attention.mjs for bench/harness.mjs.
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const T = await import(process.env.TENSOR_DIST ?? '../dist/index.js');

export async function run({ reps = 10, quick = false } = {}) {
  const { backend } = await T.init();
  const { ops } = T;
  const rows = [];
  async function bench(name, fn, note = () => '') {
    const times = [];
    for (let r = 0; r < reps + 2; r++) {
      const t0 = performance.now();
      const out = T.tidy(fn);
      const list = Array.isArray(out) ? out : out ? [out] : [];
      if (list.length) await list[0].flatten().slice(0, 0, 1).data();
      else await backend.sync();
      if (r >= 2) times.push(performance.now() - t0);
      for (const t of list) t.dispose();
    }
    times.sort((a, b) => a - b);
    const ms = times[times.length >> 1];
    rows.push({ name, ms, note: note(ms) });
  }
  const kept = [];
  const keep = (t) => {
    kept.push(T.keep(t));
    return t;
  };

  const n = quick ? 1 << 14 : 1 << 20;
  const rate = (ms) => `${(n / ms / 1e3).toFixed(0)} M values/s`;
  const base = keep(T.zeros([n]));
  await bench(`baseline: x + x, ${n}`, () => base.add(base), rate);
  await bench(`randomUniform ${n}`, () => ops.randomUniform([n], { seed: 1 }), rate);
  await bench(`randomNormal ${n}`, () => ops.randomNormal([n], { seed: 1 }), rate);
  await bench(`dropout ${n} (p = 0.1)`, () => ops.dropout(base, 0.1, { seed: 3 }), rate);

  const [R, V] = quick ? [16, 512] : [256, 8192];
  const logits = keep(ops.randomNormal([R, V], { seed: 4, std: 3 }));
  await bench(`baseline: softmax [${R}, ${V}]`, () => ops.softmax(logits, -1));
  await bench(`multinomial [${R}, ${V}] logits, T = 0.9`, () =>
    ops.multinomial(logits, { seed: 5, fromLogits: true, temperature: 0.9 }),
  );
  await bench(`topk [${R}, ${V}] k = 16`, () => Object.values(ops.topk(logits, 16)));
  const N = quick ? 256 : 1024;
  const conf = keep(ops.randomNormal([4, N], { seed: 6 }));
  await bench(`gumbel [4, ${N}]`, () => ops.gumbel([4, N], { seed: 7 }));
  await bench(`topk [4, ${N}] k = 64`, () => Object.values(ops.topk(conf, 64)));
  await bench(`topk [4, ${N}] k = ${N / 2}`, () => Object.values(ops.topk(conf, N / 2)));

  // AdamW over a model-sized parameter list.
  const sizes = Array.from({ length: quick ? 4 : 40 }, (_, i) =>
    i % 4 === 0 ? 4096 : quick ? 16384 : 196608,
  );
  const total = sizes.reduce((a, b) => a + b, 0);
  const P = sizes.map((s, i) => keep(ops.randomNormal([s], { seed: 10 + i })));
  const G = sizes.map((s, i) => keep(ops.randomNormal([s], { seed: 100 + i })));
  const M = sizes.map((s) => keep(T.zeros([s])));
  const Vs = sizes.map((s) => keep(T.zeros([s])));
  const label = `${sizes.length} tensors, ${(total / 1e6).toFixed(2)}M params`;
  await bench(`baseline: p + g over ${label}`, () => P.map((p, i) => p.add(G[i])));
  let step = 0;
  await bench(
    `adamwStep ${label}`,
    () => ops.adamwStep(P, G, M, Vs, { lr: 1e-3, step: ++step }),
    (ms) => `${((total * 4 * 7) / ms / 1e6).toFixed(2)} GB/s (7 f32 streams)`,
  );
  for (const t of kept) t.dispose();
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { reps: { type: 'string', default: '10' }, quick: { type: 'boolean', default: false } },
  });
  const { gpu } = await T.init();
  console.log(`adapter: ${gpu?.adapterName ?? 'cpu'}`);
  for (const r of await run({ reps: Number(values.reps), quick: values.quick })) {
    console.log(`${r.name.padEnd(52)} ${r.ms.toFixed(2).padStart(9)} ms  ${r.note}`);
  }
  process.exit(0);
}
