// One training step (forward, backward, AdamW) of a nano language model on each backend, side by side:
// WASM SIMD (CPU), WebGPU (on this machine: Mesa lavapipe, a software renderer) and PyTorch CPU with
// OpenBLAS (tools/bench/torch_nano_train.py, the same architecture). The model: token + learned
// position embeddings, pre-norm blocks (causal multi-head attention, GELU MLP x4), final layer norm,
// linear head, mean cross-entropy over next tokens.
// Run: pnpm build && node bench/nano-train.mjs [--steps 5] [--quick] [--json out.json] [--only wasm,webgpu,torch]
// --profile: also the WASM step's time per kernel (where it goes).
import { writeFileSync } from 'node:fs';
import {
  AdamW,
  Embedding,
  LayerNorm,
  LearnedPositions,
  Linear,
  MLP,
  Module,
  MultiHeadAttention,
  seedInit,
} from '@unif2ace/nn';
import { getBackend, init, ops, profileKernels, tensor, tidy } from '@unif2ace/tensor';
import { runTorchScript } from '../../../tools/bench/torch.mjs';

export const FULL = { vocab: 512, dim: 128, heads: 4, layers: 2, seq: 64, batch: 8 };
export const QUICK = { vocab: 64, dim: 32, heads: 2, layers: 1, seq: 16, batch: 2 };

class Block extends Module {
  constructor(c) {
    super();
    this.ln1 = new LayerNorm(c.dim);
    this.attn = new MultiHeadAttention(c.dim, c.heads);
    this.ln2 = new LayerNorm(c.dim);
    this.mlp = new MLP(c.dim, 4 * c.dim);
  }
  forward(x) {
    const h = x.add(this.attn.forward(this.ln1.forward(x), { causal: true }));
    return h.add(this.mlp.forward(this.ln2.forward(h)));
  }
}

export class NanoLM extends Module {
  constructor(c) {
    super();
    this.c = c;
    this.tok = new Embedding(c.vocab, c.dim);
    this.pos = new LearnedPositions(c.seq, c.dim);
    this.blocks = Array.from({ length: c.layers }, () => new Block(c));
    this.lnf = new LayerNorm(c.dim);
    this.head = new Linear(c.dim, c.vocab);
  }
  /** Mean next-token cross-entropy of ids [B, S + 1]. */
  loss(ids) {
    const { batch: b, seq: s, vocab: v } = this.c;
    let x = this.pos.forward(this.tok.forward(ids.slice(1, 0, s)));
    for (const blk of this.blocks) x = blk.forward(x);
    const logits = this.head.forward(this.lnf.forward(x)).reshape([b * s, v]);
    return ops.crossEntropy(
      logits,
      ids
        .slice(1, 1, s + 1)
        .contiguous()
        .reshape([b * s]),
    );
  }
}

/** Deterministic token ids [B, S + 1] (i32). */
function batchIds(c, seed = 1) {
  const n = c.batch * (c.seq + 1);
  const out = new Int32Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x % c.vocab;
  }
  return tensor(out, [c.batch, c.seq + 1], { dtype: 'i32' });
}

/**
 * ms per step (median) and the losses of `steps` timed steps after 2 warm-ups on `backend`; with
 * `profile`, one more step's kernel profile.
 */
