// round: nearest integer with halfway cases to even (torch.round, WGSL round, WASM f32x4.nearest).
import { describe, expect, it } from 'vitest';
import { tensor } from '../tensor.js';
import { checkLeaks, compareBackends, DEVICE, rand, useBackend } from '../testing/index.js';
import * as E from './elementwise.js';

checkLeaks();

const HALVES = [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 1e7 + 0.5, -0.49999997, 0.49999997, 7.4999995];
const ROUNDED = [-2, -2, -0, 0, 2, 2, 4, 1e7, -0, 0, 7];

describe('round', () => {
  it('halfway cases go to the even integer, on the device and the CPU reference', async () => {
    const { device } = await compareBackends(() => E.unary('round', tensor(HALVES)), { atol: 0 });
    expect(Array.from(device[0])).toEqual(ROUNDED);
  });
  it('matches the reference on shapes, a strided view and 0-size', async () => {
    await compareBackends(
      () => [
        E.unary('round', rand([3, 37], 5, { lo: -9, hi: 9 })),
        E.unary('round', rand([9, 14], 4, { lo: -9, hi: 9 }).transpose(0, 1).slice(0, 1, 12)),
        E.unary('round', rand([0, 4], 1)),
      ],
      { atol: 0 },
    );
  });
  it('has no gradient (a straight-through estimator is built on top of it)', async () => {
    await useBackend(DEVICE);
    const x = tensor([0.4, 1.6], [2], { requiresGrad: true });
    const y = E.unary('round', x);
    expect(y.requiresGrad).toBe(false);
    expect(Array.from(await y.data())).toEqual([0, 2]);
    x.dispose();
    y.dispose();
  });
});
