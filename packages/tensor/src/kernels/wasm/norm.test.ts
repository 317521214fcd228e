import { describe, expect, it } from 'vitest';
import type { WasmBackend } from '../../backend/wasm/backend.js';
import { engine } from '../../engine.js';
import { layerNorm, rmsNorm } from '../../ops/norm.js';
import { tidy } from '../../scope.js';
import { type Tensor, tensor } from '../../tensor.js';
import { checkLeaks, expectClose, randomArray } from '../../testing/index.js';
import { normBackwardCalls, normBlockRows, normForwardCalls } from './norm.js';

// WASM layer norm / RMS norm forward and backward (SIMD) against the CPU reference.
checkLeaks('wasm');

const mk = (shape: number[], seed: number, be: string, lo = -2, hi = 3) =>
  tensor(
    randomArray(
      shape.reduce((p, d) => p * d, 1),
      seed,
      lo,
      hi,
    ),
    shape,
    { backend: be },
  );

async function compare(build: (be: string) => Tensor, label: string): Promise<void> {
  const cpu = tidy(() => build('cpu'));
  const wasm = tidy(() => build('wasm'));
  expect(wasm.backend.name).toBe('wasm');
  expectClose(await wasm.data(), await cpu.data(), { atol: 2e-5, rtol: 1e-4, label });
  cpu.dispose();
  wasm.dispose();
}

describe('wasm layer norm vs CPU reference', () => {
  for (const shape of [[1], [2, 3], [4, 8], [3, 7, 33], [0, 16], [16, 1024]]) {
    const n = shape[shape.length - 1];
    it(`[${shape}]: plain, weight, weight + bias, rms`, async () => {
      await compare((be) => layerNorm(mk(shape, 1, be)), `ln [${shape}]`);
      await compare((be) => layerNorm(mk(shape, 1, be), mk([n], 2, be)), `ln w [${shape}]`);
      await compare(
        (be) => layerNorm(mk(shape, 1, be), mk([n], 2, be), mk([n], 3, be), 1e-3),
        `ln wb [${shape}]`,
      );
      await compare((be) => rmsNorm(mk(shape, 1, be), mk([n], 2, be)), `rms [${shape}]`);
    });
  }

  it('non-contiguous input and gradients match', async () => {
    await compare((be) => layerNorm(mk([9, 6], 4, be).transpose(0, 1)), 'transposed');
    const grads = async (be: string) => {
      const x = mk([5, 12], 5, be).requiresGrad_();
      const w = mk([12], 6, be).requiresGrad_();
      const b = mk([12], 7, be).requiresGrad_();
      tidy(() =>
        layerNorm(x, w, b)
          .mul(mk([5, 12], 8, be))
          .sum()
          .backward(),
      );
      const r = [await x.grad!.data(), await w.grad!.data(), await b.grad!.data()];
      for (const t of [x, w, b]) {
        t.grad!.dispose();
        t.dispose();
      }
      return r;
    };
    const [c, w] = [await grads('cpu'), await grads('wasm')];
    for (let i = 0; i < 3; i++) expectClose(w[i], c[i], { atol: 2e-5, rtol: 1e-4, label: `grad ${i}` });
  });
});

/** Grads [dx, dw?, db?] of Σ norm(x, w?, b?)·r on backend `be` (which params exist and need grads varies). */
async function normGrads(
  be: string,
  shape: number[],
  opts: { rms?: boolean; weight?: boolean; bias?: boolean; wGrad?: boolean; bGrad?: boolean; f16?: boolean },
): Promise<ArrayLike<number>[]> {
  const n = shape[shape.length - 1];
  const dtype = opts.f16 ? ('f16' as const) : ('f32' as const);
  const mkd = (s: number[], seed: number) =>
    tensor(
      randomArray(
        s.reduce((p, d) => p * d, 1),
        seed,
        -2,
        3,
      ),
      s,
      { backend: be, dtype },
    );
  const x = mkd(shape, 11).requiresGrad_();
  const w = opts.weight ? mkd([n], 12).requiresGrad_(opts.wGrad !== false) : null;
  const b = opts.bias ? mkd([n], 13).requiresGrad_(opts.bGrad !== false) : null;
  tidy(() => {
    const y = opts.rms ? rmsNorm(x, w) : layerNorm(x, w, b, 1e-4);
    y.mul(mkd(shape, 14)).sum().backward();
  });
  const out: ArrayLike<number>[] = [];
  for (const t of [x, w, b]) {
    if (t?.grad) {
      out.push(await t.grad.data());
      t.grad.dispose();
    }
    t?.dispose();
  }
  return out;
}

