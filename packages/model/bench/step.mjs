// One UniF2ace training step (model.loss on a mixed T2I/MMU batch + backward + AdamW) on init({ backend:
// 'auto' }) (WASM on CPU-only machines) against the PyTorch twin (tools/torch-model, CPU, OpenBLAS, the same
// threads, the same weights, batch and loss seeds), side by side in one run; tokens/s each and where our
// step's time goes per kernel (profileKernels).
// Run: pnpm exec turbo run build && node packages/model/bench/step.mjs --config nano [--batch 8] [--steps 5]
//      [--json FILE] [--no-torch] [--reference-blas]
// JSON: { ours: { backend, msPerStep, tokensPerSec, ... }, torch: { msPerStep, tokensPerSec, ... }, ratio, ... }
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BpeTokenizer, makeFaceSample } from '@unif2ace/data';
import { PRESETS, UniF2ace } from '@unif2ace/model';
import { AdamW } from '@unif2ace/nn';
import { init, profileKernels } from '@unif2ace/tensor';
import { ImageTokenizer } from '@unif2ace/vq';
import { runTorchScript } from '../../../tools/bench/torch.mjs';

const { values } = parseArgs({
  options: {
    config: { type: 'string', default: 'nano' },
    batch: { type: 'string', default: '8' },
    steps: { type: 'string', default: '5' },
    json: { type: 'string' },
    'no-torch': { type: 'boolean', default: false },
    'reference-blas': { type: 'boolean', default: false },
  },
});
const config = PRESETS[values.config];
if (!config)
  throw new Error(`--config must be one of ${Object.keys(PRESETS).join(', ')}, got ${values.config}`);
const B = Number(values.batch);
const steps = Number(values.steps);
if (!(Number.isInteger(B) && B >= 2 && Number.isInteger(steps) && steps >= 1))
  throw new Error('--batch must be an integer >= 2 and --steps >= 1');

const r = await init({ backend: 'auto' });
const backend = r.backend.name;
const threads = r.wasm?.threads ?? 1;
const detail = r.wasm
  ? `${threads} threads, FMA ${r.wasm.fma ? 'on' : 'off'}`
  : (r.gpu?.adapterName ?? backend);
console.log(
  `ours: ${backend} (${detail}); config ${values.config}, batch ${B} (${B / 2} T2I + ${B / 2} MMU)`,
);

// tokenizers: a BPE trained on synthetic captions and QA, the shipped image tokenizer (its grid and codebook
// set N and K; the step itself never runs the image tokenizer: training pre-encodes the images)
const records = Array.from({ length: 200 }, (_, i) => makeFaceSample(1, i, 16).record);
const tokenizer = BpeTokenizer.train(
  records.flatMap((x) => [x.caption, ...x.qa.flatMap((q) => [q.q, q.a])]),
  { vocabSize: 1000, minFrequency: 1 },
);
const imageTokenizer = await ImageTokenizer.load();
const model = UniF2ace.create(config, { tokenizer, imageTokenizer, seed: 0 });
const { imageTokens: N, codes: K } = model.vocab.sizes();
let x = 12345;
const codes = () =>
  Int32Array.from({ length: N }, () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x % K;
  });
const batch = {
  t2i: records.slice(0, B / 2).map((rec) => ({ caption: rec.caption, codes: codes() })),
  mmu: records.slice(B / 2, B).map((rec, i) => ({
    codes: codes(),
    question: rec.qa[i % rec.qa.length].q,
    answer: rec.qa[i % rec.qa.length].a,
  })),
};
const tokensPerStep =
  batch.t2i.reduce((a, e) => a + model.t2iRow(e.caption, e.codes).ids.length, 0) +
  batch.mmu.reduce((a, e) => a + model.mmuRow(e.codes, e.question, e.answer).ids.length, 0);
const params = model.numParameters();
console.log(`${params} parameters, N ${N} image tokens, K ${K} codes, ${tokensPerStep} tokens per step`);

const opt = new AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.01 });
const step = async (seed) => {
  const l = model.loss(batch, { seed });
  l.total.backward();
  opt.update();
  model.zeroGrad();
  const v = await l.total.item();
  for (const t of [l.total, ...Object.values(l.parts)]) t.dispose();
  return v;
};

