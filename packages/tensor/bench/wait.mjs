// Sweeps the adaptive GPU wait (src/backend/webgpu/wait.ts, waitTuning) over tiny and long jobs.
//   node bench/wait.mjs            (after `pnpm --filter @unif2ace/tensor build`)
//   CONFIGS='[{"spinMs":2,"minSleepMs":1,"maxSleepMs":1}]' ROUNDS=5 node bench/wait.mjs
// Configurations run interleaved (round-robin) so machine noise hits them alike; prints median ms per job.
import { init, noGrad, ops, tensor, waitTuning } from '../dist/index.js';
import { randomArray } from '../dist/testing/index.js';

const DEFAULT_CONFIGS = JSON.stringify([
  { spinMs: 1e9 },
  { spinMs: 0, minSleepMs: 1, maxSleepMs: 1 },
  { spinMs: 0.5, minSleepMs: 1, maxSleepMs: 1 },
  { spinMs: 2, minSleepMs: 1, maxSleepMs: 1 },
  { spinMs: 2, minSleepMs: 0.25, maxSleepMs: 2, growth: 8 },
]);
const { backend } = await init();
const be = backend;
const configs = JSON.parse(process.env.CONFIGS ?? DEFAULT_CONFIGS);
const small = tensor(randomArray(256, 1), [256]);
const a = tensor(randomArray(384 * 384, 1), [384, 384]);
const jobs = {
  // tiny: one elementwise dispatch, read back 256 floats
  tiny: async () => {
    const y = noGrad(() => small.mul(2));
    await y.data();
    y.dispose();
  },
  // 8 tiny dispatches then sync
  chain: async () => {
    const y = noGrad(() => {
      let x = small;
      for (let i = 0; i < 8; i++) x = x.add(1);
      return x;
    });
    await be.sync();
    y.dispose();
  },
  // long: 384² matmul (~0.02-0.05 s) + sync
  long: async () => {
    const y = noGrad(() => ops.matmul(a, a));
    await be.sync();
    y.dispose();
  },
};
const reps = { tiny: 60, chain: 40, long: 6 };
for (const j of Object.keys(jobs)) for (let i = 0; i < 3; i++) await jobs[j]();
const res = {};
const defaults = { ...waitTuning };
for (let round = 0; round < Number(process.env.ROUNDS ?? 3); round++) {
  for (const c of configs) {
    Object.assign(waitTuning, defaults, c);
    const name = JSON.stringify(c);
    res[name] ??= {};
    for (const j of Object.keys(jobs)) {
      const t0 = performance.now();
      for (let i = 0; i < reps[j]; i++) await jobs[j]();
      res[name][j] ??= [];
      res[name][j].push((performance.now() - t0) / reps[j]);
    }
  }
}
for (const [name, r] of Object.entries(res)) {
  const med = (x) => x.sort((p, q) => p - q)[x.length >> 1];
  console.log(
    name.padEnd(62),
    Object.entries(r)
      .map(([j, v]) => `${j} ${med(v).toFixed(3)} ms`)
      .join('  '),
  );
}
process.exit(0);
