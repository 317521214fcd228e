import { describe, expect, it } from 'vitest';
import { tidy } from '../scope.js';
import { type Tensor, tensor } from '../tensor.js';
import { checkLeaks, compareBackends, DEVICE, gradcheck, rand, useBackend } from '../testing/index.js';
import { embedding } from './embedding.js';
import { crossEntropy } from './loss.js';
import { indexSelect } from './movement.js';

checkLeaks();

/** Skewed ids in [0, V) (many repeats of small ids). */
function ids(shape: number[], V: number, seed: number): Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  let s = seed;
  const a = Int32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) >>> 0;
    const u = (s >>> 8) / 2 ** 24;
    return Math.min(V - 1, Math.floor(V * u * u * u));
  });
  return tensor(a, shape, { dtype: 'i32' });
}

const CASES: [number, number, number[]][] = [
  [1, 1, [1]],
  [5, 3, [7]],
  [37, 1, [2, 300]],
  [1000, 130, [600]],
  [300, 64, [3, 700]],
];

describe('embedding with the deterministic backward: device = CPU reference bit for bit', () => {
  for (const [V, D, shape] of CASES) {
    it(`V=${V} D=${D} ids [${shape}]`, async () => {
      const { device } = await compareBackends(
        () => {
          const w = rand([V, D], 51, { requiresGrad: true });
          const i = ids(shape, V, 52 + V);
          const y = embedding(w, i);
          y.mul(rand([...shape, D], 53))
            .sum()
            .backward();
          return [y, w.grad!];
        },
        // Both sum each row's gradients in f32 in token order: the results are identical.
        { atol: 0, rtol: 0 },
      );
      expect(device[0].length).toBe(shape.reduce((p, d) => p * d, D));
    });
  }
  it('gives the same bits on every run (8k tokens, Zipf-like ids)', async () => {
    const run = async () => {
      const gw = tidy(() => {
        const w = rand([1000, 128], 61, { requiresGrad: true });
        embedding(w, ids([8192], 1000, 62))
          .mul(rand([8192, 128], 63))
          .sum()
          .backward();
        return w.grad!;
      });
      const d = new Uint32Array((await gw.data()).buffer);
      gw.dispose();
      return d;
    };
    const a = await run();
    const b = await run();
    expect(a.length).toBe(128000);
    expect(b).toEqual(a);
  });
  it('validates inputs', () => {
    const w = rand([4, 2], 1);
    const f = rand([3], 1);
    expect(() => embedding(w, f)).toThrow(/embedding: ids must be i32 or u32, got f32/);
    expect(() => embedding(f, f)).toThrow(/embedding: weight must be \[V, D\], got \[3\]/);
    w.dispose();
    f.dispose();
  });
});

describe('embedding gradient on the CPU reference', () => {
  it('gradcheck', async () => {
    await useBackend('cpu');
    const i = tensor([0, 2, 2, 4, 1, 2], [2, 3], { dtype: 'i32' });
    await gradcheck((w) => embedding(w, i), [{ shape: [5, 3] }]);
    i.dispose();
    await useBackend(DEVICE);
  });
});

