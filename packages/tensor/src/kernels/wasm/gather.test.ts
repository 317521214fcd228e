import { describe, expect, it } from 'vitest';
import type { WasmBackend } from '../../backend/wasm/backend.js';
import type { DType } from '../../dtype.js';
import { engine } from '../../engine.js';
import { indexAdd, indexSelect } from '../../ops/movement.js';
import { tidy } from '../../scope.js';
import { type Tensor, tensor } from '../../tensor.js';
import { checkLeaks, randomArray } from '../../testing/index.js';
import { getKernel } from '../registry.js';
import { gatherKernelCalls } from './gather.js';

// WASM gather / scatterAdd / embeddingBackward (gather.wat) against the CPU reference: these are copies
// and in-order f32/int sums, so the results must be bit-identical, on one thread or on the pool.
checkLeaks('wasm');

const numel = (s: number[]) => s.reduce((p, d) => p * d, 1);

function values(shape: number[], seed: number, be: string, dtype: DType = 'f32'): Tensor {
  const n = numel(shape);
  const f = randomArray(n, seed, -3, 3);
  const data =
    dtype === 'i32'
      ? Int32Array.from(f, (v, i) => Math.round(v * 1e8) + i)
      : dtype === 'u32'
        ? Uint32Array.from(f, (v) => Math.round((v + 3) * 1e9))
        : f;
  return tensor(data, shape, { backend: be, dtype });
}

/** m indices into [0, n) with duplicates, plus out-of-range ones (negative, = n, huge) when `bad`. */
function indices(m: number, n: number, be: string, dtype: 'i32' | 'u32' = 'i32', bad = false): Tensor {
  const v = Array.from({ length: m }, (_, j) => {
    if (bad && j % 5 === 3) return dtype === 'i32' ? [-1, n, -7][j % 3] : [n, 2 ** 31 + 5, 4294967295][j % 3];
    return (j * 7 + 3) % Math.max(1, n);
  });
  return tensor(dtype === 'i32' ? Int32Array.from(v) : Uint32Array.from(v), [m], { backend: be, dtype });
}

/** Run `f` on the WASM backend with its worker pool switched off (one thread). */
async function oneThread<T>(f: () => Promise<T>): Promise<T> {
  const be = engine.backend('wasm') as WasmBackend;
  const w = be as unknown as { pool: WasmBackend['pool'] };
  const pool = be.pool;
  w.pool = null;
  try {
    return await f();
  } finally {
    w.pool = pool;
  }
}

async function both(f: (be: string) => Tensor): Promise<[number[], number[], number[]]> {
  const get = async (be: string) => {
    const t = tidy(() => f(be));
    expect(t.backend.name).toBe(be);
    const d = Array.from(await t.data());
    const s = t.shape;
    t.dispose();
    return [d, s] as const;
  };
  const [w, ws] = await get('wasm');
  const [c, cs] = await get('cpu');
  expect(ws).toEqual(cs);
  return [w, c, ws];
}

