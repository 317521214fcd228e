import { describe, expect, it } from 'vitest';
import { Rotary } from '../kernels/declarations.js';
import { tidy } from '../scope.js';
import { tensor } from '../tensor.js';
import {
  checkLeaks,
  compareBackends,
  DEVICE,
  expectClose,
  gradcheck,
  rand,
  useBackend,
} from '../testing/index.js';
import { rotary } from './rotary.js';

checkLeaks();

/** cos/sin tables [P, half] of the usual frequencies base^(−2i/r). */
function tables(P: number, half: number): { cos: Float32Array; sin: Float32Array } {
  const cos = new Float32Array(P * half);
  const sin = new Float32Array(P * half);
  for (let p = 0; p < P; p++)
    for (let i = 0; i < half; i++) {
      const a = p * 10000 ** (-i / half);
      cos[p * half + i] = Math.cos(a);
      sin[p * half + i] = Math.sin(a);
    }
  return { cos, sin };
}

/** The rotation written out on host arrays (the test's own reference), as a 2×2 matrix per pair. */
function naive(
  x: ArrayLike<number>,
  shape: number[],
  r: number,
  offset: number,
  inverse: boolean,
): Float64Array {
  const D = shape[shape.length - 1];
  const S = shape[shape.length - 2];
  const half = r / 2;
  const out = Float64Array.from(x);
  for (let row = 0; row < (D ? x.length / D : 0); row++) {
    const p = offset + (row % S);
    for (let i = 0; i < half; i++) {
      const th = (inverse ? -1 : 1) * p * 10000 ** (-i / half);
      const [a, b] = [x[row * D + i], x[row * D + half + i]];
      out[row * D + i] = Math.cos(th) * a - Math.sin(th) * b;
      out[row * D + half + i] = Math.sin(th) * a + Math.cos(th) * b;
    }
  }
  return out;
}

// [shape, rotaryDim, offset]: 0-size, one row, full and partial rotary, odd row counts, an offset
const CASES: [number[], number, number][] = [
  [[0, 4], 4, 0],
  [[1, 2], 2, 0],
  [[3, 8], 8, 0],
  [[2, 5, 6], 4, 0],
  [[2, 3, 7, 10], 6, 0],
  [[1, 2, 3, 8], 4, 5],
  [[4, 33, 64], 32, 2],
  [[2, 2, 9, 6], 0, 0],
];

describe(`rotary on ${DEVICE} matches the CPU reference and the rotation written out`, () => {
  for (const [shape, r, offset] of CASES) {
    for (const inverse of [false, true]) {
      it(`[${shape}] r ${r} offset ${offset}${inverse ? ' inverse' : ''}`, async () => {
        const S = shape[shape.length - 2];
        const { cos, sin } = tables(offset + S + 3, r / 2);
        const P = offset + S + 3;
        const seed = shape.reduce((p, d) => p * 31 + d, r + offset);
        const { cpu } = await compareBackends(
          () =>
            rotary(rand(shape, seed), tensor(cos, [P, r / 2]), tensor(sin, [P, r / 2]), { offset, inverse }),
          { atol: 1e-5, rtol: 1e-5 },
        );
        await useBackend('cpu');
        const x = rand(shape, seed);
        expectClose(cpu[0], naive(x.dataSync(), shape, r, offset, inverse), { atol: 1e-5, rtol: 1e-5 });
        x.dispose();
      });
    }
  }

  it('reads a strided input (a transposed view) and inverse undoes the rotation', async () => {
    const { cos, sin } = tables(8, 2);
    await compareBackends(
      () => {
        const [c, s] = [tensor(cos, [8, 2]), tensor(sin, [8, 2])];
        const x = rand([2, 6, 5], 3).permute([0, 2, 1]); // [2, 5, 6], not contiguous
        return [
          rotary(x, c, s),
          rotary(rotary(x, c, s, { offset: 2 }), c, s, { offset: 2, inverse: true }).sub(x),
        ];
      },
      { atol: 1e-5, rtol: 1e-5 },
    );
  });

  it('rejects bad tables, dtypes and offsets, naming the op', async () => {
    await useBackend(DEVICE);
    const { cos, sin } = tables(4, 2);
    const c = tensor(cos, [4, 2]);
    const s = tensor(sin, [4, 2]);
    const x = rand([3, 4], 1);
    expect(() => rotary(x, c, s, { offset: 2 })).toThrow(
      /rotary: tables must be \[>= 5, 2\] for offset 2 and 3 rows/,
    );
    expect(() => tidy(() => rotary(rand([3, 3], 1), c, s))).toThrow(
      /rotaryDim 4 must be even and at most the row length 3/,
    );
    expect(() => rotary(x, c, s, { offset: -1 })).toThrow(/offset must be an integer >= 0/);
    const i = tensor([1, 2, 3, 4], [1, 4], { dtype: 'i32' });
    expect(() => rotary(i, c, s)).toThrow(/rotary: x must be f32, got i32/);
    expect(() => Rotary.run([], { rotaryDim: 2, offset: 0, inverse: false })).toThrow(
      /rotary: expects inputs/,
    );
    for (const t of [c, s, x, i]) t.dispose();
  });
});

describe('rotary gradient', () => {
  it('is the inverse rotation: finite differences on the CPU', async () => {
    await useBackend('cpu');
    const { cos, sin } = tables(9, 3);
    await gradcheck(
      (x) => rotary(x, tensor(cos, [9, 3]), tensor(sin, [9, 3]), { offset: 2 }),
      [{ shape: [2, 4, 8] }],
    );
  });

  it(`${DEVICE} gradient equals the CPU one`, async () => {
    const { cos, sin } = tables(40, 8);
    await compareBackends(
      () => {
        const x = rand([3, 37, 20], 11, { requiresGrad: true });
        rotary(x, tensor(cos, [40, 8]), tensor(sin, [40, 8]), { offset: 1 })
          .mul(rand([3, 37, 20], 12))
          .sum()
          .backward();
        return [x.grad!];
      },
      { atol: 1e-4, rtol: 1e-4 },
    );
  });
});
