import { describe, expect, it } from 'vitest';
import * as E from '../ops/elementwise.js';
import * as M from '../ops/movement.js';
import * as N from '../ops/nn.js';
import * as R from '../ops/reduce.js';
import { tidy } from '../scope.js';
import { type Tensor, tensor } from '../tensor.js';
import { checkLeaks, compareBackends, expectClose, gradcheck, rand, useBackend } from '../testing/index.js';
import { noGrad } from './tape.js';

checkLeaks('cpu');

// Every rule: autograd vs central finite differences on the CPU reference.
const cases: [string, (...x: Tensor[]) => Tensor, number[][], { pos?: boolean }?][] = [
  ['add (broadcast)', (a, b) => a.add(b), [[3, 4], [4]]],
  [
    'sub (broadcast)',
    (a, b) => a.sub(b),
    [
      [3, 1],
      [1, 4],
    ],
  ],
  [
    'mul (broadcast)',
    (a, b) => a.mul(b),
    [
      [2, 3],
      [2, 1],
    ],
  ],
  [
    'div',
    (a, b) => a.div(b.abs().add(0.5)),
    [
      [2, 3],
      [2, 3],
    ],
  ],
  ['pow', (a, b) => a.abs().add(0.5).pow(b), [[5], [5]]],
  ['maximum/minimum', (a, b) => a.maximum(b).add(a.minimum(b).mul(2)), [[6], [6]]],
  ['scalar ops', (a) => E.rsub(2, a.mul(3).sub(1).div(4).add(0.5)).pow(2), [[5]]],
  ['rdiv', (a) => E.rdiv(2, a.abs().add(1)), [[5]]],
  ['neg/abs/square', (a) => a.neg().abs().add(a.square()), [[7]]],
  [
    'exp/log/sqrt/rsqrt',
    (a) => a.exp().add(a.abs().add(0.5).log()).add(a.abs().add(0.5).sqrt()).add(a.abs().add(0.5).rsqrt()),
    [[6]],
  ],
  ['tanh/sigmoid/relu', (a) => a.tanh().add(a.sigmoid()).add(a.mul(3).relu()), [[8]]],
  ['gelu/silu', (a) => a.mul(2).gelu().add(a.mul(2).silu()), [[8]]],
  ['sin/cos/recip', (a) => a.sin().add(a.cos()).add(a.abs().add(1).reciprocal()), [[6]]],
  ['clamp/affine', (a) => E.affine(a.mul(2).clamp(-0.5, 0.7), 3, 1), [[8]]],
  ['where', (a, b) => E.where(a.gt(0), a.mul(2), b), [[3, 4], [4]]],
  ['where scalar', (a) => E.where(a.lt(0.2), a.square(), 0.5), [[9]]],
  [
    'reshape/permute/transpose',
    (a) =>
      a
        .reshape([3, 2, 2])
        .permute([2, 0, 1])
        .transpose(0, 1)
        .mul(a.reshape([3, 2, 2]).permute([2, 0, 1]).transpose(0, 1)),
    [[12]],
  ],
  ['slice/expand', (a) => a.slice(1, 1, 3).expand([2, 3, 2]).square(), [[3, 4]]],
  [
    'three slices of one product (q/k/v of a fused projection)',
    (a) => {
      const h = a.mul(2);
      return h
        .slice(1, 0, 2)
        .mul(h.slice(1, 2, 4))
        .add(h.slice(1, 4, 6).square());
    },
    [[3, 6]],
  ],
  [
    'overlapping slices of a leaf and of a used product',
    (a) => {
      const h = a.exp();
      const y = a
        .slice(0, 0, 2)
        .add(a.slice(0, 1, 3))
        .mul(a.slice(0, 1, 3));
      return y.add(h.mul(h).slice(0, 1, 3)).add(h.slice(0, 0, 2).slice(1, 1, 3).sum());
    },
    [[3, 4]],
  ],
  [
    'concat/stack',
    (a, b) => M.stack([M.concat([a, b], 1), M.concat([b, a], 1)], 0).square(),
    [
      [2, 2],
      [2, 3],
    ],
  ],
  ['indexSelect', (a) => a.indexSelect(0, tensor([2, 0, 2, 1], [4], { dtype: 'i32' })).square(), [[3, 2]]],
  ['sum/mean', (a) => R.sum(a, 1, true).mul(R.mean(a, 0)), [[3, 4]]],
  ['max/min (ties split)', (a) => R.max(a, 1).add(R.min(a, [0, 1])), [[3, 4]]],
  ['logsumexp/variance', (a) => R.logsumexp(a, 1).add(R.variance(a, 1)), [[3, 5]]],
  ['softmax/logSoftmax', (a) => N.softmax(a, -1).add(N.logSoftmax(a, 0)), [[3, 4]]],
  [
    'matmul (batched, broadcast)',
    (a, b) => a.matmul(b),
    [
      [2, 3, 4],
      [4, 5],
    ],
  ],
  ['matmul (vector)', (a, b) => a.matmul(b), [[4], [4, 3]]],
];

