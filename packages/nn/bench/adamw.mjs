// AdamW step throughput for a ~10M-parameter model on the default backend: the fused kernel (one
// dispatch per tensor) vs the same update composed from elementwise ops. Run: pnpm build && node bench/adamw.mjs

import { AdamW } from '@unif2ace/nn';
import { getBackend, init, keep, ops, tidy, zeros } from '@unif2ace/tensor';

const SHAPES = [
  ...Array.from({ length: 8 }, () => [1024, 1152]), // 8 × 1.18M
  ...Array.from({ length: 16 }, () => [1024]),
  [512, 1024],
];

function composedStep(ps, ms, vs, step, lr = 1e-3, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.01) {
  tidy(() => {
    ps.forEach((p, i) => {
      const g = p.grad;
      ms[i].copy_(ms[i].mul(b1).add(g.mul(1 - b1)));
      vs[i].copy_(vs[i].mul(b2).add(g.square().mul(1 - b2)));
      const upd = ms[i]
        .div(1 - b1 ** step)
        .div(
          vs[i]
            .div(1 - b2 ** step)
            .sqrt()
            .add(eps),
        )
        .mul(lr);
      p.copy_(
        p
          .detach()
          .mul(1 - lr * wd)
          .sub(upd),
      );
    });
  });
}

export async function run({ steps = 10 } = {}) {
  await init();
  const be = getBackend();
  const params = SHAPES.map((s, i) => keep(ops.randn(s, { seed: i }).mul(0.02)).requiresGrad_());
  for (const [i, p] of params.entries()) p.grad = keep(ops.randn(p.shape, { seed: 100 + i }).mul(1e-3));
  const n = params.reduce((a, p) => a + p.size, 0);
  const opt = new AdamW(params, { lr: 1e-3 });
  const ms = params.map((p) => keep(zeros(p.shape)));
  const vs = params.map((p) => keep(zeros(p.shape)));
  const rows = [];
  for (const [name, stepFn] of [
    ['fused adamwStep', () => opt.update()],
    ['composed ops', (s) => composedStep(params, ms, vs, s)],
  ]) {
    stepFn(1);
    await be.sync();
    const t0 = performance.now();
    for (let s = 2; s < 2 + steps; s++) stepFn(s);
    await be.sync();
    const ms_ = (performance.now() - t0) / steps;
    rows.push({ name, params: n, msPerStep: ms_, paramsPerSec: (n / ms_) * 1e3 });
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await run();
  console.log(`AdamW step, ${(rows[0].params / 1e6).toFixed(2)}M parameters (${getBackend().name})`);
  for (const r of rows)
    console.log(
      `  ${r.name.padEnd(18)} ${r.msPerStep.toFixed(1).padStart(8)} ms/step  ${(r.paramsPerSec / 1e6).toFixed(1)} M params/s`,
    );
  console.log(`  fused / composed speed-up: ${(rows[1].msPerStep / rows[0].msPerStep).toFixed(2)}×`);
  process.exit(0);
}
