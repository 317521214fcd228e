// One UniF2ace training step (model.loss on a mixed T2I/MMU batch + backward + AdamW) on init({ backend:
// 'auto' }) (WASM on CPU-only machines) against the PyTorch twin (tools/torch-model, CPU, OpenBLAS, the same
// threads, the same weights, batch and loss seeds), side by side in one run; tokens/s each and where our
// step's time goes per kernel (profileKernels).
// Run: pnpm exec turbo run build && node packages/model/bench/step.mjs --config nano [--batch 8] [--steps 3]
//      [--rounds 2] [--json FILE] [--no-torch] [--torch-device cpu|cuda]
// The columns alternate (torch, ours, torch, ours, ... `--rounds` times, `--steps` timed steps each) so a
// machine whose load changes during the run weighs on both; each column's time is the median of its steps.
// PyTorch runs on OpenBLAS when it can be extracted (tools/bench/torch.mjs), else on the reference BLAS
// with a warning.
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
    steps: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '2' },
    json: { type: 'string' },
    'no-torch': { type: 'boolean', default: false },
    'torch-device': { type: 'string', default: 'cpu' },
  },
});
const config = PRESETS[values.config];
if (!config)
  throw new Error(`--config must be one of ${Object.keys(PRESETS).join(', ')}, got ${values.config}`);
const B = Number(values.batch);
const steps = Number(values.steps);
const rounds = Number(values.rounds);
if (
  !(
    Number.isInteger(B) &&
    B >= 2 &&
    Number.isInteger(steps) &&
    steps >= 1 &&
    Number.isInteger(rounds) &&
    rounds >= 1
  )
)
  throw new Error('--batch must be an integer >= 2, --steps and --rounds >= 1');

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
  const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
  const losses = [];
  const times = [];
  const torchTimes = [];
  let torchRun = null;
  let seed = 0;
  const runTorch = (round) => {
    console.log(`round ${round + 1}/${rounds}: torch (the twin, ${threads} threads, ${steps} steps)...`);
    const t = runTorchScript(
      '../torch-model/bench_step.py',
      [
        join(dir, 'model'),
        join(dir, 'batch.json'),
        String(steps),
        String(threads),
        '2',
        values['torch-device'],
      ],
      { allowReferenceBlas: true },
    );
    if (t.skipped) {
      console.log(`torch: skipped (${t.skipped})`);
      return false;
    }
    if (!t.blas.startsWith('OpenBLAS'))
      console.log(
        'WARNING: PyTorch runs on the reference BLAS (OpenBLAS could not be extracted): not a fair anchor',
      );
    torchRun ??= t;
    torchTimes.push(...t.times);
    return true;
  };
  let torchOk = !values['no-torch'];
  for (let round = 0; round < rounds; round++) {
    if (torchOk) torchOk = runTorch(round);
    console.log(`round ${round + 1}/${rounds}: ours (${steps} steps)...`);
    const n = round === 0 ? steps + 2 : steps;
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      const v = await step(seed++);
      if (round === 0) losses.push(v);
      if (round > 0 || i >= 2) times.push(performance.now() - t0);
    }
  }
  const { kernels } = await profileKernels(() => step(seed++));
  const ms = median(times);
  const ours = {
    backend,
    detail,
    threads,
    msPerStep: ms,
    tokensPerSec: (tokensPerStep * 1e3) / ms,
    losses,
    times,
  };
  console.log(
    `ours: ${ms.toFixed(1)} ms/step, ${ours.tokensPerSec.toFixed(0)} tokens/s (first round's losses ${losses.map((v) => v.toFixed(3)).join(' ')})`,
  );
  if (torchOk && torchRun) {
    const tm = median(torchTimes);
    torch = {
      msPerStep: tm,
      tokensPerSec: (tokensPerStep * 1e3) / tm,
      threads: torchRun.threads,
      device: torchRun.device,
      blas: torchRun.blas,
      version: torchRun.torch,
      losses: torchRun.losses,
      times: torchTimes,
    };
    console.log(
      `torch: ${tm.toFixed(1)} ms/step, ${torch.tokensPerSec.toFixed(0)} tokens/s (first round's losses ${torchRun.losses.map((v) => v.toFixed(3)).join(' ')})`,
    );
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
      `| PyTorch twin | ${torch.device ?? 'cpu'}, ${torch.blas.startsWith('OpenBLAS') ? 'OpenBLAS' : 'reference BLAS'} | ${torch.threads} | ${torch.msPerStep.toFixed(1)} | ${torch.tokensPerSec.toFixed(0)} |`,
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
