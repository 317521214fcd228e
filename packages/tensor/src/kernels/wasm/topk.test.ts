import { describe, expect, it } from 'vitest';
import { kernel } from '../../dispatch.js';
import { topk } from '../../ops/sampling.js';
import { tidy } from '../../scope.js';
import { type Tensor, tensor } from '../../tensor.js';
import { checkLeaks, randomArray } from '../../testing/index.js';
import { getKernel } from '../registry.js';
import { TOPK_WASM_KERNELS } from './topk.js';

// WASM top-k (a k-heap per row) against the CPU reference: identical values and indices, ties included.
checkLeaks('wasm');

async function identical(build: (be: string) => Tensor[], label: string): Promise<void> {
  const c = tidy(() => build('cpu'));
  const w = tidy(() => build('wasm'));
  for (let i = 0; i < c.length; i++) {
    expect(w[i].backend.name).toBe('wasm');
    expect(w[i].shape, label).toEqual(c[i].shape);
    expect(w[i].dtype, label).toBe(c[i].dtype);
    // toEqual: NaN equals NaN, and -0 differs from +0
    expect(Array.from(await w[i].data()), `${label} output ${i}`).toEqual(Array.from(await c[i].data()));
  }
  for (const t of [...c, ...w]) t.dispose();
}

const run =
  (data: ArrayLike<number>, shape: number[], k: number, dtype = 'f32') =>
  (be: string) => {
    const x = tensor(Array.from(data), shape, { backend: be });
    return kernel('topk', [dtype === 'f32' ? x : x.cast(dtype as 'f16')], { k }) as unknown as Tensor[];
  };

/** Values from a small set, so that rows are full of ties. */
const coarse = (n: number, seed: number, levels = 5) =>
  Array.from(randomArray(n, seed, 0, levels), (v) => Math.floor(v) - 2);

describe('wasm topk vs CPU reference (identical)', () => {
  it('the registered wasm kernel is this one (no CPU fallback)', () => {
    expect(getKernel('topk', 'wasm')).toBe(TOPK_WASM_KERNELS.get('topk'));
  });

  for (const [rows, n] of [
    [1, 1],
    [3, 7],
    [5, 33],
    [2, 64],
    [4, 257],
  ]) {
    it(`[${rows}, ${n}] random and tied values, every k`, async () => {
      const ks = [...new Set([0, 1, 2, 3, Math.floor(n / 2), n - 1, n])].filter((k) => k >= 0 && k <= n);
      for (const k of ks) {
        await identical(run(randomArray(rows * n, rows + n, -4, 4), [rows, n], k), `random k=${k}`);
        await identical(run(coarse(rows * n, k + 1), [rows, n], k), `ties k=${k}`);
      }
    });
  }

  it('NaN, ±inf, -0 and +0', async () => {
    const row = [
      0,
      -0,
      Number.NaN,
      1,
      Number.POSITIVE_INFINITY,
      -0,
      Number.NaN,
      Number.NEGATIVE_INFINITY,
      0,
      1,
    ];
    const data = [...row, ...row.slice().reverse(), ...row.map((v) => -v)];
    for (const k of [1, 2, 3, 5, 8, 10]) await identical(run(data, [3, 10], k), `specials k=${k}`);
  });

  it('f16 input, leading dims, many rows (threads)', async () => {
    await identical(run(randomArray(2 * 3 * 40, 4, -2, 2), [2, 3, 40], 6, 'f16'), 'f16');
    await identical(run(coarse(300 * 200, 5, 50), [300, 200], 10), 'threads, ties');
    await identical(run(randomArray(64 * 600, 6), [64, 600], 600), 'full sort');
  });

  it('empty: k = 0, no rows, n = 0', async () => {
    await identical(run([], [0, 5], 2), 'no rows');
    await identical(run([], [3, 0], 0), 'n = 0');
    await identical(run([1, 2, 3], [1, 3], 0), 'k = 0');
  });

  it('through the op along a middle axis', async () => {
    await identical((be) => {
      const r = topk(tensor(Array.from(coarse(4 * 9 * 5, 7)), [4, 9, 5], { backend: be }), 4, 1);
      return [r.values, r.indices];
    }, 'axis 1');
  });
});
