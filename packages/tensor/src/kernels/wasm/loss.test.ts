import { describe, expect, it } from 'vitest';
import type { WasmBackend } from '../../backend/wasm/backend.js';
import { engine } from '../../engine.js';
import { type CrossEntropyOptions, crossEntropy } from '../../ops/loss.js';
import { tidy } from '../../scope.js';
import { type Tensor, tensor } from '../../tensor.js';
import { checkLeaks, expectClose, liveTensors, randomArray } from '../../testing/index.js';
import { CE_PARALLEL_MIN, lossKernelCalls } from './loss.js';

// WASM cross-entropy (loss.wat) forward and backward against the CPU reference (backend/cpu/loss.ts).
checkLeaks('wasm');

const logits = (N: number, V: number, seed: number, be: string, dtype: 'f32' | 'f16' = 'f32') =>
  tensor(randomArray(N * V, seed, -6, 6), [N, V], { backend: be, dtype });

/** Targets in [lo, hi); rows i % 4 == 1 ignored (-100) when `ignore`. */
function targetArray(N: number, lo: number, hi: number, ignore: boolean): Int32Array {
  return Int32Array.from({ length: N }, (_, i) =>
    ignore && i % 4 === 1 ? -100 : lo + ((i * 7919 + 3) % (hi - lo)),
  );
}

/** Loss, lse-dependent gradient: [loss, dlogits] on backend `be`. */
async function run(
  be: string,
  N: number,
  V: number,
  opts: CrossEntropyOptions,
  mk: (be: string) => Tensor = (b) => logits(N, V, 11, b),
): Promise<[Float32Array, Float32Array]> {
  const [lo, hi] = opts.vocabSlice ?? [0, V];
  const x = mk(be).requiresGrad_();
  const t = tensor(targetArray(N, lo, hi, N > 2), [N], { backend: be, dtype: 'i32' });
  const loss = crossEntropy(x, t, opts);
  tidy(() => {
    const w = loss.rank
      ? tensor(randomArray(N, 5), [N], { backend: be })
      : tensor([1.5], [], { backend: be });
    loss.mul(w).sum().backward();
  });
  const out: [Float32Array, Float32Array] = [
    (await loss.data()) as Float32Array,
    (await x.grad!.data()) as Float32Array,
  ];
  for (const z of [x.grad!, x, t, loss]) z.dispose();
  return out;
}

async function compare(N: number, V: number, opts: CrossEntropyOptions, label: string, tol = 1e-4) {
  const f0 = lossKernelCalls.forward;
  const b0 = lossKernelCalls.backward;
  const [lw, gw] = await run('wasm', N, V, opts);
  const [lc, gc] = await run('cpu', N, V, opts);
  expect(lossKernelCalls.forward, 'the WASM forward kernel ran').toBe(f0 + 1);
  expect(lossKernelCalls.backward, 'the WASM backward kernel ran').toBe(b0 + 1);
  expectClose(lw, lc, { atol: 2e-5, rtol: tol, label: `${label} loss` });
  expectClose(gw, gc, { atol: 2e-6, rtol: tol, label: `${label} grad` });
}

