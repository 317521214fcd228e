import { describe, expect, inject, it } from 'vitest';
import { getBackend, init } from '../../init.js';
import type { AdamwExports } from '../../kernels/wasm/adamw.js';
import { matmul } from '../../ops/nn.js';
import { tensor } from '../../tensor.js';
import { checkLeaks, expectClose, randomArray } from '../../testing/index.js';
import type { WasmBackend } from './backend.js';

// Runs in Node and in a cross-origin-isolated Chromium page (the browser-wasm project): both get
// worker threads over the shared memory.
checkLeaks('wasm');

const cores = () =>
  typeof navigator !== 'undefined' && navigator.hardwareConcurrency ? navigator.hardwareConcurrency : 2;

describe('wasm worker threads', () => {
  it('start wherever memory can be shared, and say why not otherwise', async () => {
    const be = (await init({ backend: 'wasm' })).backend as WasmBackend;
    expect(be.info.shared).toBe(true);
    expect(be.info.threads).toBe(inject('wasmThreads') ?? Math.min(4, cores()));
    expect(be.info.threads > 1 ? be.pool : null).not.toBeNull();
    expect(be.info.notes.filter((n) => n.startsWith('one thread'))).toEqual([]);
  });

  it('a matmul big enough to be split over the threads equals the CPU reference', async () => {
    await init({ backend: 'cpu' });
    await init({ backend: 'wasm' });
    const [M, K, N] = [67, 129, 150];
    const a = randomArray(M * K, 1);
    const b = randomArray(K * N, 2);
    const run = async (backend: string) => {
      const x = tensor(a, [M, K], { backend });
      const w = tensor(b, [K, N], { backend });
      const y = matmul(x, w);
      const v = await y.data();
      for (const t of [x, w, y]) t.dispose();
      return v;
    };
    expectClose(await run('wasm'), await run('cpu'), { atol: 1e-4, label: 'matmul' });
  });

  it('runs any export with f32 arguments on every thread (AdamW split in parts)', async () => {
    const be = (await init({ backend: 'wasm' })).backend as WasmBackend;
    if (!be.pool) throw new Error('expected a worker pool (see the test above)');
    const n = 1003;
    const k = be.kernels<AdamwExports>('adamw');
    // f32 hyper-parameters, one of them integral (b1 = 0 would hide a float/int mix-up less well)
    const hp = [0.99, 0.9, 0.1, 0.95, 0.05, 0.01, 0.97, 1e-8];
    const state = () => [
      randomArray(n, 3),
      randomArray(n, 4),
      randomArray(n, 5, 0, 0.1),
      randomArray(n, 6, 0, 0.1),
    ];
    const place = (arrays: Float32Array[]) =>
      arrays.map((arr) => {
        const s = be.scratch(n * 4);
        new Float32Array(be.memory.buffer, s.ptr, n).set(arr);
        return s;
      });
    const one = place(state());
    const split = place(state());
    try {
      k.adamw(
        one[0].ptr,
        one[1].ptr,
        one[2].ptr,
        one[3].ptr,
        n,
        ...(hp as [number, number, number, number, number, number, number, number]),
      );
      const T = be.pool.threads;
      const part = (t: number) => {
        const lo = Math.floor((n * t) / T);
        const hi = Math.floor((n * (t + 1)) / T);
        return [...split.map((s) => s.ptr + lo * 4), hi - lo, ...hp];
      };
      // arguments 5.. are the f32 hyper-parameters
      const floats = ((1 << hp.length) - 1) << 5;
      be.pool.run('adamw.adamw', part, (a) => (k.adamw as (...x: number[]) => void)(...a), floats);
      for (let i = 0; i < 4; i++) {
        const got = new Float32Array(be.memory.buffer, split[i].ptr, n);
        const want = new Float32Array(be.memory.buffer, one[i].ptr, n);
        expect(Array.from(got), `array ${i}`).toEqual(Array.from(want));
      }
    } finally {
      for (const s of [...one, ...split]) be.freeScratch(s);
    }
  });

  it('names an export the pool does not have', async () => {
    const be = getBackend('wasm') as WasmBackend;
    expect(() =>
      be.pool?.run(
        'matmul.nope',
        () => [],
        () => {},
      ),
    ).toThrow(/the worker pool has no export 'matmul.nope'/);
  });
});
