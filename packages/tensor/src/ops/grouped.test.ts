import { describe, expect, it } from 'vitest';
import { tidy } from '../scope.js';
import { type Tensor, tensor } from '../tensor.js';
import { checkLeaks, compareBackends, expectClose, gradcheck, rand, useBackend } from '../testing/index.js';
import { countingSort, groupedMatmul } from './grouped.js';
import { indexAdd, indexSelect } from './movement.js';
import { matmul } from './nn.js';

// The sparse-MoE kernels against the CPU reference (shape sweep incl. empty experts, 0 rows, sizes off the
// 4x8 tiles, rows outside every group), their gradients against finite differences, and the reference
// against plain per-expert matmuls.
checkLeaks();

const i32 = (v: number[]) => tensor(Int32Array.from(v), [v.length], { dtype: 'i32' });

/** Offsets [E + 1] splitting [lo, hi) into E groups of the given sizes (0-size groups included). */
function offsetsOf(sizes: number[], lo = 0): number[] {
  const o = [lo];
  for (const s of sizes) o.push(o[o.length - 1] + s);
  return o;
}

// [N, D, H, group sizes, first row]
const CASES: [number, number, number, number[], number][] = [
  [1, 1, 1, [1], 0],
  [8, 4, 8, [4, 4], 0],
  [13, 5, 9, [3, 0, 7, 2], 1], // row 0 outside every group, an empty expert
  [37, 19, 23, [10, 11, 0, 9], 3], // rows 33.. outside too
  [64, 33, 17, [0, 64], 0],
  [130, 40, 70, [1, 2, 3, 50, 74], 0],
  [300, 32, 40, [150, 0, 150], 0], // threaded, with an empty expert in the weight gradient
  [1000, 64, 72, [300, 0, 400, 290], 5], // packing threaded too
  [0, 4, 4, [0, 0], 0],
];

describe('groupedMatmul: device = CPU reference, forward and gradients', () => {
  for (const [N, D, H, sizes, lo] of CASES) {
    it(`N=${N} D=${D} H=${H} groups [${sizes}] from row ${lo}`, async () => {
      await compareBackends(
        () => {
          const x = rand([N, D], 11, { requiresGrad: true });
          const w = rand([sizes.length, D, H], 12, { requiresGrad: true });
          const y = groupedMatmul(x, w, i32(offsetsOf(sizes, lo)));
          y.mul(rand([N, H], 13))
            .sum()
            .backward();
          return [y, x.grad!, w.grad!];
        },
        { atol: 1e-4, rtol: 1e-4 },
      );
    });
  }
});

describe('groupedMatmul reference', () => {
  it('equals one matmul per expert, zeros outside the groups', async () => {
    await useBackend('cpu');
    const sizes = [3, 0, 5];
    const off = offsetsOf(sizes, 2);
    const [y, parts] = tidy(() => {
      const x = rand([12, 6], 21);
      const w = rand([3, 6, 7], 22);
      const y = groupedMatmul(x, w, i32(off));
      const parts = sizes.map((s, e) =>
        s ? matmul(x.slice(0, off[e], off[e + 1]), w.slice(0, e, e + 1).reshape([6, 7])) : null,
      );
      return [y, parts.filter((p): p is Tensor => p !== null)];
    }) as [Tensor, Tensor[]];
    const yd = await y.data();
    expectClose(yd.slice(2 * 7, 5 * 7), await parts[0].data());
    expectClose(yd.slice(5 * 7, 10 * 7), await parts[1].data());
    expect([...yd.slice(0, 14), ...yd.slice(70)].every((v) => v === 0)).toBe(true);
    for (const t of [y, ...parts]) t.dispose();
  });
  it('gradients match finite differences', async () => {
    await useBackend('cpu');
    const off = i32([1, 3, 3, 6]);
    await gradcheck((x, w) => groupedMatmul(x, w, off), [{ shape: [7, 3] }, { shape: [3, 3, 4] }]);
    off.dispose();
  });
  it('rejects bad offsets and shapes with the reason', async () => {
    await useBackend('cpu');
    tidy(() => {
      const x = rand([4, 3]);
      expect(() => groupedMatmul(x, rand([2, 3, 5]), i32([0, 4]))).toThrow(
        /offsets must be i32 \[E \+ 1\] = \[3\]/,
      );
      expect(() => groupedMatmul(x, rand([2, 4, 5]), i32([0, 2, 4]))).toThrow(
        /needs x \[N, D\] and w \[E, D, H\]/,
      );
    });
  });
});

/** Keys with repeats, out-of-range ones (-1, V) and an unused bucket. */
function keysOf(n: number, V: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n }, (_, i) => {
    s = (s * 1103515245 + 12345) >>> 0;
    if (i % 41 === 7) return i % 2 ? -1 : V;
    return (s >>> 8) % Math.max(1, V - 1); // bucket V - 1 stays empty
  });
}

/** The stable sort with capacity, written out plainly. */
function expected(keys: number[], V: number, cap: number | number[]) {
  const kept: number[][] = Array.from({ length: V }, () => []);
  const tail: number[] = [];
  const capOf = (b: number) => (typeof cap === 'number' ? cap : cap[b]);
  keys.forEach((k, i) => {
    if (k >= 0 && k < V && (capOf(k) < 0 || kept[k].length < capOf(k))) kept[k].push(i);
    else tail.push(i);
  });
  const offsets = [0];
  for (const b of kept) offsets.push(offsets[offsets.length - 1] + b.length);
  return { order: [...kept.flat(), ...tail], offsets };
}

describe('countingSort: stable, with capacity, device = reference exactly', () => {
  const perBucket = [3, -1, 0, 5, 1, 2, -1, 4];
  for (const [n, V, cap] of [
    [300, 8, perBucket],
    [1, 1, -1],
    [10, 3, -1],
    [300, 8, -1],
    [300, 8, 20],
    [5000, 64, 70],
    [8192, 36, -1],
    [0, 4, -1],
  ] as [number, number, number | number[]][]) {
    it(`N=${n} buckets=${V} capacity=${cap === -1 ? 'none' : cap}`, async () => {
      const keys = keysOf(n, V, 5 + n);
      const want = expected(keys, V, cap);
      const { device } = await compareBackends(
        () => {
          const s = countingSort(i32(keys), V, cap === -1 ? {} : { capacity: cap });
          return [s.order, s.offsets];
        },
        { atol: 0, rtol: 0 },
      );
      expect(Array.from(device[0])).toEqual(want.order);
      expect(Array.from(device[1])).toEqual(want.offsets);
    });
  }
});

describe('indexAdd (scatter-add combine) is differentiable', () => {
  it('gradient of src matches finite differences, and the device matches the reference', async () => {
    await useBackend('cpu');
    const idx = i32([2, 0, 2, 4, 1]);
    await gradcheck((s) => indexAdd([5, 3], 0, idx, s), [{ shape: [5, 3] }]);
    await gradcheck((s) => indexAdd([2, 4, 3], 1, idx, s).mul(2), [{ shape: [2, 5, 3] }]);
    idx.dispose();
    await compareBackends(() => {
      const s = rand([6, 5], 31, { requiresGrad: true });
      const i = i32([3, 3, 0, 1, 6, 2]);
      const y = indexAdd([4, 5], 0, i, s);
      indexSelect(y, 0, i32([0, 3, 3]))
        .mul(rand([3, 5], 32))
        .sum()
        .backward();
      return [y, s.grad!];
    });
  });
});