describe('wasm gather (indexSelect, embedding forward) vs CPU reference', () => {
  it('is registered as its own kernel, not the CPU fallback', () => {
    const n = gatherKernelCalls.gather;
    const x = values([3, 4], 1, 'wasm');
    const i = indices(2, 3, 'wasm');
    const y = getKernel('gather', 'wasm')([x, i], { axis: 0 }) as Tensor;
    expect(gatherKernelCalls.gather).toBe(n + 1);
    for (const t of [x, i, y]) t.dispose();
  });

  const shapes = [[5], [4, 3], [3, 1, 5], [2, 5, 7], [6, 9, 1], [0, 4], [3, 0, 2]];
  for (const shape of shapes) {
    it(`[${shape}]: every axis, i32/u32 index, 0/1/many indices, every dtype`, async () => {
      for (let axis = 0; axis < shape.length; axis++) {
        // (no index is in range on an empty axis)
        for (const m of shape[axis] ? [0, 1, 11] : [0]) {
          for (const [dt, idt] of [
            ['f32', 'i32'],
            ['f32', 'u32'],
            ['i32', 'i32'],
            ['u32', 'u32'],
            ['f16', 'i32'],
          ] as const) {
            const c0 = gatherKernelCalls.gather;
            const [w, c] = await both((be) =>
              indexSelect(values(shape, 3, be, dt), axis, indices(m, shape[axis], be, idt)),
            );
            expect(gatherKernelCalls.gather).toBe(c0 + 1);
            expect(w, `[${shape}] axis ${axis} m ${m} ${dt}/${idt}`).toEqual(c);
          }
        }
      }
    });
  }

  it('an index out of range throws the CPU kernel error (i32 negative or past the end, u32 huge)', () => {
    for (const idt of ['i32', 'u32'] as const) {
      for (const axis of [0, 1]) {
        const errs = ['wasm', 'cpu'].map((be) => {
          const x = values([4, 6], 3, be);
          const i = indices(13, x.shape[axis], be, idt, true);
          try {
            indexSelect(x, axis, i).dispose();
            return 'no error';
          } catch (e) {
            return (e as Error).message;
          } finally {
            for (const t of [x, i]) t.dispose();
          }
        });
        expect(errs[0]).toMatch(/^indexSelect: index \S+ at position 3 is out of range for axis/);
        expect(errs[0]).toBe(errs[1]);
      }
    }
  });

  it('multi-dimensional index, non-contiguous inputs, and an axis the kernel does not have', async () => {
    const [w, c, s] = await both((be) =>
      indexSelect(
        values([5, 6], 2, be),
        1,
        tensor(Int32Array.from([5, 0, 2, 2, 4, 1]), [2, 3], { backend: be }),
      ),
    );
    expect(s).toEqual([5, 2, 3]);
    expect(w).toEqual(c);
    const [w2, c2] = await both((be) =>
      indexSelect(values([6, 5], 2, be).transpose(0, 1), 0, indices(7, 5, be).slice(0, 1, 6)),
    );
    expect(w2).toEqual(c2);
    const x = values([3, 4], 1, 'wasm');
    const i = indices(2, 3, 'wasm');
    expect(() => getKernel('gather', 'wasm')([x, i], { axis: 2 })).toThrow(
      'gather: axis 2 is not an axis of [3, 4]',
    );
    for (const t of [x, i]) t.dispose();
  });

  it('big gathers run on the pool and give the one-thread bits', async () => {
    const run = async () => {
      const x = values([300, 257], 5, 'wasm');
      const i = indices(2000, 300, 'wasm', 'i32');
      const y = indexSelect(x, 0, i);
      const d = Array.from(await y.data());
      for (const t of [x, i, y]) t.dispose();
      return d;
    };
    const pooled = await run();
    expect(pooled).toEqual(await oneThread(run));
    const [w, c] = await both((be) =>
      indexSelect(values([300, 257], 5, be), 0, indices(2000, 300, be, 'i32')),
    );
    expect(w).toEqual(c);
  });
});

