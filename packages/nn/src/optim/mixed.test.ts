import { getBackend, randn, scope, type Tensor, tensor, tidy } from '@unif2ace/tensor';
import { checkLeaks, DEVICE, expectClose } from '@unif2ace/tensor/testing';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { seedInit } from '../init.js';
import type { Module } from '../module.js';
import { MultiHeadAttention } from '../modules/attention.js';
import { Conv2d, MLP } from '../modules/layers.js';
import { Linear } from '../modules/linear.js';
import { GroupNorm, LayerNorm, RMSNorm } from '../modules/norm.js';
import { Activation, Sequential } from '../modules/sequential.js';
import { accumulate } from './accumulate.js';
import { AdamW } from './adamw.js';
import { MixedPrecision, type MixedPrecisionOptions } from './mixed.js';

checkLeaks();
let hasF16 = false;
beforeAll(() => {
  hasF16 = (getBackend(DEVICE) as unknown as { hasF16: boolean }).hasF16;
});

const net = (seed: number) => {
  seedInit(seed);
  return new Sequential(new Linear(4, 16), new Activation('tanh'), new Linear(16, 1));
};

/** A fixed regression batch: y = sin(3 x0) + x1 x2. */
function data(n: number): [Tensor, Tensor] {
  const x = new Float32Array(n * 4);
  let r = 12345;
  for (let i = 0; i < x.length; i++) {
    r = (Math.imul(r, 1664525) + 1013904223) >>> 0;
    x[i] = r / 2 ** 32 - 0.5;
  }
  const y = Float32Array.from({ length: n }, (_, i) => Math.sin(3 * x[i * 4]) + x[i * 4 + 1] * x[i * 4 + 2]);
  return [tensor(x, [n, 4]), tensor(y, [n, 1])];
}

const mse = (m: Sequential, mp: MixedPrecision, x: Tensor, y: Tensor) =>
  m.forward(mp.cast(x)).cast('f32').sub(y).square().mean();

/** Trains `steps` AdamW steps; returns the first and last loss and the number of applied updates. */
async function train(opts: MixedPrecisionOptions, steps: number) {
  const m = net(5);
  const mp = new MixedPrecision(m, opts);
  const opt = new AdamW(mp.parameters(), { lr: 0.02, weightDecay: 0 });
  const [x, y] = data(32);
  const losses: number[] = [];
  let applied = 0;
  for (let s = 0; s < steps; s++) {
    const l = tidy(() => {
      const loss = mse(m, mp, x, y);
      mp.backward(loss);
      return loss;
    });
    if (s === 0 || s === steps - 1) losses.push(await l.item());
    l.dispose();
    if (await mp.step(opt)) applied++;
  }
  const out = {
    first: losses[0],
    last: losses[1],
    applied,
    precision: mp.precision,
    dtype: m.parameters()[0].dtype,
  };
  for (const t of [x, y]) t.dispose();
  opt.dispose();
  mp.dispose();
  m.dispose();
  return out;
}

describe('MixedPrecision', () => {
  it('f16 training reaches a loss close to the f32 run (f32 fallback where shader-f16 is missing)', async () => {
    const warnings: unknown[] = [];
    const warn = vi.spyOn(console, 'warn').mockImplementation((m) => void warnings.push(m));
    const both = async () => [
      await train({ precision: 'f32' }, 80),
      await train({ precision: 'f16', initScale: 2 ** 12 }, 80),
    ];
    const [f32, f16] = await both().finally(() => warn.mockRestore());
    expect(f32.last).toBeLessThan(f32.first * 0.3);
    if (!hasF16) {
      expect(f16.precision).toBe('f32');
      expect(warnings).toEqual([
        expect.stringMatching(/lacks the shader-f16 feature.*training in f32 instead/),
      ]);
      expect(f16.last).toBe(f32.last);
      return;
    }
    expect(warnings).toEqual([]);
    expect(f16.precision).toBe('f16');
    expect(f16.dtype).toBe('f16');
    expect(f16.applied).toBeGreaterThanOrEqual(78);
    expect(Math.abs(f16.last - f32.last)).toBeLessThan(0.05 * f32.last + 5e-4);
  });

  it('an overflow is detected on the device: the step is skipped and the scale backs off, then grows', async () => {
    const m = net(6);
    // f16 overflows past 65504; without f16 (f32 with loss scaling) 2^200 is infinite as an f32 factor.
    const initScale = hasF16 ? 2 ** 40 : 2 ** 200;
    const mp = new MixedPrecision(m, {
      precision: hasF16 ? 'f16' : 'f32',
      lossScaling: true,
      initScale,
      growthInterval: 2,
    });
    const opt = new AdamW(mp.parameters(), { lr: 0.01 });
    const [x, y] = data(8);
    const snapshot = () => Promise.all(mp.parameters().map((p) => p.data()));
    const w0 = await snapshot();
    const stepOnce = () => {
      tidy(() => mp.backward(mse(m, mp, x, y)));
      return mp.step(opt);
    };
    expect(await stepOnce()).toBe(false);
    expect(mp.skippedSteps).toBe(1);
    expect(mp.scale).toBe(initScale / 2);
    expect(opt.step).toBe(0);
    expect(await snapshot()).toEqual(w0); // master weights untouched, bit for bit
    for (const p of [...mp.parameters(), ...m.parameters()]) expect(p.grad).toBeNull();
    mp.scale = 1024;
    expect(await stepOnce()).toBe(true);
    expect(await stepOnce()).toBe(true);
    expect(opt.step).toBe(2);
    expect(mp.scale).toBe(2048); // grown after growthInterval good steps
    expect(await snapshot()).not.toEqual(w0);
    // The working weights follow the master weights.
    const [wm, ww] = [await mp.parameters()[0].data(), await m.parameters()[0].data()];
    expectClose(ww, wm, { atol: 1e-3, rtol: 1e-3 });
    for (const t of [x, y]) t.dispose();
    opt.dispose();
    mp.dispose();
    m.dispose();
  });

  // a WebGPU adapter without shader-f16 (SwiftShader) is the case this covers
  if (DEVICE === 'webgpu')
    it('without shader-f16 (simulated) it falls back to f32 with a clear message, or throws when strict', () => {
      const be = getBackend('webgpu');
      Object.defineProperty(be, 'hasF16', { value: false, configurable: true });
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
      const m = net(7);
      try {
        expect(() => new MixedPrecision(m, { precision: 'f16', strict: true })).toThrow(
          "MixedPrecision: precision 'f16' is unavailable because the WebGPU adapter lacks the shader-f16 feature (e.g. SwiftShader); pass precision: 'f32' or drop strict to fall back",
        );
        const mp = new MixedPrecision(m, { precision: 'f16' });
        expect(mp.precision).toBe('f32');
        expect(mp.lossScaling).toBe(false);
        expect(mp.fallbackReason).toMatch(/lacks the shader-f16 feature/);
        expect(warn).toHaveBeenCalledWith(
          "MixedPrecision: precision 'f16' is unavailable because the WebGPU adapter lacks the shader-f16 feature (e.g. SwiftShader); training in f32 instead",
        );
        expect(m.parameters().map((p) => p.dtype)).toEqual(['f32', 'f32', 'f32', 'f32']);
        expect(mp.parameters()).toEqual(m.parameters());
      } finally {
        delete (be as unknown as { hasF16?: boolean }).hasF16;
        warn.mockRestore();
        m.dispose();
      }
      const m2 = net(8);
      expect(() => new MixedPrecision(m2, { precision: 'bf16' as 'f16' })).toThrow(
        /precision must be 'f32' or 'f16'/,
      );
      m2.dispose();
    });
});