describe('wasm crossEntropy vs CPU reference', () => {
  const shapes = [
    [1, 1],
    [1, 5],
    [3, 4],
    [7, 33],
    [9, 130],
    [16, 257],
    [4, 1000],
  ];
  const variants: CrossEntropyOptions[] = [
    {},
    { reduction: 'sum' },
    { reduction: 'none' },
    { labelSmoothing: 0.1 },
    { labelSmoothing: 0.3, reduction: 'none' },
  ];
  for (const [N, V] of shapes) {
    it(`[${N}, ${V}]: each reduction, smoothing, ignore-index rows`, async () => {
      for (const o of variants) await compare(N, V, o, `[${N}, ${V}] ${JSON.stringify(o)}`);
    });
  }

  it('vocab slices (unaligned starts and widths) with smoothing', async () => {
    for (const [N, V, s, e] of [
      [5, 40, 10, 27],
      [6, 33, 1, 2],
      [3, 300, 3, 299],
      [4, 17, 0, 13],
      [4, 17, 5, 17],
    ]) {
      for (const o of [{}, { labelSmoothing: 0.2 }, { reduction: 'none' as const }]) {
        await compare(
          N,
          V,
          { ...o, vocabSlice: [s, e] },
          `[${N}, ${V}] slice [${s}, ${e}) ${JSON.stringify(o)}`,
        );
      }
    }
  });

  it('0 rows, all rows ignored (mean is NaN, zero gradient), a custom ignoreIndex', async () => {
    await compare(0, 7, {}, 'N = 0 mean');
    await compare(0, 7, { reduction: 'none' }, 'N = 0 none');
    for (const be of ['wasm', 'cpu']) {
      const x = logits(3, 6, 2, be).requiresGrad_();
      const t = tensor([-100, -100, -100], [3], { backend: be, dtype: 'i32' });
      const loss = crossEntropy(x, t);
      loss.backward();
      expect((await loss.data())[0], be).toBeNaN();
      expect(Array.from(await x.grad!.data()).every((v) => v === 0)).toBe(true);
      for (const z of [x.grad!, x, t, loss]) z.dispose();
    }
    const ign = async (be: string) => {
      const x = logits(4, 6, 3, be);
      const t = tensor([5, 2, 5, 0], [4], { backend: be, dtype: 'i32' });
      const l = crossEntropy(x, t, { ignoreIndex: 5, reduction: 'none' });
      const d = await l.data();
      for (const z of [x, t, l]) z.dispose();
      return d;
    };
    const w = await ign('wasm');
    expectClose(w, await ign('cpu'), { atol: 2e-6, rtol: 1e-5, label: 'ignoreIndex 5' });
    expect(w[0]).toBe(0);
    expect(w[2]).toBe(0);
  });

  it('non-contiguous logits and targets (the op makes them contiguous), f16 logits', async () => {
    const tr = (be: string) => tidy(() => logits(21, 9, 4, be).transpose(0, 1));
    const [lw, gw] = await run('wasm', 9, 21, { labelSmoothing: 0.1 }, tr);
    const [lc, gc] = await run('cpu', 9, 21, { labelSmoothing: 0.1 }, tr);
    expectClose(lw, lc, { atol: 2e-5, rtol: 1e-4, label: 'transposed loss' });
    expectClose(gw, gc, { atol: 2e-6, rtol: 1e-4, label: 'transposed grad' });
    const strided = async (be: string) => {
      const x = logits(6, 5, 8, be);
      const t = tensor([0, 9, 1, 9, 2, 9, 3, 9, 4, 9, 0, 9], [12], { backend: be, dtype: 'i32' });
      const ts = t.view([6], [2], 0);
      const l = crossEntropy(x, ts, { reduction: 'none' });
      const d = await l.data();
      for (const z of [x, t, ts, l]) z.dispose();
      return d;
    };
    expectClose(await strided('wasm'), await strided('cpu'), {
      atol: 2e-6,
      rtol: 1e-5,
      label: 'strided targets',
    });
    const f0 = lossKernelCalls.forward;
    const h = (b: string) => logits(7, 37, 9, b, 'f16');
    const [hw, hgw] = await run('wasm', 7, 37, { labelSmoothing: 0.1 }, h);
    const [hc, hgc] = await run('cpu', 7, 37, { labelSmoothing: 0.1 }, h);
    expect(lossKernelCalls.forward).toBe(f0 + 1);
    expectClose(hw, hc, { atol: 2e-5, rtol: 1e-4, label: 'f16 loss' });
    // the f16 gradient is rounded to f16 on both: allow one f16 ulp
    expectClose(hgw, hgc, { atol: 1e-5, rtol: 1e-3, label: 'f16 grad' });
  });

  it("an out-of-range target throws the CPU kernel's error (first bad row), nothing leaks", async () => {
    const live = liveTensors();
    for (const be of ['cpu', 'wasm']) {
      const build = () =>
        tidy(() =>
          crossEntropy(
            logits(5, 10, 1, be),
            tensor([3, -100, 9, 7, -1], [5], { backend: be, dtype: 'i32' }),
            {
              vocabSlice: [2, 8],
            },
          ),
        );
      expect(build, be).toThrow(
        'crossEntropy: target 9 in row 2 is outside the classes [2, 8) and is not ignoreIndex -100',
      );
    }
    expect(liveTensors()).toBe(live);
  });

  it('big row counts run on the worker pool and give the single-thread result', async () => {
    const be = engine.backend('wasm') as WasmBackend;
    // N·K ≥ CE_PARALLEL_MIN: split over the pool (when there is one); each row is computed alone, so
    // pooled and one-thread results agree exactly — check against smaller calls over the same rows.
    const N = 67;
    const V = Math.ceil(CE_PARALLEL_MIN / N) + 3;
    if (be.pool) expect(N * V).toBeGreaterThanOrEqual(CE_PARALLEL_MIN);
    const pooled = lossKernelCalls.pooled;
    await compare(N, V, { labelSmoothing: 0.1, reduction: 'none' }, 'pooled', 2e-4);
    // forward and backward both went through the pool
    if (be.pool) expect(lossKernelCalls.pooled).toBe(pooled + 2);
    const x = logits(N, V, 12, 'wasm').requiresGrad_();
    const t = tensor(targetArray(N, 0, V, true), [N], { backend: 'wasm', dtype: 'i32' });
    const whole = crossEntropy(x, t, { reduction: 'none', labelSmoothing: 0.1 });
    const g = tensor(randomArray(N, 3), [N], { backend: 'wasm' });
    tidy(() => whole.mul(g).sum().backward());
    const wd = await whole.data();
    const gd = await x.grad!.data();
    // the whole job on one thread: the same bits
    const w = be as unknown as { pool: WasmBackend['pool'] };
    const pool = be.pool;
    w.pool = null;
    try {
      const x1 = x.detach();
      const one = crossEntropy(x1, t, { reduction: 'none', labelSmoothing: 0.1 });
      expect(Array.from(await one.data())).toEqual(Array.from(wd));
      for (const z of [x1, one]) z.dispose();
    } finally {
      w.pool = pool;
    }
    for (let r = 0; r < N; r += 13) {
      // one row alone: below the threshold, one thread
      const xr = tidy(() => x.detach().slice(0, r, r + 1));
      const tr = t.slice(0, r, r + 1);
      const lr = crossEntropy(xr, tr, { reduction: 'none', labelSmoothing: 0.1 });
      expect((await lr.data())[0]).toBe(wd[r]);
      for (const z of [xr, tr, lr]) z.dispose();
    }
    expect(gd.length).toBe(N * V);
    for (const z of [x.grad!, x, t, whole, g]) z.dispose();
  });
});
