import { manualSeed, ops, scope, type Tensor, tensor, tidy } from '@unif2ace/tensor';
import { checkLeaks, expectClose, rand } from '@unif2ace/tensor/testing';
import { describe, expect, it } from 'vitest';
import golden from '../fixtures/modules.json';
import { loadModule, safetensorsToTensors } from '../io/state.js';
import type { Module } from '../module.js';
import { disposeKVCache, emptyKVCache, MultiHeadAttention, RotaryEmbedding } from './attention.js';
import { Embedding } from './embedding.js';
import { Conv2d, Dropout, MLP, Upsample } from './layers.js';
import { GroupNorm, LayerNorm, RMSNorm } from './norm.js';

checkLeaks();

type Case = {
  input: number[];
  inputShape: number[];
  gy: number[];
  y: number[];
  grads: Record<string, number[]>;
  gx: number[];
  state: string;
};

/** Loads PyTorch's weights, runs forward + backward with PyTorch's output gradient, compares all. */
async function check(m: Module, c: Case, run: (m: Module, x: Tensor) => Tensor, tol = 2e-5) {
  const bytes = Uint8Array.from(atob(c.state), (ch) => ch.charCodeAt(0));
  loadModule(m, bytes);
  const x = tensor(c.input, c.inputShape, { requiresGrad: true });
  const y = await scope(async () => {
    const out = run(m, x);
    out.backward(tensor(c.gy, out.shape));
    return out.data();
  });
  expectClose(y, c.y, { atol: tol, rtol: tol, label: 'forward' });
  expectClose(await x.grad!.data(), c.gx, { atol: tol, rtol: tol, label: 'input grad' });
  for (const [name, p] of m.stateDict()) {
    if (c.grads[name])
      expectClose(await p.grad!.data(), c.grads[name], { atol: tol, rtol: tol, label: name });
  }
  x.grad!.dispose();
  x.dispose();
  m.dispose();
}

describe('modules vs PyTorch (forward and gradients)', () => {
  it('LayerNorm', () => check(new LayerNorm(6), golden.layernorm as Case, (m, x) => m.forward(x)));
  it('RMSNorm', () => check(new RMSNorm(6), golden.rmsnorm as Case, (m, x) => m.forward(x)));
  it('GroupNorm', () => check(new GroupNorm(2, 4), golden.groupnorm as Case, (m, x) => m.forward(x)));
  it('MLP (GELU)', () => check(new MLP(6, 12), golden.mlp as Case, (m, x) => m.forward(x)));
  it('Conv2d (stride 2, padding 1)', () =>
    check(new Conv2d(3, 4, 3, { stride: 2, padding: 1 }), golden.conv as Case, (m, x) => m.forward(x)));
  it('MultiHeadAttention (causal, partial rotary)', () =>
    check(
      new MultiHeadAttention(8, 2, { rotaryDim: 2 }),
      golden.mha as Case,
      (m, x) => m.forward(x, { causal: true }),
      5e-5,
    ));
});

describe('Embedding and Dropout vs PyTorch', () => {
  it('Embedding: forward and weight gradient with repeated ids', async () => {
    const g = golden.embedding;
    const m = new Embedding(7, 3);
    loadModule(
      m,
      Uint8Array.from(atob(g.state), (ch) => ch.charCodeAt(0)),
    );
    const y = await scope(async () => {
      const out = m.forward(tensor(g.ids, g.idsShape, { dtype: 'i32' }));
      out.backward(tensor(g.gy, out.shape));
      expect(out.shape).toEqual([...g.idsShape, 3]);
      return out.data();
    });
    expectClose(y, g.y, { atol: 1e-6, label: 'forward' });
    expectClose(await m.weight.grad!.data(), g.gw, { atol: 1e-6, label: 'weight grad' });
    expect(() => tidy(() => m.forward(tensor([1], [1])))).toThrow(/Embedding: ids must be i32, got f32/);
    m.dispose();
  });

  it('Dropout: identity in eval mode', async () => {
    const g = golden.dropout;
    const d = new Dropout(g.p).eval();
    const x = tensor(g.x, [g.x.length]);
    expect(d.forward(x)).toBe(x);
    expectClose(await x.data(), g.eval, { atol: 0 });
    x.dispose();
  });

  it("Dropout in training scales kept elements like torch, with ops.dropoutMask's mask for the seed", async () => {
    const g = golden.dropout;
    const n = g.x.length;
    const d = new Dropout(g.p);
    const x = tensor(g.x, [n], { requiresGrad: true });
    const gy = Array.from({ length: n }, (_, i) => (i % 5) - 2);
    manualSeed(11);
    const y = await scope(async () => {
      const out = d.forward(x);
      out.backward(tensor(gy, [n]));
      return out.data();
    });
    manualSeed(11);
    const mask = await scope(() => ops.dropoutMask([n], g.p).data());
    const kept = Array.from(mask).filter((k) => k === 1).length;
    expect(Array.from(mask).every((k) => k === 0 || k === 1)).toBe(true);
    expect(kept / n).toBeGreaterThan(0.5);
    expect(kept / n).toBeLessThan(0.9);
    expectClose(
      y,
      g.x.map((v, i) => (mask[i] ? v * g.scale : 0)),
      { atol: 1e-6, rtol: 1e-6, label: 'train forward' },
    );
    expectClose(
      await x.grad!.data(),
      gy.map((v, i) => (mask[i] ? v * g.scale : 0)),
      { atol: 1e-6, label: 'grad' },
    );
    x.grad!.dispose();
    x.dispose();
  });
});