describe('modules in f16 mode', () => {
  const cases: [string, () => Module, number[], ((m: Module, x: Tensor) => Tensor)?][] = [
    ['LayerNorm', () => new LayerNorm(8), [3, 8]],
    ['RMSNorm', () => new RMSNorm(8), [3, 8]],
    ['GroupNorm', () => new GroupNorm(2, 4), [1, 4, 3, 3]],
    ['MLP', () => new MLP(8, 16), [3, 8]],
    ['Conv2d', () => new Conv2d(3, 4, 3, { padding: 1 }), [1, 3, 5, 5]],
    [
      'MultiHeadAttention',
      () => new MultiHeadAttention(8, 2, { rotaryDim: 2 }),
      [2, 5, 8],
      (m, x) => m.forward(x, { causal: true }),
    ],
  ];
  for (const [name, make, shape, fwd = (m: Module, x: Tensor) => m.forward(x)] of cases) {
    it(`${name}: f16 forward matches f32, backward gives f16 grads (f32 fallback without shader-f16)`, async () => {
      seedInit(3);
      const m = make();
      const x = randn(shape);
      const y32 = await scope(() => fwd(m, x).data());
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
      const mp = new MixedPrecision(m);
      warn.mockRestore();
      const y16 = await scope(async () => {
        const y = fwd(m, mp.cast(x));
        mp.backward(y.cast('f32').square().mean());
        return y.data();
      });
      expectClose(y16, y32, { atol: 2e-2, rtol: 2e-2, label: name });
      expect(m.parameters().map((p) => [p.dtype, p.grad?.dtype])).toEqual(
        m.parameters().map(() => [mp.dtype, mp.dtype]),
      );
      expect(mp.dtype).toBe(hasF16 ? 'f16' : 'f32');
      x.dispose();
      mp.dispose();
      m.dispose();
    });
  }
});

describe('accumulate', () => {
  it('k micro-batches accumulated give the gradients and loss of one big batch', async () => {
    const [x, y] = data(12);
    const grads = async (k: number) => {
      const m = net(9);
      const loss = accumulate(k, (i) => {
        const n = 12 / k;
        return m
          .forward(x.slice(0, i * n, (i + 1) * n))
          .sub(y.slice(0, i * n, (i + 1) * n))
          .square()
          .mean();
      });
      const out = {
        loss: await loss.item(),
        g: await Promise.all(m.parameters().map((p) => p.grad!.data())),
      };
      loss.dispose();
      m.dispose();
      return out;
    };
    const big = await grads(1);
    for (const k of [3, 4]) {
      const acc = await grads(k);
      expectClose([acc.loss], [big.loss], { rtol: 1e-5, label: `loss k=${k}` });
      for (const [i, g] of acc.g.entries()) {
        expectClose(g, big.g[i], { atol: 1e-6, rtol: 1e-5, label: `grad ${i} k=${k}` });
      }
    }
    expect(() => accumulate(0, () => x)).toThrow(/k must be an integer >= 1, got 0/);
    for (const t of [x, y]) t.dispose();
  });
});
