import { describe, expect, it } from 'vitest';
import type { DType } from '../../dtype.js';
import * as E from '../../ops/elementwise.js';
import { concat } from '../../ops/movement.js';
import { kernel } from '../../ops/run.js';
import { tidy } from '../../scope.js';
import { type Tensor, tensor } from '../../tensor.js';
import { checkLeaks, expectClose, randomArray } from '../../testing/index.js';
import { UNARY_TS } from '../exprs.js';
import { elementwiseStats } from './elementwise.js';

// The WASM elementwise kernels against the CPU reference: every op, contiguous / broadcast / strided /
// 0-size / 0-d operands, integer dtypes, f16, threads. `elementwiseStats` proves which path ran.
checkLeaks('wasm');

const numel = (s: number[]) => s.reduce((p, d) => p * d, 1);
const mk = (shape: number[], seed: number, be: string, lo = -3, hi = 3, dtype: DType = 'f32') =>
  tensor(
    dtype === 'f32' || dtype === 'f16'
      ? randomArray(numel(shape), seed, lo, hi)
      : Array.from(randomArray(numel(shape), seed, lo, hi), Math.round),
    shape,
    { backend: be, dtype },
  );
/** Values where the special cases live. */
const SPECIAL = [
  0,
  -0,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  1e-40,
  -1e-40,
  1e-30,
  100,
  -100,
  88.7,
  -88,
  -103,
  1e30,
  -1e30,
  0.5,
  -0.5,
  1,
  -1,
  2,
  -2,
  3.25,
  -7.5,
  0.625,
  -0.625,
  20,
  -20,
  1e5,
  -1e5,
];

/** build on both backends; compare (exactly when tol is null: same bits up to the sign of NaN). */
async function compare(
  build: (be: string) => Tensor | Tensor[],
  label: string,
  tol: { atol: number; rtol: number } | null = null,
  path: 'wasm' | 'reference' = 'wasm',
): Promise<ArrayLike<number>[]> {
  const cpu = tidy(() => [build('cpu')].flat());
  const w0 = elementwiseStats.wasm;
  const r0 = elementwiseStats.reference;
  const wasm = tidy(() => [build('wasm')].flat());
  if (path === 'wasm') expect(elementwiseStats.reference - r0, `${label}: reference calls`).toBe(0);
  else expect(elementwiseStats.reference - r0, `${label}: reference calls`).toBeGreaterThan(0);
  if (path === 'wasm') expect(elementwiseStats.wasm - w0, `${label}: wasm calls`).toBeGreaterThan(0);
  const out: ArrayLike<number>[] = [];
  for (let i = 0; i < cpu.length; i++) {
    expect(wasm[i].backend.name).toBe('wasm');
    expect(wasm[i].dtype, label).toBe(cpu[i].dtype);
    expect(wasm[i].shape, label).toEqual(cpu[i].shape);
    const [w, c] = [await wasm[i].data(), await cpu[i].data()];
    if (tol) {
      // equal values (infinities, NaN) or within tolerance
      const same = (j: number) => w[j] === c[j] || (Number.isNaN(w[j]) && Number.isNaN(c[j]));
      const a = Array.from(w, (v, j) => (same(j) ? 0 : v));
      expectClose(
        a,
        Array.from(c, (v, j) => (same(j) ? 0 : v)),
        { ...tol, label: `${label} output ${i}` },
      );
    } else expect(Array.from(w), `${label} output ${i}`).toEqual(Array.from(c));
    out.push(w);
  }
  for (const t of [...cpu, ...wasm]) t.dispose();
  return out;
}

const EXACT = new Set([
  'neg',
  'abs',
  'sqrt',
  'rsqrt',
  'relu',
  'square',
  'recip',
  'sign',
  'floor',
  'round',
  'clamp',
  'affine',
]);
const F64 = new Set(['sin', 'cos']);
const POSITIVE = new Set(['log', 'sqrt', 'rsqrt']);
const tolOf = (op: string) =>
  EXACT.has(op) ? null : F64.has(op) ? { atol: 1e-7, rtol: 1e-7 } : { atol: 1e-7, rtol: 1e-6 };

