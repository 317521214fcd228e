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
import { logSoftmax, softmax } from './nn.js';

checkLeaks();

// Row lengths: 1, below/at/above the workgroup sizes (32..256 lanes), and a long row.
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
];

describe('fused softmax / logSoftmax: device = CPU reference', () => {
  for (const shape of SHAPES) {
    it(`forward and backward on [${shape}]`, async () => {
      await compareBackends(
        () => {
          const x = rand(shape, 11, { lo: -8, hi: 8, requiresGrad: true });
          const w = rand(shape, 12);
          const y = softmax(x);
          const z = logSoftmax(x);
          y.mul(w).sum().add(z.mul(w).sum()).backward();
          return [y, z, x.grad!];
        },
        { atol: 2e-6, rtol: 1e-4 },
      );
    });
  }
  it('other axes (permuted), non-contiguous input', async () => {
    await compareBackends(
      () => {
        const x = rand([4, 6, 5], 3, { lo: -3, hi: 3, requiresGrad: true });
        const w = rand([4, 6, 5], 4);
        const a = softmax(x, 1);
        const b = logSoftmax(x.transpose(0, 2), 0);
        a.mul(w).sum().add(b.sum()).backward();
        return [a, b, x.grad!];
      },
      { atol: 2e-6, rtol: 1e-4 },
    );
  });
  it('is stable for large logits and masked (-inf) entries', async () => {
    const inf = Number.POSITIVE_INFINITY;
    const e = Math.exp(-1);
    for (const be of ['cpu', DEVICE] as const) {
      await useBackend(be);
      const [y, z] = tidy(() => {
        const x = tensor([1000, 1001, -1000, 0, -inf, 3, -inf, -inf], [2, 4]);
        return [softmax(x), logSoftmax(x)];
      });
      const [yv, zv] = [Array.from(await y.data()), Array.from(await z.data())];
      expectClose(yv, [e / (1 + e), 1 / (1 + e), 0, 0, 0, 1, 0, 0], { atol: 1e-6, label: be });
      expectClose(zv.slice(0, 2), [-1 - Math.log1p(e), -Math.log1p(e)], { atol: 1e-4, label: be });
      expect(zv.slice(4), be).toEqual([-inf, 0, -inf, -inf]);
      y.dispose();
      z.dispose();
    }
  });
  it('f16 input accumulates in f32', async () => {
    await useBackend(DEVICE);
    if (!deviceHasF16()) return; // adapter without shader-f16: nothing to check
    const n = 3000;
    const v = randomArray(2 * n, 5, -4, 4);
    const [y16, y32] = tidy(() => {
      const x16 = tensor(v, [2, n], { dtype: 'f16' });
      return [softmax(x16), softmax(x16.cast('f32'))];
    });
    expect(y16.dtype).toBe('f16');
    expectClose(await y16.data(), await y32.data(), { atol: 2e-6, rtol: 2e-3 });
    y16.dispose();
    y32.dispose();
  });
});

describe('softmax gradients on the CPU reference', () => {
  it('gradcheck softmax and logSoftmax', async () => {
    await useBackend('cpu');
    await gradcheck((x) => softmax(x), [{ shape: [3, 5] }]);
    await gradcheck((x) => logSoftmax(x), [{ shape: [3, 5] }]);
    await gradcheck((x) => softmax(x, 0), [{ shape: [4, 2] }]);
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
    const x = rand(shape, 13, { lo: -8, hi: 8, requiresGrad: true });
    const w = rand(shape, 14);
    const y = softmax(x);
    const z = logSoftmax(x);
    y.mul(w).sum().add(z.mul(w).sum()).backward();
    return [y, z, x.grad!];
  },
  { atol: 2e-6, rtol: 1e-4 },
);
