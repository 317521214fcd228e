#!/usr/bin/env node
// Inference speed of a nano-sized UniF2ace (random weights: speed does not depend on them), side by side on
// the backends asked for, in one run: ms per generated image (MaskGIT, 18 steps, CFG on: cond + uncond rows
// in one batch), ms per answered question (KV cache; a fixed number of tokens, <|eos|> ignored so every
// run decodes the same count) and per token, and on WebGPU the dispatches of one T2I forward per block.
// The model uses the shipped image tokenizer (64 px, 16 × 16 codes of 1000) and a BPE tokenizer trained on
// the data package's captions (text vocabulary 1000). Medians over --reps after one warm-up.
// Run after `pnpm exec turbo run build --filter @unif2ace/model...`:
//   node packages/model/bench/infer.mjs [--backends wasm,webgpu] [--reps 3] [--steps 18] [--tokens 16]
//     [--config nano] [--json FILE]
// The JSON: { config, rows: [{ backend, msPerImage, msPerAnswer, msPrefix, msPerToken, tokens, dispatchesPerBlock }] }.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    backends: { type: 'string', default: 'wasm,webgpu' },
    reps: { type: 'string', default: '3' },
    steps: { type: 'string', default: '18' },
    tokens: { type: 'string', default: '16' },
    config: { type: 'string', default: 'nano' },
    json: { type: 'string' },
  },
});
const t = await import(new URL('../../tensor/dist/index.js', import.meta.url).href);
const data = await import(new URL('../../data/dist/index.js', import.meta.url).href);
const common = await import(new URL('../../common/dist/index.js', import.meta.url).href);
const vq = await import(new URL('../../vq/dist/index.js', import.meta.url).href);
const { PRESETS, UniF2ace } = await import(new URL('../dist/index.js', import.meta.url).href);

const reps = Number(args.reps);
const steps = Number(args.steps);
const nTokens = Number(args.tokens);
const config = PRESETS[args.config];
if (!config) throw new Error(`infer: --config must be one of ${Object.keys(PRESETS).join(', ')}`);
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const rng = new common.Rng(1);
const captions = [];
for (let i = 0; i < 400; i++)
  captions.push(data.makeCaption(data.visibleAttributes(data.sampleAttributes(rng)), rng).text);
const tokenizer = data.BpeTokenizer.train(captions, { vocabSize: 1000 });
const prompt = captions[0];

const rows = [];
for (const backend of args.backends.split(',')) {
  const info = await t.init({ backend });
  const imageTokenizer = await vq.ImageTokenizer.load();
  const model = UniF2ace.create(config, { tokenizer, imageTokenizer, seed: 1 }).eval();
  const N = model.vocab.imageTokens;
  const codes = Int32Array.from({ length: N }, (_, i) => (i * 37) % model.vocab.codes);
  const answerOnce = async () => {
    let n = 0;
    let first = 0;
    const t0 = performance.now();
    // temperature 1 from a fixed seed: a random model may pick <|eos|> first under greedy decoding; the
    // count is fixed by maxTokens unless <|eos|> is drawn (reported)
    await model.answer(codes, 'What color are the eyes?', {
      maxTokens: nTokens,
      temperature: 1,
      seed: 3,
      onToken: () => {
        if (!n++) first = performance.now() - t0;
      },
    });
    const ms = performance.now() - t0;
    // the first token comes from the prefix pass (image codes + question); each later one from one row
    return { ms, n, prefix: first, perToken: n > 1 ? (ms - first) / (n - 1) : Number.NaN };
  };
  const genOnce = async () => {
    const t0 = performance.now();
    await model.generate(prompt, { seed: 1, steps, cfg: 2 });
    return performance.now() - t0;
  };
  await genOnce();
  await answerOnce();
  const gen = [];
  const ans = [];
  const prefix = [];
  const perToken = [];
  let tokens = 0;
  for (let r = 0; r < reps; r++) {
    gen.push(await genOnce());
    const a = await answerOnce();
    ans.push(a.ms);
    prefix.push(a.prefix);
    perToken.push(a.perToken);
    tokens = a.n;
  }
  let dispatchesPerBlock = null;
  if (backend === 'webgpu') {
    const be = t.getBackend('webgpu');
    const c = model.collate([model.t2iRow(prompt, null), model.t2iRow('', null)]);
    const before = be.queue.dispatches;
    const h = t.noGrad(() => t.tidy(() => model.hidden(c, undefined, { losses: false }).h));
    await h.data();
    h.dispose();
    dispatchesPerBlock = (be.queue.dispatches - before) / config.depth;
  }
  const row = {
    backend: info.backend.name,
    msPerImage: median(gen),
    msPerAnswer: median(ans),
    msPrefix: median(prefix),
    msPerToken: median(perToken),
    tokens,
    dispatchesPerBlock,
  };
  rows.push(row);
  console.log(
    `${row.backend.padEnd(7)} image (${steps} steps, cfg, ${N} codes) ${row.msPerImage.toFixed(0)} ms · answer (${tokens} tokens, KV cache) ${row.msPerAnswer.toFixed(0)} ms: prefix ${row.msPrefix.toFixed(0)} ms + ${row.msPerToken.toFixed(1)} ms/token` +
      (dispatchesPerBlock === null
        ? ''
        : ` · ${dispatchesPerBlock} dispatches per block (T2I forward, 2 rows)`),
  );
  model.dispose();
}
if (args.json) writeFileSync(args.json, `${JSON.stringify({ config: args.config, rows }, null, 2)}\n`);
