// The WASM backend's warm-up: a small training step run once per backend when init() selects it. It runs
// ops, so it lives above them (the backend itself, init.ts beside this file, imports no op).
import { attention } from '../../ops/attention.js';
import { embedding } from '../../ops/embedding.js';
import { crossEntropy } from '../../ops/loss.js';
import { layerNorm } from '../../ops/norm.js';
import { adamwStep } from '../../ops/optim.js';
import { tidy } from '../../scope.js';
import { tensor } from '../../tensor.js';
import type { WasmBackend } from './backend.js';

const warmed = new WeakSet<WasmBackend>();

/**
 * V8 runs a wasm function's first calls in its baseline compiler (Liftoff, a fraction of the speed) and
 * tiers up to TurboFan in the background: run the hot kernels once at init in a small training step
 * (embedding, layer norm, attention, GELU, matmul, cross-entropy, their backwards, AdamW), sized over the
 * thread thresholds so the workers' copies tier up too. Without it a first large call runs ~3x slower;
 * it costs ~0.13 s of init here.
 */
export function warmUp(be: WasmBackend): void {
  if (warmed.has(be)) return;
  warmed.add(be);
  const [B, S, D, V] = [2, 128, 1024, 64];
  const opts = { backend: 'wasm' };
  const fill = (n: number, f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));
  for (let rep = 0; rep < 2; rep++) {
    tidy(() => {
      const w = tensor(
        fill(V * D, (i) => Math.sin(i) * 0.02),
        [V, D],
        { ...opts, requiresGrad: true },
      );
      const ids = tensor(
        Int32Array.from({ length: B * S }, (_, i) => (i * 7) % V),
        [B, S],
        opts,
      );
      const x = layerNorm(embedding(w, ids));
      const q = x.reshape([B, S, 8, D / 8]).permute([0, 2, 1, 3]);
      const h = attention(q, q, q, { causal: true })
        .permute([0, 2, 1, 3])
        .reshape([B * S, D]);
      const logits = h
        .gelu()
        .add(x.reshape([B * S, D]))
        .matmul(w.T);
      crossEntropy(logits, ids.reshape([B * S])).backward();
      const m = tensor(new Float32Array(V * D), [V, D], opts);
      const v = tensor(new Float32Array(V * D), [V, D], opts);
      adamwStep([w.detach()], [w.grad!], [m], [v], { lr: 1e-3, step: 1 });
      w.grad!.dispose();
      w.grad = null;
    });
  }
}