describe('wasm scatterAdd (indexAdd, indexSelect backward) vs CPU reference: bit-identical', () => {
  const shapes = [[5], [4, 3], [3, 1, 5], [2, 5, 7], [6, 9, 1], [0, 4], [3, 0, 2], [2, 4, 130]];
  for (const shape of shapes) {
    it(`[${shape}]: every axis, duplicates and bad indices, f32/f16/i32/u32`, async () => {
      for (let axis = 0; axis < shape.length; axis++) {
        for (const m of [0, 1, 13]) {
          for (const [dt, idt] of [
            ['f32', 'i32'],
            ['f32', 'u32'],
            ['f16', 'i32'],
            ['i32', 'i32'],
            ['u32', 'i32'],
          ] as const) {
            const srcShape = [...shape.slice(0, axis), m, ...shape.slice(axis + 1)];
            const c0 = gatherKernelCalls.scatterAdd;
            const [w, c] = await both((be) =>
              indexAdd(shape, axis, indices(m, shape[axis], be, idt, true), values(srcShape, 4, be, dt)),
            );
            expect(gatherKernelCalls.scatterAdd).toBe(c0 + 1);
            expect(w, `[${shape}] axis ${axis} m ${m} ${dt}/${idt}`).toEqual(c);
          }
        }
      }
    });
  }

  it('indexSelect gradients (scatter of g), and the pool splits (rows, then columns) give one-thread bits', async () => {
    const grad = async (be: string, shape: number[], axis: number, m: number) => {
      const x = values(shape, 6, be).requiresGrad_();
      const i = indices(m, shape[axis], be);
      tidy(() => {
        const y = indexSelect(x, axis, i);
        y.mul(values(y.shape, 7, be))
          .sum()
          .backward();
      });
      const d = Array.from(await x.grad!.data());
      for (const t of [x.grad!, x, i]) t.dispose();
      return d;
    };
    // [64, 40, 33] axis 1: pre = 64 ≥ threads (split p); [100, 400] axis 0: pre 1, post 400 (split q)
    const pooled = (engine.backend('wasm') as WasmBackend).pool !== null;
    const [r0, q0] = [gatherKernelCalls.pooledRows, gatherKernelCalls.pooledColumns];
    for (const [shape, axis, m] of [
      [[7, 9], 1, 20],
      [[64, 40, 33], 1, 50],
      [[100, 401], 0, 300],
      [[3, 5000], 1, 7000],
    ] as const) {
      const s = [...shape];
      const w = await grad('wasm', s, axis, m);
      expect(w, `[${s}] vs CPU`).toEqual(await grad('cpu', s, axis, m));
      expect(w, `[${s}] pooled vs one thread`).toEqual(await oneThread(() => grad('wasm', s, axis, m)));
    }
    if (pooled) {
      expect(gatherKernelCalls.pooledRows).toBeGreaterThan(r0);
      expect(gatherKernelCalls.pooledColumns).toBeGreaterThan(q0);
    }
  });

  it('a src that does not match the index and shape is an error naming them', () => {
    const i = indices(3, 4, 'wasm');
    const s = values([2, 5], 1, 'wasm');
    expect(() => getKernel('scatterAdd', 'wasm')([i, s], { axis: 0, shape: [4, 5] })).toThrow(
      /scatterAdd: src \[2, 5\] does not hold \[1, 3, 5\] elements/,
    );
    for (const t of [i, s]) t.dispose();
  });
});

describe('wasm embeddingBackward vs CPU reference: bit-identical (token order)', () => {
  const grads = async (
    be: string,
    V: number,
    D: number,
    ids: number[],
    idShape: number[],
    dt: 'f32' | 'f16',
    idt: 'i32' | 'u32',
  ) => {
    const i = tensor(idt === 'i32' ? Int32Array.from(ids) : Uint32Array.from(ids), idShape, {
      backend: be,
      dtype: idt,
    });
    const g = values([...idShape, D], 9, be, dt);
    const dw = getKernel('embeddingBackward', be)([i, g], { V, D, dtype: dt }) as Tensor;
    const d = Array.from(await dw.data());
    for (const t of [dw, g, i]) t.dispose();
    return d;
  };
  for (const [V, D, T] of [
    [1, 1, 1],
    [5, 3, 8],
    [7, 33, 40],
    [50, 130, 3],
    [20, 8, 0],
    [64, 256, 600],
  ]) {
    it(`V ${V}, D ${D}, ${T} tokens with duplicates and ids outside [0, V): f32/f16, i32/u32`, async () => {
      const ids = Array.from({ length: T }, (_, k) => (k % 9 === 4 ? V + k : (k * k * 31 + 7) % V));
      for (const [dt, idt] of [
        ['f32', 'i32'],
        ['f32', 'u32'],
        ['f16', 'i32'],
      ] as const) {
        const c0 = gatherKernelCalls.embeddingBackward;
        const shape = T % 2 === 0 && T > 0 ? [2, T / 2] : [T];
        const w = await grads('wasm', V, D, ids, shape, dt, idt);
        expect(gatherKernelCalls.embeddingBackward).toBe(c0 + 1);
        expect(w, `${dt}/${idt}`).toEqual(await grads('cpu', V, D, ids, shape, dt, idt));
        expect(w, `${dt}/${idt} one thread`).toEqual(
          await oneThread(() => grads('wasm', V, D, ids, shape, dt, idt)),
        );
      }
    });
  }
  it('negative i32 ids get no gradient', async () => {
    const ids = [-1, 2, -2147483648, 2, 0];
    const w = await grads('wasm', 3, 5, ids, [5], 'f32', 'i32');
    expect(w).toEqual(await grads('cpu', 3, 5, ids, [5], 'f32', 'i32'));
    expect(w.slice(5, 10).every((v) => v === 0)).toBe(true);
  });
});
