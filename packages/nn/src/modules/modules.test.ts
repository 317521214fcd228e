import { ops, scope, type Tensor, tensor, tidy } from '@unif2ace/tensor';
import { expectClose, liveTensors, rand, useBackend } from '@unif2ace/tensor/testing';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import golden from '../fixtures/modules.json';
import { loadModule } from '../io/state.js';
import { safetensorsToTensors } from '../io/state.js';
import type { Module } from '../module.js';
import { MultiHeadAttention, RotaryEmbedding } from './attention.js';
import { Conv2d, MLP, Upsample } from './layers.js';
import { GroupNorm, LayerNorm, RMSNorm } from './norm.js';

let before = 0;
beforeAll(async () => {
  await useBackend('webgpu');
  before = liveTensors();
});
afterEach(() => expect(liveTensors()).toBe(before));

type Case = { input: number[]; inputShape: number[]; gy: number[]; y: number[]; grads: Record<string, number[]>; gx: number[]; state: string };

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
    if (c.grads[name]) expectClose(await p.grad!.data(), c.grads[name], { atol: tol, rtol: tol, label: name });
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
    check(new MultiHeadAttention(8, 2, { rotaryDim: 2 }), golden.mha as Case, (m, x) => m.forward(x, { causal: true }), 5e-5));
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
  it('loads torch state with the names torch uses', () => {
    const names = [...safetensorsToTensors(Uint8Array.from(atob(golden.mha.state), (c) => c.charCodeAt(0))).entries()];
    expect(names.map(([n]) => n).sort()).toEqual(['out.bias', 'out.weight', 'qkv.bias', 'qkv.weight']);
    for (const [, t] of names) t.dispose();
  });
});
