// Sampler cost per step on the WASM backend, B = 8, K = 512, N = 64 and 256, with a cheap on-device
// denoiser (an embedding lookup: logits = table[tokens], [B, N, K]). Side by side in one run:
//   denoiser only    — tokens upload + lookup + logits read-back, what any sampler pays per model call
//   maskgit          — maskgitSample, 18 steps (Show-o defaults: confidence order, noise 4.5)
//   maskgit cfg 3    — the same with classifier-free guidance (two denoiser calls per step)
//   sedd             — seddSample, 64 steps (log-linear, analytic)
// The sampler's own cost per step is its time minus the denoiser-only time. Wall times are the minimum
// over interleaved repeats (median in brackets); CPU is the process's CPU time per step (all threads,
// so it includes WASM workers' spinning), a load-independent check on a shared machine.
// Run: pnpm --filter @unif2ace/diffusion build && node packages/diffusion/bench/samplers.mjs [--reps 3]
import { maskgitSample, seddSample } from '@unif2ace/diffusion';
import { getBackend, init, keep, ops, tensor, tidy } from '@unif2ace/tensor';

const B = 8;
const K = 512;
const args = process.argv.slice(2);
const reps = Number(args[args.indexOf('--reps') + 1]) || 5;

export async function run({ lengths = [64, 256], repeats = reps } = {}) {
  const info = await init({ backend: 'wasm' });
  const be = getBackend();
  // K + 1 rows: row K is the mask token's logits
  const table = keep(tidy(() => ops.randn([K + 1, K], { seed: 1 }).mul(2)));
  const denoiser = (tokens) =>
    tidy(() => table.gather(0, tokens.reshape([tokens.size])).reshape([...tokens.shape, K]));
  const rows = [];
  for (const N of lengths) {
    const base = { batch: B, length: N, codebookSize: K, maskId: K, seed: 5 };
    const cases = [
      [
        'denoiser only',
        1,
        async () => {
          // Valid ids in [0, K] (K is the mask token): random bits cast to i32 would index out of range.
          const ids = Int32Array.from({ length: B * N }, (_, i) => (i * 2654435761) % (K + 1));
          const tokens = tensor(ids, [B, N], { dtype: 'i32' });
          const l = denoiser(tokens);
          tokens.dispose();
          await l.data();
          l.dispose();
        },
      ],
      ['maskgit (18 steps)', 18, () => maskgitSample(denoiser, { ...base, steps: 18 })],
      ['maskgit cfg 3 (18 steps)', 18, () => maskgitSample(denoiser, { ...base, steps: 18, cfg: 3 })],
      ['sedd (64 steps)', 64, () => seddSample(denoiser, { ...base, steps: 64 })],
    ];
    const times = cases.map(() => []);
    const cpuTimes = cases.map(() => []);
    for (const [, , fn] of cases) await fn(); // warm-up
    // interleaved repeats: on a shared machine the minimum is the best estimate of the quiet cost
    for (let r = 0; r < repeats; r++) {
      for (const [c, [, steps, fn]] of cases.entries()) {
        const t0 = performance.now();
        const c0 = process.cpuUsage();
        await fn();
        const cpu = process.cpuUsage(c0);
        times[c].push((performance.now() - t0) / steps);
        cpuTimes[c].push((cpu.user + cpu.system) / 1000 / steps);
      }
    }
    for (const [c, [name]] of cases.entries()) {
      const ts = times[c].sort((a, b) => a - b);
      const cs = cpuTimes[c].sort((a, b) => a - b);
      rows.push({ N, name, msPerStep: ts[0], median: ts[Math.floor(ts.length / 2)], cpuMsPerStep: cs[0] });
    }
  }
  table.dispose();
  return { rows, backend: be.name, threads: info.wasm?.threads };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { rows, backend, threads } = await run();
  console.log(
    `sampler cost per step, ${backend} (${threads} threads), B = ${B}, K = ${K}, min (median) of ${reps} interleaved runs`,
  );
  for (const N of new Set(rows.map((r) => r.N))) {
    const own = rows.find((r) => r.N === N && r.name === 'denoiser only').msPerStep;
    console.log(`N = ${N}`);
    for (const r of rows.filter((x) => x.N === N)) {
      const extra =
        r.name === 'denoiser only' ? '' : `  (${(r.msPerStep / own).toFixed(1)}× the denoiser call)`;
      const ms = `${r.msPerStep.toFixed(2)} (${r.median.toFixed(2)})`.padStart(16);
      console.log(`  ${r.name.padEnd(26)} ${ms} ms/step, CPU ${r.cpuMsPerStep.toFixed(2)} ms/step${extra}`);
    }
  }
}
