import { describe, expect, it } from 'vitest';
import type { WasmBackend } from '../../backend/wasm/backend.js';
import { engine } from '../../engine.js';
import { logSoftmax, softmax } from '../../ops/nn.js';
import { tidy } from '../../scope.js';
import { type Tensor, tensor } from '../../tensor.js';
import { checkLeaks, expectClose, randomArray } from '../../testing/index.js';
import { softmaxKernelCalls } from './softmax.js';

// WASM softmax (SIMD exp) against the CPU reference.
checkLeaks('wasm');

async function compare(build: (be: string) => Tensor, label: string, atol = 1e-6): Promise<void> {
  const cpu = tidy(() => build('cpu'));
  const wasm = tidy(() => build('wasm'));
  expect(wasm.backend.name).toBe('wasm');
  expectClose(await wasm.data(), await cpu.data(), { atol, rtol: 2e-6, label });
  cpu.dispose();
  wasm.dispose();
}

const mk = (shape: number[], seed: number, be: string, scale = 4) =>
  tensor(
    randomArray(
      shape.reduce((p, d) => p * d, 1),
      seed,
      -scale,
      scale,
    ),
    shape,
    { backend: be },
  );

describe('wasm softmax vs CPU reference', () => {
  for (const shape of [[1], [1, 1], [3, 5], [2, 4], [7, 33], [4, 3, 130], [0, 8], [64, 1000]]) {
    it(`[${shape}]`, async () => {
      await compare((be) => softmax(mk(shape, 1, be), -1), `softmax [${shape}]`);
    });
  }

  for (const shape of [[1], [1, 1], [3, 5], [2, 4], [7, 33], [4, 3, 130], [0, 8], [64, 1000]]) {
    it(`log-softmax [${shape}] (SIMD kernel)`, async () => {
      const c0 = softmaxKernelCalls.log;
      await compare((be) => logSoftmax(mk(shape, 1, be), -1), `logSoftmax [${shape}]`, 2e-6);
      expect(softmaxKernelCalls.log).toBe(c0 + (shape.includes(0) ? 0 : 1));
    });
  }

  it('log-softmax: large logits, -inf entries, a fully masked row (NaN like the CPU), wide rows', async () => {
    const vals = [80, 81, -80, 0, 1e-3, -1e4, 60, 87, ...Array(9).fill(-Infinity), 5, 6];
    const ext = async (be: string) => {
      const y = tidy(() => logSoftmax(tensor(vals, [1, vals.length], { backend: be }), -1));
      const d = Array.from(await y.data());
      y.dispose();
      return d;
    };
    const [ew, ec] = [await ext('wasm'), await ext('cpu')];
    // -inf in, -inf out (expectClose does not take infinities): compare those exactly, the rest closely
    expect(ew.map((v) => v === Number.NEGATIVE_INFINITY)).toEqual(
      ec.map((v) => v === Number.NEGATIVE_INFINITY),
    );
    expect(ew.filter((v) => v === Number.NEGATIVE_INFINITY).length).toBe(9);
    const fin = (d: number[]) => d.filter(Number.isFinite);
    expectClose(fin(ew), fin(ec), { atol: 2e-6, rtol: 2e-6, label: 'log extremes' });
    await compare((be) => logSoftmax(mk([3, 4099], 9, be, 20), -1), 'log wide', 4e-6);
    const masked = tidy(() => logSoftmax(tensor([-Infinity, -Infinity, 1, 2], [2, 2], { backend: 'wasm' })));
    const data = Array.from(await masked.data());
    masked.dispose();
    expect(data.slice(0, 2).every(Number.isNaN)).toBe(true);
    expectClose(data.slice(2), [1 - 2 - Math.log1p(Math.exp(-1)), -Math.log1p(Math.exp(-1))], { atol: 1e-6 });
  });

  it('large logits, -inf masks and a fully masked row', async () => {
    const vals = [80, 81, -80, 0, 1e-3, -1e4, 60, 87, ...Array(9).fill(-Infinity), 5, 6];
    await compare((be) => softmax(tensor(vals, [1, vals.length], { backend: be }), -1), 'extremes');
    const masked = tidy(() => softmax(tensor([-Infinity, -Infinity], [1, 2], { backend: 'wasm' })));
    const data = Array.from(await masked.data());
    masked.dispose();
    expect(data.every(Number.isNaN)).toBe(true);
  });

  it('exp over its whole range stays within 2e-6 relative of Math.exp', async () => {
    // softmax over [x, -1e30] is exp(x - x) / 1 = 1; softmax([0, x]) gives exp(x) / (1 + exp(x))
    const xs = Array.from({ length: 400 }, (_, i) => -87 + (i * 87) / 400);
    const t = tensor(
      xs.flatMap((x) => [0, x]),
      [xs.length, 2],
      { backend: 'wasm' },
    );
    const y = softmax(t, -1);
    const d = await y.data();
    const want = xs.flatMap((x) => [1 / (1 + Math.exp(x)), Math.exp(x) / (1 + Math.exp(x))]);
    expectClose(d, want, { atol: 1e-30, rtol: 2e-6, label: 'exp range' });
    t.dispose();
    y.dispose();
  });

  it('backward of softmax and log-softmax (SIMD) matches, over widths around the vector width', async () => {
    for (const n of [1, 3, 4, 5, 33, 256]) {
      for (const f of [softmax, logSoftmax]) {
        const grad = async (be: string) => {
          const x = mk([3, n], 6, be).requiresGrad_();
          tidy(() =>
            f(x, -1)
              .mul(mk([3, n], 7, be))
              .sum()
              .backward(),
          );
          const g = await x.grad!.data();
          x.grad!.dispose();
          x.dispose();
          return g;
        };
        expectClose(await grad('wasm'), await grad('cpu'), {
          atol: 2e-6,
          rtol: 2e-5,
          label: `${f.name} n=${n}`,
        });
      }
    }
  });

  it('other axes, log-softmax on an inner axis, and gradients agree too', async () => {
    await compare((be) => softmax(mk([5, 6, 7], 2, be), 1), 'axis 1');
    await compare((be) => logSoftmax(mk([5, 37], 3, be), -1), 'log', 2e-6);
    await compare((be) => logSoftmax(mk([5, 6, 7], 3, be), 1), 'log axis 1', 2e-6);
    const grad = async (be: string) => {
      const x = mk([4, 9], 4, be).requiresGrad_();
      tidy(() =>
        softmax(x, -1)
          .mul(mk([4, 9], 5, be))
          .sum()
          .backward(),
      );
      const g = await x.grad!.data();
      x.grad!.dispose();
      x.dispose();
      return g;
    };
    expectClose(await grad('wasm'), await grad('cpu'), { atol: 1e-6, label: 'grad' });
  });

  it('f16 inputs (rounded like the CPU), and big inputs on the pool give the one-thread bits', async () => {
    for (const f of [softmax, logSoftmax]) {
      const h = async (be: string) => {
        const y = tidy(() =>
          f(tensor(randomArray(5 * 37, 3, -4, 4), [5, 37], { backend: be, dtype: 'f16' }), -1),
        );
        expect(y.dtype).toBe('f16');
        const d = await y.data();
        y.dispose();
        return d;
      };
      expectClose(await h('wasm'), await h('cpu'), { atol: 1e-3, rtol: 1e-3, label: `${f.name} f16` });
    }
    const be = engine.backend('wasm') as WasmBackend;
    const run = async () => {
      const x = mk([96, 517], 8, 'wasm').requiresGrad_();
      const outs: number[][] = [];
      for (const f of [softmax, logSoftmax]) {
        const y = f(x, -1);
        tidy(() =>
          y
            .mul(mk([96, 517], 9, 'wasm'))
            .sum()
            .backward(),
        );
        outs.push(Array.from(await y.data()), Array.from(await x.grad!.data()));
        x.grad!.dispose();
        x.grad = null;
        y.dispose();
      }
      x.dispose();
      return outs;
    };
    const p0 = softmaxKernelCalls.pooled;
    const pooled = await run();
    if (be.pool) expect(softmaxKernelCalls.pooled).toBe(p0 + 4);
    const w = be as unknown as { pool: WasmBackend['pool'] };
    const pool = be.pool;
    w.pool = null;
    try {
      const one = await run();
      for (let i = 0; i < 4; i++) expect(one[i]).toEqual(pooled[i]);
    } finally {
      w.pool = pool;
    }
  });
});
