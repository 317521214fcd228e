import { describe, expect, it } from 'vitest';
import { tensor } from '../tensor.js';
import { checkLeaks, compareBackends, DEVICE, expectClose, rand, useBackend } from '../testing/index.js';
import * as R from './reduce.js';

checkLeaks();

describe('reductions over any axes: device = CPU reference', () => {
  const shapes: [number[], number | number[] | undefined][] = [
    [[5], undefined],
    [[3, 70], -1],
    [[3, 70], 0],
    [
      [2, 3, 4],
      [0, 2],
    ],
    [[4, 1, 129], 2],
    [[2, 300, 3], 1],
  ];
  for (const [shape, axis] of shapes) {
    it(`sum/mean/max/min of [${shape}] over ${JSON.stringify(axis)}`, async () => {
      await compareBackends(
        () => {
          const x = rand(shape, 3, { lo: -5, hi: 5 });
          return [R.sum(x, axis), R.mean(x, axis, true), R.max(x, axis), R.min(x, axis), R.variance(x, axis)];
        },
        { atol: 1e-4, rtol: 1e-5 },
      );
    });
  }
  it('argmax/argmin return the first index among ties, as i32', async () => {
    const { device } = await compareBackends(() => {
      const x = tensor([1, 3, 3, 0, -2, -2, 5, 5], [2, 4]);
      return [R.argmax(x, 1), R.argmin(x, 1), R.argmax(x, 0)];
    });
    expect(Array.from(device[0])).toEqual([1, 2]);
    expect(Array.from(device[1])).toEqual([3, 0]);
    expect(Array.from(device[2])).toEqual([0, 0, 1, 1]);
  });
  it('logsumexp is stable for large values', async () => {
    const { device } = await compareBackends(() => R.logsumexp(tensor([1000, 1000, -1000, 0], [2, 2]), -1));
    expectClose(device[0], [1000 + Math.log(2), 0], { atol: 1e-3 });
  });
  it('sum of an empty axis is 0; max of one names the op', async () => {
    await useBackend(DEVICE);
    const x = rand([3, 0], 1);
    const s = R.sum(x, 1);
    expect(Array.from(await s.data())).toEqual([0, 0, 0]);
    expect(() => R.max(x, 1)).toThrow(/max: cannot reduce an empty axis of \[3, 0\]/);
    x.dispose();
    s.dispose();
  });
  it('integer sums stay exact', async () => {
    const { device } = await compareBackends(() => R.sum(tensor([2147483, 5, -7, 1], [4], { dtype: 'i32' })));
    expect(Array.from(device[0])).toEqual([2147482]);
  });
});

describe('short sums over an inner axis (slice adds, no transpose copy)', () => {
  const naive = (v: ArrayLike<number>, shape: number[], a: number): number[] => {
    const outer = shape.slice(0, a).reduce((p, d) => p * d, 1);
    const n = shape[a];
    const inner = shape.slice(a + 1).reduce((p, d) => p * d, 1);
    const out: number[] = [];
    for (let o = 0; o < outer; o++)
      for (let i = 0; i < inner; i++) {
        let t = 0;
        for (let j = 0; j < n; j++) t += v[(o * n + j) * inner + i];
        out.push(t);
      }
    return out;
  };
  for (const [shape, axis] of [
    [[5, 2, 40], 1],
    [[3, 8, 17], 1],
    [[3, 5, 2, 16], 2],
    [[4, 64], 0],
    [[2, 9, 20], 1],
    [[40, 24], 0],
    [[300, 1, 17], 0],
  ] as [number[], number][]) {
    it(`sum of [${shape}] over ${axis} = the naive sum, device = CPU`, async () => {
      const { device } = await compareBackends(() => {
        const x = rand(shape, 7, { lo: -3, hi: 3 });
        return [R.sum(x, axis), R.sum(x, axis, true), R.mean(x, axis)];
      });
      await useBackend(DEVICE);
      const x = rand(shape, 7, { lo: -3, hi: 3 });
      const want = naive(await x.data(), shape, axis);
      x.dispose();
      expectClose(device[0], want, { atol: 1e-5 });
      expectClose(device[1], want, { atol: 1e-5 });
      expectClose(
        device[2],
        want.map((t) => t / shape[axis]),
        { atol: 1e-5 },
      );
    });
  }
  it('sum of [3, 7, 33] over its leading axes [0, 1] (a bias gradient) = the naive sum, device = CPU', async () => {
    const { device } = await compareBackends(() => R.sum(rand([3, 7, 33], 4, { lo: -2, hi: 2 }), [0, 1]));
    await useBackend(DEVICE);
    const x = rand([3, 7, 33], 4, { lo: -2, hi: 2 });
    expectClose(device[0], naive(await x.data(), [21, 33], 0), { atol: 1e-5 });
    x.dispose();
  });
  it('of a strided view ([16, 3, 20] transposed to [3, 16, 20])', async () => {
    await useBackend(DEVICE);
    const base = rand([16, 3, 20], 2, { lo: -1, hi: 1 });
    const x = base.permute([1, 0, 2]);
    const s = R.sum(x, 1);
    const v = await base.data();
    const want: number[] = [];
    for (let j = 0; j < 3; j++)
      for (let k = 0; k < 20; k++) {
        let t = 0;
        for (let i = 0; i < 16; i++) t += v[(i * 3 + j) * 20 + k];
        want.push(t);
      }
    // n = 16 > 8: the kernel path; n = 3 over axis 0 of [3, 16, 20]
    expectClose(await s.data(), want, { atol: 1e-5 });
    const s0 = R.sum(x, 0);
    const want0: number[] = [];
    for (let i = 0; i < 16; i++)
      for (let k = 0; k < 20; k++)
        want0.push(v[i * 3 * 20 + k] + v[(i * 3 + 1) * 20 + k] + v[(i * 3 + 2) * 20 + k]);
    expectClose(await s0.data(), want0, { atol: 1e-5 });
    for (const t of [base, x, s, s0]) t.dispose();
  });
});

describe('two-stage reduction of few long rows', () => {
  it('sum/max/min of [2, 100000] and of 300000 elements match the CPU', async () => {
    await compareBackends(
      () => {
        const x = rand([2, 100000], 9, { lo: -1, hi: 1 });
        const y = rand([300000], 8, { lo: 0, hi: 1 });
        return [R.sum(x, 1), R.max(x, 1), R.min(x, 1), R.sum(y), R.mean(y), R.argmax(x, 1)];
      },
      { atol: 2e-3, rtol: 1e-4 },
    );
  });
});
