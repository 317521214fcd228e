// A fresh model folder for the twin to train from (the architecture, the tokenizers, initial weights):
//   node tools/torch-model/make_init.mjs --preset tiny|nano --data DATA_SPLIT_DIR --out FOLDER [--seed 0]
// tiny: dim 32, 2 blocks, a 300-token BPE and a random 16 px image tokenizer (4x4 codes, K = 16): the CI
// fixture. nano: packages/model/configs/nano.json, a 1000-token BPE and the shipped 64 px image tokenizer.
// The BPE tokenizer is trained on the captions and QA of the data's first 2000 samples.
import { parseArgs } from 'node:util';
import { BpeTokenizer, readShards, sampleJson } from '@unif2ace/data';
import { PRESETS, UniF2ace } from '@unif2ace/model';
import { seedInit } from '@unif2ace/nn';
import { init } from '@unif2ace/tensor';
import { ImageTokenizer } from '@unif2ace/vq';

export const TINY = {
  dim: 32,
  depth: 2,
  heads: 4,
  rotaryDim: 4,
  textLength: 16,
  maxSequence: 24,
  tokenMoe: { hidden: 32, routed: 3, shared: 1, topK: 2, balanceWeight: 0.01 },
  seqMoe: {
    topK: 2,
    balanceWeight: 0.01,
    generation: ['copy', 'copy', 'zero', 'noise'],
    understanding: ['copy', 'copy', 'clip', 'face'],
  },
};

const { values } = parseArgs({
  options: {
    preset: { type: 'string', default: 'tiny' },
    data: { type: 'string' },
    out: { type: 'string' },
    seed: { type: 'string', default: '0' },
  },
});
if (!values.data || !values.out)
  throw new Error('usage: make_init.mjs --preset tiny|nano --data DIR --out FOLDER');
const seed = Number(values.seed);
await init({ backend: 'cpu' });

const texts = [];
let n = 0;
for await (const s of readShards({ dir: values.data })) {
  const r = sampleJson(s);
  texts.push(r.caption, ...r.qa.flatMap((x) => [x.q, x.a]));
  if (++n >= 2000) break;
}
texts.push('Describe this face in detail.');
let config;
let imageTokenizer;
let vocabSize;
if (values.preset === 'tiny') {
  config = TINY;
  vocabSize = 300;
  seedInit(seed + 1);
  imageTokenizer = ImageTokenizer.create(
    {
      imageSize: 16,
      patchSize: 2,
      channels: 8,
      channelMult: [1, 2],
      resBlocks: 1,
      groups: 4,
      latentChannels: 2,
    },
    { kind: 'fsq', levels: [4, 4] },
  ).eval();
} else if (values.preset in PRESETS) {
  config = PRESETS[values.preset];
  vocabSize = 1000;
  imageTokenizer = await ImageTokenizer.load();
} else throw new Error(`--preset must be tiny or one of ${Object.keys(PRESETS).join(', ')}`);
const tokenizer = BpeTokenizer.train(texts, { vocabSize, minFrequency: 1 });
const model = UniF2ace.create(config, { tokenizer, imageTokenizer, seed });
await model.save(values.out, { dtype: 'f32' });
console.log(
  `wrote ${values.out}: ${values.preset}, ${model.numParameters()} parameters, vocab ${JSON.stringify(model.vocab.sizes())}`,
);
model.dispose();
