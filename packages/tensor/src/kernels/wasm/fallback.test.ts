import { describe, expect, it } from 'vitest';
import { init } from '../../init.js';
import { attention } from '../../ops/attention.js';
import { embedding } from '../../ops/embedding.js';
import { crossEntropy } from '../../ops/loss.js';
import { tidy } from '../../scope.js';
import { type Tensor, tensor } from '../../tensor.js';
import { checkLeaks, expectClose, randomArray } from '../../testing/index.js';
import { cpuOnWasm } from './fallback.js';

// Every primitive has a WebAssembly kernel; the CPU reference on WASM memory (fallback.ts) remains for the
// cases a kernel hands back (unusual dtypes, rank > 6 views) and for kernels added to the CPU backend later.
// A small training-like graph (embedding -> attention -> cross-entropy, forward and backward) gives the CPU
// backend's values.
checkLeaks('wasm');

async function step(be: string) {
  const V = 11;
  const D = 8;
  const S = 5;
  const wte = tensor(randomArray(V * D, 1), [V, D], { backend: be, requiresGrad: true });
  const ids = tensor([1, 4, 4, 9, 0], [S], { dtype: 'i32', backend: be });
  const targets = tensor([4, 4, 9, 0, 2], [S], { dtype: 'i32', backend: be });
  const loss = tidy(() => {
    const x = embedding(wte, ids).reshape([1, 1, S, D]);
    const h = attention(x, x, x, { causal: true }).reshape([S, D]);
    const logits = h.matmul(wte.transpose(0, 1));
    const l = crossEntropy(logits, targets);
    l.backward();
    return l;
  });
  expect(loss.backend.name).toBe(be);
  const r = [await loss.data(), await wte.grad!.data()];
  for (const t of [loss, wte.grad!, wte, ids, targets] as Tensor[]) t.dispose();
  return r;
}

describe('CPU-reference fallbacks on the wasm backend', () => {
  it('no primitive needs one: every CPU kernel has a WebAssembly kernel', async () => {
    const { wasm } = await init({ backend: 'wasm' });
    expect(wasm?.fallbacks).toEqual([]);
  });
  it('cpuOnWasm runs a CPU kernel on WASM tensors, outputs on the WASM heap', async () => {
    await init({ backend: 'wasm' });
    const a = tensor([1, 2, 3, 4], [2, 2], { dtype: 'i32' });
    const y = cpuOnWasm('matmul')([a, a], { batch: 1, aBatchStride: 0, bBatchStride: 0 }) as Tensor;
    expect(y.backend.name).toBe('wasm');
    expect(Array.from(await y.data())).toEqual([7, 10, 15, 22]);
    a.dispose();
    y.dispose();
  });
  it('embedding + attention + cross-entropy, forward and backward, equal the CPU backend', async () => {
    const [c, w] = [await step('cpu'), await step('wasm')];
    expectClose(w[0], c[0], { atol: 1e-5, label: 'loss' });
    expectClose(w[1], c[1], { atol: 1e-5, label: 'd wte' });
  });
});
