import { describe, expect, it } from 'vitest';
import { tidy } from '../scope.js';
import { type Tensor, tensor } from '../tensor.js';
import { checkLeaks, compareBackends, DEVICE, gradcheck, rand, useBackend } from '../testing/index.js';
import { embedding } from './embedding.js';

checkLeaks();

/** Skewed ids in [0, V) (many repeats of small ids), with a few out-of-range ones when `bad`. */
function ids(shape: number[], V: number, seed: number, bad = false): Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  let s = seed;
  const a = Int32Array.from({ length: n }, (_, i) => {
    s = (s * 1103515245 + 12345) >>> 0;
    const u = (s >>> 8) / 2 ** 24;
    if (bad && i % 97 === 5) return i % 2 ? -1 : V;
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
          const i = ids(shape, V, 52 + V, true);
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