describe('unary', () => {
  for (const op of Object.keys(UNARY_TS)) {
    it(`${op}: shapes, a strided view, special values`, async () => {
      const [lo, hi] = POSITIVE.has(op) ? [0.01, 50] : [-9, 9];
      for (const shape of [[], [1], [7], [3, 37], [64, 33], [0, 5]]) {
        await compare(
          (be) => E.unary(op, mk(shape, 3, be, lo, hi), -0.5, 0.75),
          `${op} [${shape}]`,
          tolOf(op),
        );
      }
      await compare(
        (be) => E.unary(op, mk([9, 14], 4, be, lo, hi).transpose(0, 1).slice(0, 1, 12), 0.3, 1e-3),
        `${op} strided`,
        tolOf(op),
      );
      // sin/cos of |x| >= 1.5e6 run the reference (tested below)
      const special = F64.has(op) ? SPECIAL.filter((v) => !(Math.abs(v) > 1e6)) : SPECIAL;
      await compare(
        (be) => E.unary(op, tensor(special, [special.length], { backend: be }), -2, 1.5),
        `${op} special`,
        tolOf(op),
      );
    });
  }

  it('exp, log, tanh, gelu, silu and sigmoid over a dense range stay within a few ulp', async () => {
    const xs = Array.from({ length: 20001 }, (_, i) => -20 + i * 0.002);
    for (const op of ['exp', 'tanh', 'gelu', 'gelu_grad', 'silu', 'silu_grad', 'sigmoid']) {
      await compare((be) => E.unary(op, tensor(xs, [xs.length], { backend: be })), op, {
        atol: 1e-7,
        rtol: 1e-6,
      });
    }
    const pos = Array.from({ length: 20001 }, (_, i) => 2 ** (-40 + i * 0.004));
    await compare((be) => E.unary('log', tensor(pos, [pos.length], { backend: be })), 'log', {
      atol: 1e-7,
      rtol: 1e-6,
    });
  });

  it('sin/cos of arguments beyond the f64 reduction run the reference', async () => {
    await compare(
      (be) => tensor([1e7, -3e9, 2.5], [3], { backend: be }).sin(),
      'sin big',
      { atol: 1e-7, rtol: 1e-7 },
      'reference',
    );
  });

  it('integer neg/abs/sign/clamp in WASM; square and fractional clamp bounds through the reference', async () => {
    for (const dtype of ['i32', 'u32'] as const) {
      const x = (be: string) =>
        tensor(
          dtype === 'i32' ? [-2147483648, -7, 0, 5, 2147483647, 3] : [0, 1, 7, 4294967295, 2147483648, 3],
          [6],
          {
            backend: be,
            dtype,
          },
        );
      for (const op of ['neg', 'abs', 'sign']) await compare((be) => E.unary(op, x(be)), `${dtype} ${op}`);
      await compare((be) => E.unary('clamp', x(be), 1, 6), `${dtype} clamp`);
      await compare(
        (be) => E.unary('clamp', x(be), 0.5, 6.5),
        `${dtype} clamp fractional`,
        null,
        'reference',
      );
      await compare((be) => E.unary('square', x(be)), `${dtype} square`, null, 'reference');
    }
  });

  it('f16: computed in f32, rounded like the reference', async () => {
    for (const op of ['exp', 'neg', 'gelu', 'affine']) {
      await compare((be) => E.unary(op, mk([5, 11], 7, be, -4, 4, 'f16'), 0.3, 0.1), `f16 ${op}`, {
        atol: 1e-3,
        rtol: 1e-3,
      });
    }
    await compare((be) => E.unary('neg', mk([5, 11], 7, be, -4, 4, 'f16')), 'f16 neg');
  });
});