describe('gradients vs finite differences (CPU reference)', () => {
  for (const [name, f, shapes] of cases) {
    it(name, async () => {
      await useBackend('cpu');
      await gradcheck(
        f,
        shapes.map((shape, i) => ({ shape, seed: 11 + i })),
      );
    });
  }
});

describe('gradients: device = CPU', () => {
  for (const [name, f, shapes] of cases) {
    it(name, async () => {
      await compareBackends(
        () => {
          const xs = shapes.map((s, i) => rand(s, 11 + i, { requiresGrad: true }));
          const y = f(...xs);
          y.mul(rand(y.shape, 99)).sum().backward();
          return xs.map((x) => {
            const g = x.grad!;
            x.grad = null;
            g.kept = false;
            return g;
          });
        },
        { atol: 1e-4, rtol: 1e-4, label: name },
      );
    });
  }
});

describe('autograd semantics', () => {
  it('accumulates into .grad across backward calls', async () => {
    await useBackend('cpu');
    const x = tensor([1, 2, 3], [3], { requiresGrad: true });
    tidy(() => x.square().sum().backward());
    tidy(() => x.mul(3).sum().backward());
    expectClose(await x.grad!.data(), [5, 7, 9]);
    x.grad!.dispose();
    x.dispose();
  });
  it('sums the gradients of several slices of one tensor, onto an earlier .grad too', async () => {
    await useBackend('cpu');
    const x = tensor([1, 2, 3, 4, 5, 6], [6], { requiresGrad: true });
    const twice = () =>
      tidy(() => {
        const h = x.mul(1);
        h.slice(0, 0, 4)
          .mul(2)
          .sum()
          .add(h.slice(0, 2, 6).mul(3).sum())
          .add(h.slice(0, 1, 2).sum())
          .backward();
        // Slices of the leaf itself: the first backward's .grad is summed into.
        x.slice(0, 0, 4)
          .mul(2)
          .sum()
          .add(x.slice(0, 2, 6).mul(3).sum())
          .add(x.slice(0, 1, 2).sum())
          .backward();
      });
    twice();
    expectClose(await x.grad!.data(), [4, 6, 10, 10, 6, 6]);
    twice();
    expectClose(await x.grad!.data(), [8, 12, 20, 20, 12, 12]);
    x.grad!.dispose();
    x.dispose();
  });
  it('frees the graph after backward unless retainGraph', async () => {
    await useBackend('cpu');
    const x = tensor([1, 2], [2], { requiresGrad: true });
    tidy(() => {
      const y = x.exp().sum();
      y.backward({ retainGraph: true });
      y.backward();
      expect(() => y.backward()).toThrow(/already freed/);
    });
    expectClose(await x.grad!.data(), [2 * Math.E, 2 * Math.exp(2)], { rtol: 1e-6 });
    x.grad!.dispose();
    x.dispose();
  });
  it('noGrad and detach stop recording', async () => {
    await useBackend('cpu');
    const x = tensor([1, 2], [2], { requiresGrad: true });
    tidy(() => {
      expect(noGrad(() => x.mul(2)).requiresGrad).toBe(false);
      expect(x.detach().mul(2).requiresGrad).toBe(false);
      expect(() => x.detach().sum().backward()).toThrow(/does not require grad/);
      expect(() => x.mul(2).backward()).toThrow(/not a scalar/);
    });
    x.dispose();
  });
});