describe('wasm layer norm / RMS norm backward vs CPU reference', () => {
  const variants = [
    { label: 'plain' },
    { label: 'weight', weight: true },
    { label: 'bias only', bias: true },
    { label: 'weight + bias', weight: true, bias: true },
    { label: 'weight + bias, no weight grad', weight: true, bias: true, wGrad: false },
    { label: 'weight + bias, no bias grad', weight: true, bias: true, bGrad: false },
    { label: 'rms', rms: true },
    { label: 'rms weight', rms: true, weight: true },
  ];
  for (const shape of [[1], [2, 3], [5, 4], [3, 7, 33], [0, 16], [70, 9], [40, 130]]) {
    it(`[${shape}]: ${variants.length} variants`, async () => {
      for (const v of variants) {
        const c0 = normBackwardCalls.wasm;
        const wg = await normGrads('wasm', shape, v);
        expect(normBackwardCalls.wasm, 'the WASM backward ran').toBe(c0 + 1);
        const cg = await normGrads('cpu', shape, v);
        expect(wg.length).toBe(cg.length);
        for (let i = 0; i < cg.length; i++)
          expectClose(wg[i], cg[i], { atol: 5e-5, rtol: 2e-4, label: `[${shape}] ${v.label} grad ${i}` });
      }
    });
  }

  it('f16, and big inputs on the pool: same as CPU, and the same bits for any split of the blocks', async () => {
    const f16w = await normGrads('wasm', [6, 37], { weight: true, bias: true, f16: true });
    const f16c = await normGrads('cpu', [6, 37], { weight: true, bias: true, f16: true });
    for (let i = 0; i < 3; i++)
      expectClose(f16w[i], f16c[i], { atol: 2e-3, rtol: 2e-3, label: `f16 grad ${i}` });
    const shape = [300, 130];
    expect(normBlockRows(300)).toBe(32);
    const p0 = normBackwardCalls.pooled;
    const big = await normGrads('wasm', shape, { weight: true, bias: true });
    const threads = (engine.backend('wasm') as WasmBackend).pool?.threads ?? 1;
    if (threads > 1) expect(normBackwardCalls.pooled).toBe(p0 + 1);
    const cpu = await normGrads('cpu', shape, { weight: true, bias: true });
    for (let i = 0; i < 3; i++)
      expectClose(big[i], cpu[i], { atol: 1e-4, rtol: 2e-4, label: `pooled grad ${i}` });
    // dw, db: Σ over blocks in block order, whichever thread ran a block: one thread gives the same bits
    const be = engine.backend('wasm') as WasmBackend;
    const pool = be.pool;
    const w = be as unknown as { pool: WasmBackend['pool'] };
    w.pool = null;
    try {
      const one = await normGrads('wasm', shape, { weight: true, bias: true });
      for (let i = 0; i < 3; i++) expect(Array.from(one[i])).toEqual(Array.from(big[i]));
    } finally {
      w.pool = pool;
    }
  });
});

describe('wasm layer norm forward: f16 and the pool', () => {
  it('f16 like the CPU; big inputs on the pool give the one-thread bits', async () => {
    const h = async (be: string) => {
      const x = tensor(randomArray(6 * 37, 1, -2, 3), [6, 37], { backend: be, dtype: 'f16' });
      const w = tensor(randomArray(37, 2), [37], { backend: be, dtype: 'f16' });
      const y = layerNorm(x, w);
      expect(y.dtype).toBe('f16');
      const d = await y.data();
      for (const t of [x, w, y]) t.dispose();
      return d;
    };
    const c0 = normForwardCalls.wasm;
    expectClose(await h('wasm'), await h('cpu'), { atol: 2e-3, rtol: 2e-3, label: 'f16' });
    expect(normForwardCalls.wasm).toBe(c0 + 1);
    const be = engine.backend('wasm') as WasmBackend;
    const run = async () => {
      const y = tidy(() => rmsNorm(mk([129, 300], 3, 'wasm'), mk([300], 4, 'wasm')));
      const d = Array.from(await y.data());
      y.dispose();
      return d;
    };
    const p0 = normForwardCalls.pooled;
    const pooled = await run();
    if (be.pool) expect(normForwardCalls.pooled).toBe(p0 + 1);
    const w = be as unknown as { pool: WasmBackend['pool'] };
    const pool = be.pool;
    w.pool = null;
    try {
      expect(await run()).toEqual(pooled);
    } finally {
      w.pool = pool;
    }
    await compare((b) => rmsNorm(mk([129, 300], 3, b), mk([300], 4, b)), 'pooled vs CPU');
  });
});