describe('module behaviour', () => {
  it('Upsample doubles H and W', async () => {
    const y = tidy(() => new Upsample(2).forward(rand([1, 2, 3, 3], 1)));
    expect(y.shape).toEqual([1, 2, 6, 6]);
    y.dispose();
  });
  it('rotary on position 0 is the identity and keeps norms', async () => {
    const r = new RotaryEmbedding(4);
    const out = await scope(async () => {
      const x = rand([1, 1, 3, 6], 2);
      const y = r.apply(x);
      const n1 = await ops.sum(x.square(), -1).data();
      const n2 = await ops.sum(y.square(), -1).data();
      return { x: await x.slice(2, 0, 1).data(), y: await y.slice(2, 0, 1).data(), n1, n2 };
    });
    expectClose(out.y, out.x);
    expectClose(out.n2, out.n1, { rtol: 1e-5 });
    r.dispose();
  });
  it('rotary with an offset equals the matching rows of the whole sequence (and the table grows)', async () => {
    const r = new RotaryEmbedding(4);
    const out = await scope(async () => {
      const x = rand([2, 2, 9, 6], 3);
      const small = r.apply(x.slice(2, 0, 2)); // a 2-row table first: the later calls grow it
      const whole = r.apply(x);
      const part = r.apply(x.slice(2, 5, 9), { offset: 5 });
      return {
        small: await small.data(),
        head: await whole.slice(2, 0, 2).data(),
        part: await part.data(),
        tail: await whole.slice(2, 5, 9).data(),
      };
    });
    expectClose(out.small, out.head);
    expectClose(out.part, out.tail);
    expect(() => tidy(() => r.apply(rand([1, 1, 1, 4], 1), { offset: -1 }))).toThrow(
      /offset must be an integer >= 0/,
    );
    r.dispose();
  });
  it('forwardCached: a prefix then one row at a time equals forward() with the causal mask', async () => {
    const m = new MultiHeadAttention(8, 2, { rotaryDim: 2 });
    const cache = emptyKVCache();
    const out = await scope(async () => {
      const x = rand([2, 5, 8], 4);
      const full = m.forward(x, { causal: true });
      const rows = [m.forwardCached(x.slice(1, 0, 3), cache, { causal: true })];
      for (let p = 3; p < 5; p++) rows.push(m.forwardCached(x.slice(1, p, p + 1), cache));
      expect(cache.length).toBe(5);
      expect(cache.k?.shape).toEqual([2, 2, 5, 4]);
      return { full: await full.data(), inc: await ops.concat(rows, 1).data() };
    });
    expectClose(out.inc, out.full, { atol: 1e-5 });
    disposeKVCache(cache);
    m.dispose();
  });
  it('loads torch state with the names torch uses', () => {
    const names = [
      ...safetensorsToTensors(Uint8Array.from(atob(golden.mha.state), (c) => c.charCodeAt(0))).entries(),
    ];
    expect(names.map(([n]) => n).sort()).toEqual(['out.bias', 'out.weight', 'qkv.bias', 'qkv.weight']);
    for (const [, t] of names) t.dispose();
  });
});