export async function trainSteps(backend, c, steps, profile = false) {
  const r = await init({ backend });
  seedInit(7);
  const model = new NanoLM(c);
  const opt = new AdamW(model.parameters(), { lr: 1e-3 });
  const ids = batchIds(c);
  const losses = [];
  const times = [];
  for (let i = 0; i < steps + 2; i++) {
    const t0 = performance.now();
    const loss = tidy(() => {
      const l = model.loss(ids);
      l.backward();
      return l;
    });
    opt.update();
    opt.zeroGrad();
    losses.push(await loss.item()); // waits for the step to finish on every backend
    loss.dispose();
    if (i >= 2) times.push(performance.now() - t0);
  }
  const kernels = profile
    ? (
        await profileKernels(async () => {
          const loss = tidy(() => {
            const l = model.loss(ids);
            l.backward();
            return l;
          });
          opt.update();
          opt.zeroGrad();
          await loss.item();
          loss.dispose();
        })
      ).kernels
    : null;
  const params = model.parameters().reduce((a, p) => a + p.size, 0);
  ids.dispose();
  model.dispose();
  opt.dispose();
  await getBackend(backend).sync();
  times.sort((a, b) => a - b);
  const ms = times[times.length >> 1];
  const detail =
    backend === 'wasm' ? `${r.wasm.threads} threads, FMA ${r.wasm.fma ? 'on' : 'off'}` : r.gpu?.adapterName;
  return { backend, detail, params, ms, tokensPerSec: (c.batch * c.seq * 1e3) / ms, losses, kernels };
}

export async function run({
  steps = 5,
  quick = false,
  only = ['wasm', 'webgpu', 'torch'],
  profile = false,
  log = console.log,
} = {}) {
  const c = quick ? QUICK : FULL;
  const rows = [];
  for (const be of ['wasm', 'webgpu']) {
    if (!only.includes(be)) continue;
    log(`${be}: ${steps} steps...`);
    rows.push(await trainSteps(be, c, steps, profile && be === 'wasm'));
  }
  if (only.includes('torch')) {
    const args = [c.vocab, c.dim, c.heads, c.layers, c.seq, c.batch, steps].map(String);
    const t = runTorchScript('torch_nano_train.py', args, { log, allowReferenceBlas: quick });
    if (t.skipped) log(`torch: skipped (${t.skipped})`);
    else
      rows.push({
        backend: 'pytorch',
        detail: `torch ${t.torch}, ${t.threads} threads, ${t.blas.split(' ')[0]}`,
        params: t.params,
        ms: t.ms,
        tokensPerSec: (c.batch * c.seq * 1e3) / t.ms,
      });
  }
  return { config: c, rows };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (k, d) => {
    const i = process.argv.indexOf(k);
    return i > 0 ? process.argv[i + 1] : d;
  };
  const res = await run({
    steps: Number(arg('--steps', 5)),
    quick: process.argv.includes('--quick'),
    only: arg('--only', 'wasm,webgpu,torch').split(','),
    profile: process.argv.includes('--profile'),
  });
  const c = res.config;
  console.log(
    `\nnano LM: vocab ${c.vocab}, dim ${c.dim}, ${c.heads} heads, ${c.layers} layers, batch ${c.batch} x seq ${c.seq}; one AdamW training step`,
  );
  const wasm = res.rows.find((r) => r.backend === 'wasm');
  console.log('backend  | ms/step | tokens/s | vs wasm | params  | detail');
  for (const r of res.rows) {
    const ratio = wasm ? (r.ms / wasm.ms).toFixed(2) : '-';
    console.log(
      `${r.backend.padEnd(8)} | ${r.ms.toFixed(1).padStart(7)} | ${Math.round(r.tokensPerSec).toString().padStart(8)} | ${ratio.padStart(6)}x | ${String(r.params).padStart(7)} | ${r.detail}`,
    );
  }
  const gpu = res.rows.find((r) => r.backend === 'webgpu');
  if (wasm && gpu) {
    console.log(
      `\nWASM is ${(gpu.ms / wasm.ms).toFixed(2)}x faster than WebGPU here (target >= 3x on lavapipe).`,
    );
    console.log(`losses, first step: wasm ${wasm.losses[0].toFixed(5)}, webgpu ${gpu.losses[0].toFixed(5)}`);
  }
  if (wasm?.kernels) {
    console.log('\nWASM step by kernel (host ms; one profiled step):');
    for (const k of wasm.kernels.slice(0, 15))
      console.log(
        `  ${k.kernel.padEnd(22)} ${k.ms.toFixed(1).padStart(7)} ms  ${String(k.calls).padStart(4)} calls`,
      );
  }
  const out = arg('--json', null);
  if (out) writeFileSync(out, `${JSON.stringify(res, null, 2)}\n`);
}
