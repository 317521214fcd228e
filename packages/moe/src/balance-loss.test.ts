import { ops, tensor, tidy } from '@unif2ace/tensor';
import { checkLeaks, DEVICE, expectClose, useBackend } from '@unif2ace/tensor/testing';
import { describe, expect, it } from 'vitest';
import { balanceLoss, zLoss } from './balance-loss.js';
import golden from './fixtures/balance.json';

// λ·E·Σ f_i·P_i per group and the router z-loss against tools/golden/moe_balance.py (PyTorch, float64),
// values and d(balance + z)/d(logits), on the CPU reference and on the backend under test.
checkLeaks();

describe('balance loss and z-loss vs PyTorch', () => {
  for (const c of golden.cases) {
    for (const be of ['cpu', DEVICE] as const) {
      it(`${c.name} (${be})`, async () => {
        await useBackend(be);
        const { T, G, E, k } = c;
        const mask = new Float32Array(T * G * E).fill(-1e9);
        for (let t = 0; t < T; t++)
          mask.fill(0, t * G * E + c.groups[t] * E, t * G * E + (c.groups[t] + 1) * E);
        const tokensPerGroup = Array.from({ length: G }, (_, g) => c.groups.filter((v) => v === g).length);
        const logits = tensor(c.logits, [T, G * E], { requiresGrad: true });
        const [bal, z] = tidy(() => {
          const masked = logits.add(tensor(mask, [T, G * E]));
          const probs = ops.softmax(masked, -1);
          const { indices } = ops.topk(probs, k, -1);
          const bal = balanceLoss(probs, indices, tokensPerGroup, E, c.lambda);
          const z = zLoss(masked);
          bal.add(z).backward();
          return [bal, z];
        });
        expect((await bal.data())[0]).toBeCloseTo(c.balance, 6);
        expect((await z.data())[0]).toBeCloseTo(c.z, 4);
        expectClose(await logits.grad!.data(), c.grad, { atol: 1e-5, rtol: 1e-4, label: 'd/dlogits' });
        for (const t of [bal, z, logits.grad!, logits]) t.dispose();
      });
    }
  }
});