// the twin gets the same initial weights and the same batch (token ids), and runs the same loss seeds
const dir = mkdtempSync(join(tmpdir(), 'unif2ace-step-'));
let torch = null;
try {
  await model.save(join(dir, 'model'), { dtype: 'f32' });
  const ids = (t) => (t ? tokenizer.encode(t) : []);
  writeFileSync(
    join(dir, 'batch.json'),
    JSON.stringify({
      t2i: batch.t2i.map((e) => ({ caption_ids: ids(e.caption), codes: Array.from(e.codes) })),
      mmu: batch.mmu.map((e) => ({
        codes: Array.from(e.codes),
        question_ids: ids(e.question),
        answer_ids: ids(e.answer),
      })),
    }),
  );
  const losses = [];
  const times = [];
  for (let i = 0; i < steps + 2; i++) {
    const t0 = performance.now();
    losses.push(await step(i));
    if (i >= 2) times.push(performance.now() - t0);
  }
  const { kernels } = await profileKernels(() => step(steps + 2));
  times.sort((a, b) => a - b);
  const ms = times[times.length >> 1];
  const ours = { backend, detail, threads, msPerStep: ms, tokensPerSec: (tokensPerStep * 1e3) / ms, losses };
  console.log(
    `ours: ${ms.toFixed(1)} ms/step, ${ours.tokensPerSec.toFixed(0)} tokens/s (losses ${losses.map((v) => v.toFixed(3)).join(' ')})`,
  );

  if (!values['no-torch']) {
    console.log(`torch: the twin, ${threads} threads...`);
    const t = runTorchScript(
      '../torch-model/bench_step.py',
      [join(dir, 'model'), join(dir, 'batch.json'), String(steps), String(threads)],
      { allowReferenceBlas: values['reference-blas'] },
    );
    if (t.skipped) console.log(`torch: skipped (${t.skipped})`);
    else {
      if (t.blas.startsWith('system'))
        console.log(
          'WARNING: torch runs on the reference BLAS, not OpenBLAS: its column is not a fair anchor',
        );
      torch = {
        msPerStep: t.ms,
        tokensPerSec: (tokensPerStep * 1e3) / t.ms,
        threads: t.threads,
        blas: t.blas,
        version: t.torch,
        losses: t.losses,
      };
      console.log(
        `torch: ${t.ms.toFixed(1)} ms/step, ${torch.tokensPerSec.toFixed(0)} tokens/s (losses ${t.losses.map((v) => v.toFixed(3)).join(' ')})`,
      );
    }
  }
  const total = kernels.reduce((a, k) => a + k.ms, 0);
  console.log('\nour step by kernel (one profiled step; host-side work between kernels not included):');
  console.log('| kernel | calls | ms | share |\n|---|---:|---:|---:|');
  for (const k of kernels.slice(0, 15))
    console.log(`| ${k.kernel} | ${k.calls} | ${k.ms.toFixed(1)} | ${((100 * k.ms) / total).toFixed(1)} % |`);
  console.log(
    `| all ${kernels.length} kernels | ${kernels.reduce((a, k) => a + k.calls, 0)} | ${total.toFixed(1)} | |`,
  );
  const ratio = torch ? ours.msPerStep / torch.msPerStep : null;
  console.log('\n| | backend | threads | ms/step | tokens/s |\n|---|---|---:|---:|---:|');
  console.log(
    `| ours | ${backend} (${detail}) | ${threads} | ${ours.msPerStep.toFixed(1)} | ${ours.tokensPerSec.toFixed(0)} |`,
  );
  if (torch)
    console.log(
      `| PyTorch twin | CPU, ${torch.blas.startsWith('OpenBLAS') ? 'OpenBLAS' : 'reference BLAS'} | ${torch.threads} | ${torch.msPerStep.toFixed(1)} | ${torch.tokensPerSec.toFixed(0)} |`,
    );
  if (ratio) console.log(`\nour step time / PyTorch's: ${ratio.toFixed(2)}x (target <= 1.0)`);
  if (values.json) {
    writeFileSync(
      values.json,
      `${JSON.stringify({ config: values.config, batch: B, tokensPerStep, params, ours, torch, ratio, kernels: kernels.map((k) => ({ ...k, ms: Number(k.ms.toFixed(3)) })) }, null, 2)}\n`,
    );
    console.log(`wrote ${values.json}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  opt.dispose();
  model.dispose();
}