// No silently wrong results: an id outside the table is an error naming the op, the id and the valid
// range, the same on every backend. CPU and WASM throw from the call; WebGPU finds it on the device and
// throws from the next read-back or sync (the tensor README says when).
describe('ids and targets out of range raise the same error on every backend', () => {
  const table = (be: string) =>
    tensor(
      Float32Array.from({ length: 15 }, (_, i) => i),
      [5, 3],
      { backend: be },
    );
  const bad = (be: string) => tensor([1, 7], [2], { dtype: 'i32', backend: be });
  const cases: [string, (w: Tensor, i: Tensor) => Tensor, RegExp][] = [
    [
      'embedding',
      (w, i) => embedding(w, i),
      /^embedding: id 7 at position 1 is out of range: the table has 5 rows, valid ids are \[0, 5\)$/,
    ],
    [
      'indexSelect',
      (w, i) => indexSelect(w, 0, i),
      /^indexSelect: index 7 at position 1 is out of range for axis 0 of size 5: valid indices are \[0, 5\)$/,
    ],
    [
      'gather',
      (w, i) => w.gather(0, i),
      /^gather: index 7 at position 1 is out of range for axis 0 of size 5: valid indices are \[0, 5\)$/,
    ],
  ];

  /** Runs `f` and reads its result: the error, wherever this backend raises it. */
  async function failure(be: string, f: () => Tensor): Promise<Error> {
    await useBackend(be as 'cpu');
    let out: Tensor | undefined;
    try {
      out = tidy(f);
      await out.data();
      await out.backend.sync(); // an empty result has nothing to read back
    } catch (e) {
      return e as Error;
    } finally {
      out?.dispose();
    }
    throw new Error(`${be}: no error`);
  }

  for (const [op, f, msg] of cases) {
    it(`${op}: ids 1 and 7 into a 5-row table`, async () => {
      for (const be of ['cpu', DEVICE]) {
        const e = await failure(be, () => f(table(be), bad(be)));
        expect(e, be).toBeInstanceOf(RangeError);
        expect(e.message, be).toMatch(msg);
      }
    });
  }

  it('negative i32 ids, huge u32 ids, any axis, empty results', async () => {
    for (const be of ['cpu', DEVICE]) {
      const neg = await failure(be, () => embedding(table(be), tensor([0, -1, 4], [3], { dtype: 'i32' })));
      expect(neg.message, be).toMatch(/^embedding: id -1 at position 1 is out of range/);
      const huge = await failure(be, () =>
        indexSelect(table(be), 1, tensor([2, 0, 4294967295], [3], { dtype: 'u32' })),
      );
      expect(huge.message, be).toMatch(
        /^indexSelect: index 4294967295 at position 2 is out of range for axis 1 of size 3: valid indices are \[0, 3\)$/,
      );
      // an empty result (rows of width 0) still checks its ids
      const empty = await failure(be, () =>
        indexSelect(tensor(new Float32Array(0), [3, 0]), 0, tensor([2, 3], [2], { dtype: 'i32' })),
      );
      expect(empty.message, be).toMatch(
        /^indexSelect: index 3 at position 1 is out of range for axis 0 of size 3/,
      );
    }
  });

  it('crossEntropy: a target outside vocabSlice (not ignoreIndex)', async () => {
    for (const be of ['cpu', DEVICE]) {
      const e = await failure(be, () =>
        crossEntropy(rand([2, 10], 1), tensor([3, 9], [2], { dtype: 'i32' }), { vocabSlice: [0, 5] }),
      );
      expect(e, be).toBeInstanceOf(RangeError);
      expect(e.message, be).toMatch(
        /^crossEntropy: target 9 in row 1 is outside the classes \[0, 5\) and is not ignoreIndex -100$/,
      );
    }
  });

  it('in range they read the rows; after an error the backend works on', async () => {
    for (const be of ['cpu', DEVICE]) {
      await failure(be, () => embedding(table(be), bad(be)));
      await useBackend(be as 'cpu');
      const y = tidy(() => embedding(table(be), tensor([4, 0, 4], [3], { dtype: 'i32' })));
      expect(Array.from(await y.data()), be).toEqual([12, 13, 14, 0, 1, 2, 12, 13, 14]);
      y.dispose();
    }
  });
});

describe('WebGPU: when a device-side range error surfaces', () => {
  it('at the next sync(), or at the next read-back of any tensor, once', async () => {
    if (DEVICE !== 'webgpu') return; // CPU and WASM throw from the call itself (above)
    await useBackend('webgpu');
    const w = tensor(
      Float32Array.from({ length: 15 }, (_, i) => i),
      [5, 3],
    );
    const ok = tensor([1, 2], [2], { dtype: 'i32' });
    const i = tensor([1, 7], [2], { dtype: 'i32' });
    const y = embedding(w, i); // recorded without a stall: no error yet
    await expect(w.backend.sync()).rejects.toThrow(/^embedding: id 7 at position 1/);
    await w.backend.sync(); // reported once
    const y2 = embedding(w, i);
    const z = embedding(w, ok);
    await expect(z.data()).rejects.toThrow(/^embedding: id 7 at position 1/); // another tensor's read
    expect(Array.from(await z.data())).toEqual([3, 4, 5, 6, 7, 8]);
    for (const t of [w, ok, i, y, y2, z]) t.dispose();
  });
});
