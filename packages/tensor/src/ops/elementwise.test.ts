import { describe, expect, it } from 'vitest';
import { UNARY_TS } from '../kernels/exprs.js';
import { tensor } from '../tensor.js';
import { checkLeaks, compareBackends, DEVICE, expectClose, rand, useBackend } from '../testing/index.js';
import * as E from './elementwise.js';

checkLeaks();

const POSITIVE = new Set(['log', 'sqrt', 'rsqrt']);
// WGSL only promises sin/cos to 2^-11 absolute on [-pi, pi] (SwiftShader is that loose).
const TRIG = new Set(['sin', 'cos']);

describe('unary kernels: device = CPU reference', () => {
  for (const op of Object.keys(UNARY_TS)) {
    it(op, async () => {
      const [lo, hi] = POSITIVE.has(op) ? [0.1, 4] : TRIG.has(op) ? [-3, 3] : [-6, 6];
      const atol = TRIG.has(op) ? 2 ** -11 : 2e-6;
      await compareBackends(() => E.unary(op, rand([3, 37], 5, { lo, hi }), -0.5, 0.75), {
        atol,
        rtol: 2e-5,
        label: op,
      });
    });
  }
  it('on a non-contiguous (transposed, sliced) view', async () => {
    await compareBackends(() => rand([6, 9], 2).transpose(0, 1).slice(0, 1, 8).exp());
  });
  it('on 0-size and 0-d tensors', async () => {
    const { device } = await compareBackends(() => [E.unary('exp', rand([0, 4], 1)), tensor(2).sqrt()]);
    expect(device[0].length).toBe(0);
    expectClose(device[1], [Math.SQRT2]);
  });
  it('gelu matches the exact erf form', async () => {
    await useBackend(DEVICE);
    const x = tensor([-3, -1, 0, 0.5, 2]);
    const y = x.gelu();
    expectClose(await y.data(), [-0.0040496, -0.1586553, 0, 0.3457312, 1.9544997], { atol: 2e-6 });
    x.dispose();
    y.dispose();
  });
});

describe('binary kernels with broadcasting', () => {
  const ops = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum'] as const;
  for (const op of ops) {
    it(`${op}: [4,1,5] with [3,1] and with a scalar`, async () => {
      await compareBackends(() => [
        E[op](rand([4, 1, 5], 1), rand([3, 1], 2, { lo: 0.5, hi: 2 })),
        E[op](rand([7], 3), 1.5),
      ]);
    });
  }
  it('pow with negative bases and integer/fractional exponents', async () => {
    const { device } = await compareBackends(() => [
      E.pow(tensor([-2, -2, 3, 0]), tensor([3, 2, 0.5, 2])),
      E.pow(tensor([-1.5, 2]), 2),
    ]);
    expectClose(device[0], [-8, 4, Math.sqrt(3), 0]);
  });
  it('comparisons give u32 masks', async () => {
    await useBackend(DEVICE);
    const a = tensor([1, 2, 3]);
    const b = tensor([2, 2, 2]);
    const m = a.gt(b);
    expect(m.dtype).toBe('u32');
    expect(Array.from(await m.data())).toEqual([0, 0, 1]);
    for (const t of [a, b, m]) t.dispose();
  });
  it('rejects mismatched shapes and dtypes naming the op', async () => {
    await useBackend(DEVICE);
    const a = rand([2, 3], 1);
    const b = rand([4], 2);
    const c = tensor([1, 2, 3], [3], { dtype: 'i32' });
    expect(() => a.add(b)).toThrow(/add: shapes \[2, 3\] and \[4\] cannot be broadcast/);
    expect(() => a.mul(c)).toThrow(/mul: dtypes differ \(f32 \[2, 3\] vs i32 \[3\]\)/);
    for (const t of [a, b, c]) t.dispose();
  });
});

describe('where, cast, integer ops', () => {
  it('where with tensor and scalar branches', async () => {
    await compareBackends(() => {
      const x = rand([5, 6], 4);
      return [E.where(x.gt(0), x, x.mul(0.1)), E.where(x.lt(0), x, -7)];
    });
  });
  it('casts f32 -> i32 truncate toward zero; i32 arithmetic stays integer', async () => {
    const { device } = await compareBackends(() => {
      const i = E.cast(tensor([-2.7, -0.5, 0.5, 2.9]), 'i32');
      return [
        i,
        i.mul(3).add(tensor([1, 1, 1, 1], [4], { dtype: 'i32' })),
        tensor([7, -7], [2], { dtype: 'i32' }).div(2),
      ];
    });
    expect(Array.from(device[0])).toEqual([-2, 0, 0, 2]);
    expect(Array.from(device[1])).toEqual([-5, 1, 1, 7]);
    expect(Array.from(device[2])).toEqual([3, -3]);
  });
});
