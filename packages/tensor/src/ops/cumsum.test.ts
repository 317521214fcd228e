import { describe, expect, it } from 'vitest';
import { Cumsum } from '../kernels/declarations.js';
import { tensor } from '../tensor.js';
import {
  checkLeaks,
  compareBackends,
  DEVICE,
  deviceHasF16,
  expectClose,
  gradcheck,
  rand,
  useBackend,
} from '../testing/index.js';
import { cumsum } from './cumsum.js';

checkLeaks();

/** The scan written out the slow way, on host arrays: the test's own reference. */
function naive(x: ArrayLike<number>, shape: number[], axis: number, reverse = false): Float64Array {
  const outer = shape.slice(0, axis).reduce((p, d) => p * d, 1);
  const n = shape[axis];
  const inner = shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  const out = new Float64Array(x.length);
  for (let p = 0; p < outer; p++)
    for (let q = 0; q < inner; q++)
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) if (reverse ? j >= i : j <= i) s += x[(p * n + j) * inner + q];
        out[(p * n + i) * inner + q] = s;
      }
  return out;
}

// shapes × axes: 0-size, 1, lengths off the SIMD width (inner 1, 3, 5, 4k), a long axis, a wide one
const CASES: [number[], number][] = [
  [[0], 0],
  [[1], 0],
  [[7], 0],
  [[7], -1],
  [[3, 5], 0],
  [[3, 5], 1],
  [[2, 3, 4], 1],
  [[2, 3, 9], 0],
  [[4, 0, 3], 2],
  [[2, 1000], 1],
  [[300, 6], 0],
  [[2, 17, 33], -2],
];

describe(`cumsum on ${DEVICE} matches the CPU reference and the naive scan`, () => {
  for (const [shape, axis] of CASES) {
    for (const reverse of [false, true]) {
      it(`[${shape}] axis ${axis}${reverse ? ' reverse' : ''}`, async () => {
        const seed = shape.reduce((p, d) => p * 31 + d, axis + 40);
        const { cpu } = await compareBackends(() => cumsum(rand(shape, seed), axis, { reverse }), {
          atol: 1e-4,
          rtol: 1e-4,
        });
        await useBackend('cpu');
        const x = rand(shape, seed);
        const ax = axis < 0 ? axis + shape.length : axis;
        expectClose(cpu[0], naive(x.dataSync(), shape, ax, reverse), { atol: 1e-5, rtol: 1e-5 });
        x.dispose();
      });
    }
  }

  it('reads strided inputs (a transposed view) and works as a Tensor method', async () => {
    await compareBackends(() => rand([6, 5], 3).T.cumsum(1), { atol: 1e-5, rtol: 1e-5 });
  });

  it('treats a scalar as a length-1 axis', async () => {
    await useBackend(DEVICE);
    const x = tensor(2.5);
    const y = cumsum(x, 0);
    expect(y.shape).toEqual([]);
    expect(await y.item()).toBe(2.5);
    y.dispose();
    x.dispose();
  });

  it('f16: matches the CPU f16 reference within f16 rounding', async () => {
    await useBackend(DEVICE);
    if (!deviceHasF16()) return; // WebGPU without shader-f16 cannot store f16 (tested in dtype tests)
    await compareBackends(() => cumsum(rand([4, 40], 9).cast('f16'), 1).cast('f32'), {
      atol: 2e-2,
      rtol: 2e-2,
    });
  });

  it('rejects integer tensors and bad axes, naming the op', async () => {
    await useBackend(DEVICE);
    const i = tensor([1, 2, 3], [3], { dtype: 'i32' });
    expect(() => cumsum(i, 0)).toThrow(/cumsum: needs a float tensor, got i32/);
    const x = rand([2, 3], 1);
    expect(() => cumsum(x, 2)).toThrow(/cumsum: axis 2 is out of range for rank 2/);
    expect(() => Cumsum.run([], { axis: 0, reverse: false })).toThrow(/cumsum: expects inputs \(x\), got 0/);
    i.dispose();
    x.dispose();
  });
});

describe('cumsum gradient', () => {
  it('is the reverse scan: finite differences on the CPU', async () => {
    await useBackend('cpu');
    await gradcheck((x) => cumsum(x, 1), [{ shape: [3, 5] }]);
    await gradcheck((x) => cumsum(x, 0, { reverse: true }), [{ shape: [4, 2] }]);
    await gradcheck((x) => cumsum(x, -1).mul(cumsum(x, 0)), [{ shape: [3, 4] }]);
  });

  it(`${DEVICE} gradient equals the CPU one`, async () => {
    await compareBackends(
      () => {
        const x = rand([5, 37], 11, { requiresGrad: true });
        cumsum(x, 1)
          .mul(rand([5, 37], 12))
          .sum()
          .backward();
        const x2 = rand([9, 4, 3], 13, { requiresGrad: true });
        cumsum(x2, 0, { reverse: true })
          .mul(rand([9, 4, 3], 14))
          .sum()
          .backward();
        return [x.grad!, x2.grad!];
      },
      { atol: 1e-4, rtol: 1e-4 },
    );
  });
});
