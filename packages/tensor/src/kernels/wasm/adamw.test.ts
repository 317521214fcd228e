import { describe, it } from 'vitest';
import { adamwStep } from '../../ops/optim.js';
import { tensor } from '../../tensor.js';
import { checkLeaks, expectClose, randomArray } from '../../testing/index.js';

// WASM AdamW (SIMD) against the CPU reference: same f32 arithmetic, so nearly bit-equal.
checkLeaks('wasm');

async function steps(be: string, n: number, opts: { weightDecay: number }) {
  const p = tensor(randomArray(n, 1), [n], { backend: be });
  const m = tensor(new Float32Array(n), [n], { backend: be });
  const v = tensor(new Float32Array(n), [n], { backend: be });
  for (let k = 1; k <= 4; k++) {
    const g = tensor(randomArray(n, 10 + k, -3, 3), [n], { backend: be });
    adamwStep([p], [g], [m], [v], { lr: 1e-2, step: k, ...opts });
    g.dispose();
  }
  const r = [await p.data(), await m.data(), await v.data()];
  for (const t of [p, m, v]) t.dispose();
  return r;
}

describe('wasm adamw vs CPU reference', () => {
  for (const n of [1, 3, 4, 7, 64, 1001]) {
    it(`n = ${n}`, async () => {
      for (const weightDecay of [0, 0.1]) {
        const [c, w] = [await steps('cpu', n, { weightDecay }), await steps('wasm', n, { weightDecay })];
        ['param', 'm', 'v'].forEach((name, i) => {
          expectClose(w[i], c[i], { atol: 1e-7, rtol: 1e-6, label: `${name} n=${n} wd=${weightDecay}` });
        });
      }
    });
  }
});
