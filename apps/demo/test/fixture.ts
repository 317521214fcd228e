// A tiny UniF2ace made at test time (never committed): the shipped 64 px image tokenizer, a BPE tokenizer
// trained on a few hundred generated captions and questions, and a one-block dim-32 transformer with random
// weights. It exercises every path of the demo (load over HTTP or from a folder, generate with steps,
// describe, ask) in seconds; what it draws and says is noise, which the tests do not judge.
import {
  BpeTokenizer,
  faceSeed,
  makeCaption,
  makeQuestions,
  Rng,
  sampleAttributes,
  visibleAttributes,
} from '@unif2ace/data';
import { UniF2ace, type UniF2aceConfig } from '@unif2ace/model';
import { init } from '@unif2ace/tensor';
import { ImageTokenizer } from '@unif2ace/vq';

export const FIXTURE_CONFIG: UniF2aceConfig = {
  dim: 32,
  depth: 1,
  heads: 2,
  rotaryDim: 8,
  textLength: 48,
  maxSequence: 24,
  tokenMoe: { hidden: 32, routed: 2, shared: 1, topK: 1, balanceWeight: 0.01 },
  seqMoe: {
    topK: 2,
    balanceWeight: 0.01,
    generation: ['copy', 'copy', 'zero', 'noise'],
    understanding: ['copy', 'copy', 'clip', 'face'],
  },
};

/** Writes the tiny model folder to `dir` (config.json, model.safetensors, tokenizer.json, image-tokenizer/). */
export async function saveFixtureModel(dir: string): Promise<void> {
  await init({ backend: 'wasm' });
  const texts: string[] = ['Describe this face in detail.'];
  for (let i = 0; i < 200; i++) {
    const seed = faceSeed(11, i);
    const record = visibleAttributes(sampleAttributes(Rng.derive(seed, 'attributes')));
    texts.push(makeCaption(record, Rng.derive(seed, 'caption')).text);
    for (const qa of makeQuestions(record, Rng.derive(seed, 'questions'))) texts.push(qa.q, qa.a);
  }
  const tokenizer = BpeTokenizer.train(texts, { vocabSize: 400 });
  const imageTokenizer = await ImageTokenizer.load();
  const model = UniF2ace.create(FIXTURE_CONFIG, { tokenizer, imageTokenizer, seed: 5 });
  try {
    await model.save(dir, { dtype: 'f16' });
  } finally {
    model.dispose();
  }
}
