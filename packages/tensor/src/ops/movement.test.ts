import { describe, expect, it } from 'vitest';
import { arange, tensor } from '../tensor.js';
import { checkLeaks, compareBackends, DEVICE, rand, useBackend } from '../testing/index.js';
import * as M from './movement.js';

checkLeaks();

describe('views and movement', () => {
  it('reshape, permute, transpose and slice are views of the same storage', async () => {
    await useBackend(DEVICE);
    const x = rand([2, 3, 4], 1);
    const views = [
      x.reshape([6, 4]),
      x.permute([2, 0, 1]),
      x.transpose(0, 2),
      x.slice(2, 1, 3),
      x.expand([5, 2, 3, 4]),
    ];
    for (const v of views) expect(v.storage).toBe(x.storage);
    expect(views[1].isContiguous()).toBe(false);
    expect(views[3].shape).toEqual([2, 3, 2]);
    for (const v of [x, ...views]) v.dispose();
  });
  it('materialises strided views like torch', async () => {
    const { device } = await compareBackends(() => {
      const x = arange(24, { dtype: 'f32' }).reshape([2, 3, 4]);
      return [
        x.permute([2, 0, 1]).contiguous(),
        x.slice(1, 1).slice(2, 1, 3).contiguous(),
        x.slice(0, 1, 2).expand([3, 1, 3, 4]).contiguous(),
        x.transpose(1, 2).reshape([2, 12]),
      ];
    });
    expect(Array.from(device[0]).slice(0, 8)).toEqual([0, 4, 8, 12, 16, 20, 1, 5]);
    expect(Array.from(device[1])).toEqual([5, 6, 9, 10, 17, 18, 21, 22]);
    expect(Array.from(device[3]).slice(0, 6)).toEqual([0, 4, 8, 1, 5, 9]);
  });
  it('concat and stack along inner and outer axes', async () => {
    await compareBackends(() => {
      const a = rand([2, 3], 1);
      const b = rand([2, 5], 2);
      return [M.concat([a, b], 1), M.concat([a.T, b.T], 0), M.stack([a, a], 1)];
    });
  });
  it('indexSelect gathers rows; indexAdd scatters them back', async () => {
    const { device } = await compareBackends(() => {
      const w = rand([5, 3], 1);
      const ids = tensor([4, 0, 4, 2], [2, 2], { dtype: 'i32' });
      const g = w.indexSelect(0, ids);
      return [
        g,
        M.indexAdd([5, 3], 0, ids.reshape([4]), g.reshape([4, 3])),
        w.indexSelect(1, tensor([2, 2], [2], { dtype: 'i32' })),
      ];
    });
    expect(device[0].length).toBe(12);
  });
  it('errors name the op and the shapes', async () => {
    await useBackend(DEVICE);
    const x = rand([2, 3], 1);
    expect(() => x.reshape([4, 2])).toThrow(/reshape: \[2, 3\] has 6 elements, \[4, 2\] has 8/);
    expect(() => x.slice(1, 2, 5)).toThrow(/slice: range \[2, 5\) is out of bounds for axis 1 of \[2, 3\]/);
    expect(() => x.permute([0, 0])).toThrow(/permute: repeated axis/);
    expect(() => x.expand([4, 3])).toThrow(/expand: cannot expand \[2, 3\] to \[4, 3\]/);
    x.dispose();
    expect(() => x.exp()).toThrow(/unary: tensor #\d+ \[2, 3\] was disposed/);
  });
});
