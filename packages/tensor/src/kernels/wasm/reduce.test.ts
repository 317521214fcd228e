import { describe, expect, it } from 'vitest';
import { kernel } from '../../dispatch.js';
import type { DType } from '../../dtype.js';
import * as R from '../../ops/reduce.js';
import { tidy } from '../../scope.js';
import { type Tensor, tensor } from '../../tensor.js';
import { checkLeaks, expectClose, randomArray } from '../../testing/index.js';
import { reduceStats } from './reduce.js';

// The WASM 'reduce' kernel against the CPU reference: every op and dtype, row lengths around the SIMD
// widths, segmented rows (parts), NaN / ±0 / ties, threads. `reduceStats` proves the WASM path ran.
checkLeaks('wasm');

const numel = (s: number[]) => s.reduce((p, d) => p * d, 1);
const mk = (shape: number[], seed: number, be: string, dtype: DType = 'f32', lo = -5, hi = 5) => {
  const v = randomArray(numel(shape), seed, lo, hi);
  return tensor(dtype === 'f32' || dtype === 'f16' ? v : Array.from(v, Math.round), shape, {
    backend: be,
    dtype,
  });
};

/** Compare exactly, or (f32/f16 sums) within a rounding of the f64 sum. */
async function compare(build: (be: string) => Tensor | Tensor[], label: string, tol: number | null = null) {
  const cpu = tidy(() => [build('cpu')].flat());
  const w0 = reduceStats.wasm;
  const r0 = reduceStats.reference;
  const wasm = tidy(() => [build('wasm')].flat());
  expect(reduceStats.reference - r0, `${label}: reference calls`).toBe(0);
  expect(reduceStats.wasm - w0, `${label}: wasm calls`).toBeGreaterThan(0);
  for (let i = 0; i < cpu.length; i++) {
    expect(wasm[i].dtype, label).toBe(cpu[i].dtype);
    expect(wasm[i].shape, label).toEqual(cpu[i].shape);
    const [w, c] = [await wasm[i].data(), await cpu[i].data()];
    if (tol === null) expect(Array.from(w), `${label} output ${i}`).toEqual(Array.from(c));
    else expectClose(w, c, { atol: tol, rtol: tol, label: `${label} output ${i}` });
  }
  for (const t of [...cpu, ...wasm]) t.dispose();
}

const OPS = ['sum', 'max', 'min', 'argmax', 'argmin'];
const run = (x: Tensor, op: string, outer: number, n: number, parts?: number) =>
  kernel('reduce', [x], parts ? { op, outer, n, parts } : { op, outer, n });

describe('wasm reduce vs CPU reference', () => {
  for (const dtype of ['f32', 'i32', 'u32', 'f16'] as const) {
    it(`${dtype}: every op, rows of 1..33 and 1000`, async () => {
      for (const op of OPS) {
        for (const [outer, n] of [
          [1, 1],
          [3, 3],
          [2, 4],
          [5, 7],
          [4, 8],
          [3, 9],
          [2, 33],
          [7, 1000],
        ]) {
          const lo = dtype === 'u32' ? 0 : -5;
          // f32 sums: the reference's f64 sum rounded once; ours in another order, rounded once
          const tol = op === 'sum' && dtype === 'f32' ? 1e-7 : op === 'sum' && dtype === 'f16' ? 1e-3 : null;
          await compare(
            (be) => run(mk([outer, n], outer * n, be, dtype, lo, 5), op, outer, n),
            `${dtype} ${op} [${outer}, ${n}]`,
            tol,
          );
        }
      }
    });
  }

  it('segmented rows (parts), offset views, an empty sum', async () => {
    for (const op of OPS) {
      for (const [outer, n, parts] of [
        [2, 100, 3],
        [1, 9000, 4],
        [3, 17, 5],
      ]) {
        const tol = op === 'sum' ? 1e-7 : null;
        await compare((be) => run(mk([outer, n], 9, be), op, outer, n, parts), `${op} parts ${parts}`, tol);
      }
    }
    // a view at an offset (a row slice is contiguous)
    await compare((be) => tidy(() => run(mk([6, 40], 3, be).slice(0, 2, 5), 'max', 3, 40)), 'offset view');
    await compare((be) => R.sum(mk([4, 0], 1, be), 1), 'sum of empty rows');
  });

  it('NaN, ±0, infinities and ties follow the reference scan', async () => {
    const N = Number.NaN;
    const rows = [
      [N, 1, 2, 3, 4, 5, 6, 7, 8],
      [1, N, 2, 3, 9, N, 6, 7, 8],
      [-0, 0, 0, -0, -0, 0, 0, 0, 0],
      [0, -0, -0, 0, 0, -0, -0, -0, -0],
      [3, 3, 3, 3, 3, 3, 3, 3, 3],
      [1, 5, 2, 5, 5, 1, 5, 1, 1],
      [-Infinity, -Infinity, -Infinity, -Infinity, -Infinity, Infinity, 2, 2, 2],
      [2, 7, 7, 1, 1, 7, 1, 1, 1],
    ];
    for (const op of OPS) {
      await compare(
        (be) => run(tensor(rows.flat(), [rows.length, 9], { backend: be }), op, rows.length, 9),
        `specials ${op}`,
      );
    }
    const ints = [-2147483648, 2147483647, 5, -5, 2147483647, 0, -2147483648, 7];
    await compare(
      (be) => OPS.map((op) => run(tensor(ints, [2, 4], { backend: be, dtype: 'i32' }), op, 2, 4)),
      'i32 extremes',
    );
    const uints = [4294967295, 0, 2147483648, 7, 4294967295, 1, 0, 2147483647];
    await compare(
      (be) => OPS.map((op) => run(tensor(uints, [2, 4], { backend: be, dtype: 'u32' }), op, 2, 4)),
      'u32 extremes',
    );
  });

  it('big inputs (threads) through the ops: sums, extremes, two-stage rows', async () => {
    await compare(
      (be) => {
        const x = mk([1024, 1024], 5, be);
        return [R.sum(x, 1), R.max(x, 1), R.argmin(x, 1), R.max(x, 0), R.max(x), R.sum(x)];
      },
      'big',
      1e-6,
    );
    // A sum over the leading axis runs as one product with a row of ones (ops/reduce.ts): the matmul's
    // blocked accumulation rounds differently from the reference's running sum. Both are f32 sums of 1024
    // terms up to 5 in size, so they may differ by about N * eps * max|x| = 1024 * 6e-8 * 5 = 3e-4.
    const [c, w] = ['cpu', 'wasm'].map((be) => tidy(() => R.sum(mk([1024, 1024], 5, be), 0)));
    expectClose(await w.data(), await c.data(), {
      atol: 5e-4,
      rtol: 0,
      label: 'big sum over the leading axis',
    });
    c.dispose();
    w.dispose();
  });
});
