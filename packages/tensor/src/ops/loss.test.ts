import { describe, expect, it } from 'vitest';
import { tidy } from '../scope.js';
import { type Tensor, tensor } from '../tensor.js';
import { checkLeaks, compareBackends, DEVICE, gradcheck, rand, useBackend } from '../testing/index.js';
import { describeRowLaneCounts } from '../testing/row-lanes.js';
import { type CrossEntropyOptions, crossEntropy } from './loss.js';

checkLeaks();

/** Deterministic targets in [lo, hi), every 4th row ignored (-100) when `ignore`. */
function targets(n: number, lo: number, hi: number, ignore: boolean): Tensor {
  const t = Int32Array.from({ length: n }, (_, i) =>
    ignore && i % 4 === 1 ? -100 : lo + ((i * 7919 + 3) % (hi - lo)),
  );
  return tensor(t, [n], { dtype: 'i32' });
}

const CASES: [number[], CrossEntropyOptions][] = [
  [[1, 1], {}],
  [[3, 7], { reduction: 'sum' }],
  [[5, 33], { labelSmoothing: 0.1 }],
  [[9, 300], { reduction: 'none', labelSmoothing: 0.2 }],
  [[4, 40], { vocabSlice: [10, 27], labelSmoothing: 0.05 }],
  [[3, 5000], { vocabSlice: [100, 4100] }],
  [[2, 1000], { reduction: 'none' }],
];

describe('fused crossEntropy: device = CPU reference, loss and gradient', () => {
  for (const [[N, V], opts] of CASES) {
    it(`[${N}, ${V}] ${JSON.stringify(opts)}`, async () => {
      const [lo, hi] = opts.vocabSlice ?? [0, V];
      await compareBackends(
        () => {
          const x = rand([N, V], 41, { lo: -6, hi: 6, requiresGrad: true });
          const t = targets(N, lo, hi, N > 2);
          const loss = crossEntropy(x, t, opts);
          (loss.rank ? loss.mul(rand([N], 42)).sum() : loss.mul(1.5)).backward();
          return [loss, x.grad!];
        },
        { atol: 2e-5, rtol: 1e-4 },
      );
    });
  }
  it('a mean over no counted rows is NaN (torch), with zero gradient', async () => {
    const { device } = await compareBackends(() => {
      const x = rand([3, 4], 1, { requiresGrad: true });
      const loss = crossEntropy(x, tensor([-100, -100, -100], [3], { dtype: 'i32' }));
      loss.backward();
      return [loss, x.grad!];
    });
    expect(device[0][0]).toBeNaN();
    expect(Array.from(device[1]).every((v) => v === 0)).toBe(true);
  });
  it('a target outside the classes throws on the CPU and is NaN on WebGPU', async () => {
    const build = () =>
      tidy(() =>
        crossEntropy(rand([2, 10], 1), tensor([3, 9], [2], { dtype: 'i32' }), {
          vocabSlice: [0, 5],
          reduction: 'none',
        }),
      );
    await useBackend('cpu');
    expect(build).toThrow(/crossEntropy: target 9 in row 1 is outside the classes \[0, 5\)/);
    await useBackend(DEVICE);
    if (DEVICE === 'wasm') {
      expect(build).toThrow(/crossEntropy: target 9 in row 1 is outside the classes \[0, 5\)/);
      return;
    }
    // WebGPU cannot raise from a shader: the row's loss is NaN instead
    const l = build();
    const v = await l.data();
    expect(Number.isFinite(v[0])).toBe(true);
    expect(v[1]).toBeNaN();
    l.dispose();
  });
  it('validates shapes and options', async () => {
    const x = rand([2, 5], 1);
    const t = tensor([1, 2], [2], { dtype: 'i32' });
    expect(() => crossEntropy(x, t, { vocabSlice: [3, 3] })).toThrow(/vocabSlice \[3, 3\)/);
    expect(() => tidy(() => crossEntropy(x, tensor([1, 2, 3], [3], { dtype: 'i32' })))).toThrow(
      /targets \[3\] do not match logits \[2, 5\]/,
    );
    x.dispose();
    t.dispose();
  });
});

describe('crossEntropy gradients on the CPU reference', () => {
  it('gradcheck with smoothing, ignoreIndex, slice, each reduction', async () => {
    await useBackend('cpu');
    const t = tensor([2, -100, 4, 3], [4], { dtype: 'i32' });
    await gradcheck((x) => crossEntropy(x, t), [{ shape: [4, 6] }]);
    await gradcheck(
      (x) => crossEntropy(x, t, { labelSmoothing: 0.3, reduction: 'sum' }),
      [{ shape: [4, 6] }],
    );
    await gradcheck(
      (x) => crossEntropy(x, t, { vocabSlice: [2, 5], reduction: 'none', labelSmoothing: 0.1 }),
      [{ shape: [4, 7] }],
    );
    t.dispose();
    await useBackend(DEVICE);
  });
});

describeRowLaneCounts(
  [
    [3, 1],
    [5, 300],
    [2, 1500],
  ],
  ([N, V]) => {
    const x = rand([N, V], 41, { lo: -6, hi: 6, requiresGrad: true });
    crossEntropy(x, targets(N, 0, V, true), { labelSmoothing: 0.1 }).backward();
    return [x.grad!];
  },
  { atol: 2e-5, rtol: 1e-4 },
);
