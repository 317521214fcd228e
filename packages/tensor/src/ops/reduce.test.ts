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
