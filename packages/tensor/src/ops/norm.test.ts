import { describe, expect, it } from 'vitest';
import { tidy } from '../scope.js';
import { tensor } from '../tensor.js';
import {
  checkLeaks,
  compareBackends,
  DEVICE,
  deviceHasF16,
  expectClose,
  gradcheck,
  rand,
  randomArray,
  useBackend,
} from '../testing/index.js';
import { describeRowLaneCounts } from '../testing/row-lanes.js';
import { layerNorm, rmsNorm } from './norm.js';

checkLeaks();

const SHAPES = [
  [1, 1],
  [3, 1],
  [2, 7],
  [5, 33],
  [4, 128],
  [3, 257],
  [2, 1000],
  [2, 3000],
  [2, 5000],
  [2, 3, 65],
  [300, 5],
];

describe('fused layerNorm / rmsNorm: device = CPU reference, forward and all gradients', () => {
  for (const shape of SHAPES) {
    const n = shape[shape.length - 1];
    it(`[${shape}]`, async () => {
      await compareBackends(
        () => {
          // An offset mean (+3) checks the shifted variance.
          const x = rand(shape, 21, { lo: 1, hi: 5, requiresGrad: true });
          const w = rand([n], 22, { lo: 0.5, hi: 1.5, requiresGrad: true });
          const b = rand([n], 23, { requiresGrad: true });
          const r = rand([n], 24, { lo: 0.5, hi: 1.5, requiresGrad: true });
          const g = rand(shape, 25);
          const y = layerNorm(x, w, b);
          const z = rmsNorm(x, r);
          y.mul(g).sum().add(z.mul(g).mul(0.5).sum()).backward();
          return [y, z, x.grad!, w.grad!, b.grad!, r.grad!];
        },
        { atol: 3e-5, rtol: 2e-4 },
      );
    });
  }
  it('without weight and bias, non-contiguous input, weight frozen', async () => {
    await compareBackends(
      () => {
        const x = rand([6, 40], 31, { lo: -2, hi: 2, requiresGrad: true });
        const w = rand([6], 32);
        const y = layerNorm(x.T, null, null, 1e-3);
        const z = rmsNorm(x.T, w);
        y.square().sum().add(z.sum()).backward();
        return [y, z, x.grad!];
      },
      { atol: 3e-5, rtol: 2e-4 },
    );
  });
  it('names the op and shapes on bad parameters', async () => {
    const x = rand([2, 4], 1);
    const w = rand([3], 2);
    expect(() => layerNorm(x, w)).toThrow(
      /layerNorm: weight has shape \[3\], expected \[4\] for input \[2, 4\]/,
    );
    expect(() => rmsNorm(x, w)).toThrow(/rmsNorm: weight/);
    x.dispose();
    w.dispose();
  });
  it('f16 input accumulates in f32', async () => {
    if (!deviceHasF16()) return; // adapter without shader-f16
    const n = 2000;
    const v = randomArray(3 * n, 5, 10, 12);
    const [a, b] = tidy(() => {
      const x16 = tensor(v, [3, n], { dtype: 'f16' });
      return [layerNorm(x16), layerNorm(x16.cast('f32'))];
    });
    expect(a.dtype).toBe('f16');
    expectClose(await a.data(), await b.data(), { atol: 4e-3, rtol: 2e-3 });
    a.dispose();
    b.dispose();
  });
});

describe('norm gradients on the CPU reference', () => {
  it('gradcheck layerNorm and rmsNorm (x, weight, bias)', async () => {
    await useBackend('cpu');
    await gradcheck((x, w, b) => layerNorm(x, w, b), [{ shape: [3, 6] }, { shape: [6] }, { shape: [6] }]);
    await gradcheck((x) => layerNorm(x), [{ shape: [2, 5] }]);
    await gradcheck((x, w) => rmsNorm(x, w), [{ shape: [3, 6] }, { shape: [6] }]);
    await useBackend(DEVICE);
  });
});

describeRowLaneCounts(
  [
    [3, 1],
    [2, 300],
    [2, 1500],
  ],
  (shape) => {
    const n = shape[1];
    const x = rand(shape, 21, { lo: 1, hi: 5, requiresGrad: true });
    const w = rand([n], 22, { lo: 0.5, hi: 1.5, requiresGrad: true });
    const b = rand([n], 23, { requiresGrad: true });
    const y = layerNorm(x, w, b);
    const z = rmsNorm(x, w);
    y.mul(rand(shape, 25)).sum().add(z.sum()).backward();
    return [y, z, x.grad!, w.grad!, b.grad!];
  },
  { atol: 3e-5, rtol: 2e-4 },
);