describe('binary', () => {
  const ops = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge'];
  const call = (op: string, a: Tensor, b: Tensor | number) =>
    ['eq', 'ne', 'lt', 'le', 'gt', 'ge'].includes(op)
      ? E.compare(op as 'eq', a, b)
      : (E as unknown as Record<string, (a: Tensor, b: Tensor | number) => Tensor>)[op](a, b);
  const pairs: [number[], number[]][] = [
    [[37], [37]],
    [
      [4, 1, 5],
      [3, 1],
    ],
    [[6, 9], [9]],
    [
      [6, 9],
      [6, 1],
    ],
    [[5, 7], []],
    [[], [2, 3]],
    [[0, 3], [3]],
    [
      [2, 3, 4, 5],
      [3, 1, 5],
    ],
  ];
  for (const op of ops) {
    it(`${op} f32: broadcasting, strided, scalars`, async () => {
      const tol = op === 'pow' ? { atol: 0, rtol: 2e-7 } : null;
      for (const [sa, sb] of pairs) {
        await compare(
          (be) => call(op, mk(sa, 1, be, 0.25, 3), mk(sb, 2, be, -3, 3)),
          `${op} [${sa}] [${sb}]`,
          tol,
        );
      }
      await compare(
        (be) =>
          call(op, mk([8, 5], 3, be).transpose(0, 1), mk([8, 10], 4, be).slice(1, 2, 7).transpose(0, 1)),
        `${op} strided`,
        tol,
      );
      // integer-valued operands make ties for the comparisons
      await compare(
        (be) => call(op, E.unary('floor', mk([7, 3], 5, be)), E.unary('floor', mk([3], 6, be))),
        `${op} ties`,
        tol,
      );
      for (const s of [1.5, 0.1, -2, 3, 1e-3, 1e39, Number.NaN]) {
        await compare((be) => call(op, mk([3, 11], 7, be, 0.25, 3), s), `${op} scalar ${s}`, tol);
      }
    });
  }

  it('pow follows JavaScript special cases', async () => {
    const v = [
      0,
      -0,
      1,
      -1,
      2,
      -2,
      0.5,
      -8,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      Number.NaN,
      3,
    ];
    const a = v.flatMap((x) => v.map(() => x));
    const b = v.flatMap(() => v);
    await compare(
      (be) => E.pow(tensor(a, [a.length], { backend: be }), tensor(b, [b.length], { backend: be })),
      'pow specials',
      { atol: 0, rtol: 2e-7 },
    );
    await compare(
      (be) => [E.rsub(0.1, mk([9], 8, be)), E.rdiv(0.1, mk([9], 8, be)), E.rdiv(3, mk([9], 8, be))],
      'rsub/rdiv',
    );
    await compare(
      (be) => kernel('binary', [mk([9], 8, be, 0.5, 3)], { op: 'pow', scalar: 0.3, scalarFirst: true }),
      'scalar ** x',
      { atol: 0, rtol: 2e-7 },
    );
  });

  it('i32 and u32: add/sub/mul/max/min/comparisons in WASM, div through the reference', async () => {
    for (const dtype of ['i32', 'u32'] as const) {
      const lo = dtype === 'i32' ? -1000 : 0;
      for (const op of ['add', 'sub', 'mul', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge']) {
        await compare(
          (be) => call(op, mk([4, 1, 5], 1, be, lo, 1000, dtype), mk([3, 1], 2, be, lo, 1000, dtype)),
          `${dtype} ${op}`,
        );
        await compare((be) => call(op, mk([13], 3, be, lo, 1000, dtype), 7), `${dtype} ${op} scalar`);
      }
      await compare((be) => E.sub(mk([5], 3, be, 0, 9, dtype), 12), `${dtype} wraps`);
      await compare((be) => E.div(mk([5], 3, be, 1, 9, dtype), 2), `${dtype} div`, null, 'reference');
      await compare((be) => E.add(mk([5], 3, be, 1, 9, dtype), 0.5), `${dtype} + 0.5`, null, 'reference');
    }
  });
});

describe('where, cast, copy, fill, assign', () => {
  it('where: f32 / u32 / i32 conditions, broadcast, scalar branch, integer values', async () => {
    await compare((be) => {
      const x = mk([5, 6], 4, be);
      return [
        E.where(x.gt(0), x, mk([6], 5, be)),
        E.where(x.lt(0), x, -7.1),
        E.where(mk([5, 1], 6, be, -1, 1), x, mk([1, 6], 7, be)),
        E.where(tensor([0, -0, Number.NaN, 2], [4], { backend: be }), mk([4], 1, be), 3),
        E.where(mk([3, 4], 2, be, -2, 2, 'i32'), mk([4], 1, be, -9, 9, 'i32'), -4),
        E.where(x.transpose(0, 1).gt(0.5), x.transpose(0, 1), x.transpose(0, 1).neg()),
      ];
    }, 'where');
  });

  it('cast between every dtype pair', async () => {
    const v = [
      0,
      -0,
      1.5,
      -2.7,
      2.5e9,
      -3e9,
      4294967295,
      2 ** 31,
      1e20,
      -1e38,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      65519,
      1e-6,
    ];
    const dts = ['f32', 'f16', 'i32', 'u32'] as const;
    for (const from of dts) {
      for (const to of dts) {
        if (from === to) continue;
        const data = from === 'i32' ? Int32Array.from(v) : from === 'u32' ? Uint32Array.from(v) : v;
        await compare(
          (be) => E.cast(tensor(data, [v.length], { backend: be, dtype: from }), to),
          `${from} -> ${to}`,
        );
        await compare(
          (be) => E.cast(mk([7, 9], 2, be, -50, 50, from).transpose(0, 1), to),
          `${from} -> ${to} strided`,
        );
      }
    }
  });

  it('copy of views, fill of every dtype', async () => {
    await compare((be) => E.clone(mk([4, 6, 5], 1, be).permute([2, 0, 1]).slice(2, 1, 5)), 'copy');
    await compare((be) => E.clone(mk([3, 1], 1, be).expand([3, 7])), 'copy broadcast');
    await compare((be) => E.clone(mk([], 1, be)), 'copy 0-d');
    // transposes (the 4x4-block path): odd sizes, a sliced source, batches, i32, big (threads)
    for (const [r, c] of [
      [4, 4],
      [5, 7],
      [37, 50],
      [64, 3],
    ]) {
      await compare((be) => E.clone(mk([r, c], 2, be).transpose(0, 1)), `copy transposed [${r}, ${c}]`);
    }
    await compare(
      (be) => E.clone(mk([50, 40], 3, be).slice(1, 3, 30).transpose(0, 1)),
      'copy sliced transposed',
    );
    await compare((be) => E.clone(mk([3, 9, 13], 4, be).transpose(1, 2)), 'copy batched transposed');
    await compare(
      (be) => E.clone(mk([2, 3, 6, 10], 4, be).permute([0, 1, 3, 2])),
      'copy 4-d batched transposed',
    );
    await compare((be) => E.clone(mk([9, 13], 5, be, -9, 9, 'i32').transpose(0, 1)), 'copy i32 transposed');
    await compare((be) => E.clone(mk([999, 601], 6, be).transpose(0, 1)), 'copy big transposed');
    for (const dtype of ['f32', 'f16', 'i32', 'u32'] as const) {
      for (const value of [0.1, -3, 7, 1e5 + 0.37]) {
        await compare((be) => E.fill([3, 5], value, dtype, be), `fill ${dtype} ${value}`);
      }
    }
    await compare((be) => E.fill([0, 5], 2, 'f32', be), 'fill empty');
  });

  it('assign into a strided destination (concat), with broadcasting', async () => {
    await compare(
      (be) => concat([mk([3, 4], 1, be), mk([3, 5], 2, be).neg(), mk([3, 1], 3, be)], 1),
      'concat axis 1',
    );
    await compare(
      (be) => concat([mk([2, 3, 4], 1, be, -9, 9, 'i32'), mk([2, 1, 4], 2, be, -9, 9, 'i32')], 1),
      'concat i32',
    );
    await compare(
      (be) =>
        tidy(() => {
          const dst = mk([6, 8], 1, be);
          const view = dst.transpose(0, 1).slice(0, 2, 6);
          kernel('assign', [view, mk([6], 2, be)]);
          view.dispose();
          return dst;
        }),
      'assign broadcast into a transposed view',
    );
  });
});

describe('threads, big arrays, rank limits', () => {
  it('big unary/binary/where jobs (split across threads) match', async () => {
    await compare((be) => E.unary('gelu', mk([600, 1000], 1, be)), 'gelu 600k', { atol: 1e-7, rtol: 1e-6 });
    await compare((be) => E.add(mk([600, 1000], 1, be), mk([600, 1], 2, be)), 'add column broadcast 600k');
    await compare(
      (be) => E.mul(mk([1000, 600], 1, be).transpose(0, 1), mk([600, 1000], 2, be)),
      'mul transposed 600k',
    );
    await compare((be) => E.unary('sin', mk([300, 1000], 3, be, -1e4, 1e4)), 'sin 300k', {
      atol: 1e-7,
      rtol: 1e-7,
    });
    // rows longer than a block, thread ranges starting mid-row: broadcast buffers refilled as runs grow
    await compare((be) => {
      const x = mk([301, 1500], 4, be);
      // a sliced x keeps 2 dimensions, so the scalar's (constant) buffer sees a short run, then longer ones
      const xs = mk([301, 2000], 6, be).slice(1, 0, 1500);
      return [E.add(x, mk([301, 1], 5, be)), E.where(x.gt(0), x, -7), E.mul(xs, 0.5)];
    }, 'broadcasts 450k');
  });

  it('rank > 6 after merging dimensions runs the reference', async () => {
    const shape = [2, 2, 2, 2, 2, 2, 2];
    const perm = [6, 5, 4, 3, 2, 1, 0];
    await compare(
      (be) => E.unary('exp', mk(shape, 1, be).permute(perm)),
      'rank 7 strided',
      null,
      'reference',
    );
    await compare((be) => E.unary('neg', mk(shape, 1, be)), 'rank 7 contiguous');
  });
});
