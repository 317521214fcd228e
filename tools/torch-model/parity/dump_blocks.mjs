// Writes each building block's weights (nn's saveModule), a fixed input and our output into a folder, for
// parity/check_blocks.py to load into the PyTorch twin and compare. Run: node parity/dump_blocks.mjs <dir>
// (the backend is UNIF2ACE_BACKEND, default 'cpu': the plain-TS reference, the spec).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SeqMoE, TokenMoE } from '@unif2ace/moe';
import {
  Embedding,
  InitRng,
  LayerNorm,
  Linear,
  MultiHeadAttention,
  saveModule,
  seedInit,
} from '@unif2ace/nn';
import { init, manualSeed, tensor } from '@unif2ace/tensor';

const dir = process.argv[2];
if (!dir) throw new Error('usage: node parity/dump_blocks.mjs <output dir>');
mkdirSync(dir, { recursive: true });
await init({ backend: process.env.UNIF2ACE_BACKEND ?? 'cpu' });
seedInit(7);
manualSeed(7);

const rng = new InitRng(11);
const randn = (shape, std = 1) => {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = Math.max(rng.next(), 1e-12);
    const v = rng.next();
    const r = Math.sqrt(-2 * Math.log(u)) * std;
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
};

const cases = [];
async function dump(name, module, inputs, outputs, extra = {}) {
  const weights = await saveModule(module);
  writeFileSync(join(dir, `${name}.safetensors`), weights);
  const enc = {};
  for (const [k, t] of Object.entries({ ...inputs, ...outputs })) {
    enc[k] = { shape: [...t.shape], dtype: t.dtype, values: Array.from(await t.data()) };
  }
  cases.push({
    name,
    weights: `${name}.safetensors`,
    inputs: Object.keys(inputs),
    outputs: Object.keys(outputs),
    tensors: enc,
    ...extra,
  });
}

const B = 3;
const S = 7;
const D = 16;
const x = tensor(randn([B, S, D]), [B, S, D]);

{
  const m = new Linear(D, 24);
  await dump('linear', m, { x }, { y: m.forward(x) });
}
{
  const m = new LayerNorm(D);
  // non-trivial affine parameters
  m.replaceParameters((_, p) => p.detach().add(tensor(randn([D], 0.3), [D])));
  await dump('layernorm', m, { x }, { y: m.forward(x) });
}
{
  const m = new Embedding(50, D);
  const ids = tensor(
    Int32Array.from({ length: B * S }, (_, i) => (i * 13) % 50),
    [B, S],
    { dtype: 'i32' },
  );
  await dump('embedding', m, { ids }, { y: m.forward(ids) });
}
for (const [name, rotaryDim] of [
  ['mha_norotary', 0],
  ['mha_partial', 4],
  ['mha_full', 8],
]) {
  const m = new MultiHeadAttention(D, 2, { rotaryDim });
  const plain = m.forward(x);
  const causal = m.forward(x, { causal: true });
  // per-row mask: row 0 prefix-bidirectional (first 3 full), row 1 causal, row 2 block; padding on row 2
  const mask = new Int32Array(B * S * S);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < S; i++) {
      for (let j = 0; j < S; j++) {
        const ok = b === 0 ? j <= Math.max(i, 2) : b === 1 ? j <= i : i < 4 === j < 4;
        mask[(b * S + i) * S + j] = ok ? 1 : 0;
      }
    }
  }
  const pad = Int32Array.from({ length: B * S }, (_, i) => (Math.floor(i / S) === 2 && i % S < 2 ? 0 : 1));
  const maskT = tensor(mask, [B, S, S], { dtype: 'i32' });
  const padT = tensor(pad, [B, S], { dtype: 'i32' });
  const masked = m.forward(x, { mask: maskT, keyPadding: padT });
  await dump(
    name,
    m,
    { x, mask: maskT, keyPadding: padT },
    { plain, causal, masked },
    { heads: 2, rotaryDim },
  );
}
{
  const groups = ['understanding', 'generation', 'understanding'];
  const m = new TokenMoE({ dim: D, hidden: 24, experts: 4, shared: 1, topK: 2, balanceWeight: 0.01 });
  const r = m.route(x, groups);
  await dump(
    'token_moe',
    m,
    { x },
    { y: r.y, balance: r.balanceLoss },
    { groups, hidden: 24, experts: 4, shared: 1, topK: 2, balanceWeight: 0.01 },
  );
}
{
  const groups = ['generation', 'understanding'];
  const m = new TokenMoE({ dim: D, hidden: 20, experts: 3, shared: 2, topK: 1, balanceWeight: 0.05 });
  const x2 = x.slice(0, 0, 2);
  const r = m.route(x2, groups);
  await dump(
    'token_moe_top1',
    m,
    { x: x2 },
    { y: r.y, balance: r.balanceLoss },
    { groups, hidden: 20, experts: 3, shared: 2, topK: 1, balanceWeight: 0.05 },
  );
}
{
  const F = 6;
  const groups = ['understanding', 'generation', 'understanding', 'understanding'];
  const x4 = tensor(randn([4, S, D]), [4, S, D]);
  const m = new SeqMoE({
    dim: D,
    topK: 2,
    balanceWeight: 0.01,
    expertOptions: { clip: { featureDim: F }, face: { featureDim: F } },
  });
  // a router that is not near-uniform, so the picks differ between sequences
  m.router.replaceParameters(() => tensor(randn([8, D], 0.5), [8, D]));
  m.eval();
  const clip = tensor(randn([4, F]), [4, F]);
  const face = tensor(randn([4, 3, F]), [4, 3, F]);
  const r = m.route(x4, groups, { context: { clip, face } });
  const stats = await m.routingStats();
  await dump(
    'seq_moe',
    m,
    { x: x4, clip, face },
    { y: r.y, balance: r.balanceLoss },
    { groups, topK: 2, balanceWeight: 0.01, featureDim: F, picks: stats.sequenceExperts },
  );
}
writeFileSync(
  join(dir, 'cases.json'),
  JSON.stringify({ backend: process.env.UNIF2ACE_BACKEND ?? 'cpu', cases }),
);
console.log(`wrote ${cases.length} cases to ${dir}`);
