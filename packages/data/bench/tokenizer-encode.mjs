// Encode throughput of our byte-level BPE vs @huggingface/tokenizers on the same tokenizer.json, plus
// training time on the synthetic captions + QA (130K records x 8 questions by default). Run after `pnpm build`:
//   node bench/tokenizer-encode.mjs [--captions 130000] [--qa 1000000] [--vocab 1000]
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Tokenizer } from '@huggingface/tokenizers';
import {
  BpeTokenizer,
  faceSeed,
  makeCaption,
  makeQuestions,
  Rng,
  sampleAttributes,
  visibleAttributes,
  WordCounter,
} from '../dist/index.js';

const { values } = parseArgs({
  options: {
    captions: { type: 'string', default: '130000' },
    qa: { type: 'string', default: '1000000' },
    vocab: { type: 'string', default: '1000' },
    encode: { type: 'string', default: '20000' },
  },
});

// The real corpus: captions and questions of synthetic records (attributes sampled, no images rendered).
const nCap = Number(values.captions);
const perRecord = Math.max(1, Math.round(Number(values.qa) / nCap));
let t = performance.now();
const texts = [];
const sample = [];
let qaCount = 0;
for (let i = 0; i < nCap; i++) {
  const seed = faceSeed(1, i);
  const attrs = visibleAttributes(sampleAttributes(Rng.derive(seed, 'attributes')));
  const caption = makeCaption(attrs, Rng.derive(seed, 'caption')).text;
  texts.push(caption);
  if (sample.length < Number(values.encode)) sample.push(caption);
  for (const { q, a } of makeQuestions(attrs, Rng.derive(seed, 'questions'), { count: perRecord })) {
    texts.push(q, a);
    qaCount++;
  }
}
const genMs = performance.now() - t;
t = performance.now();
const counter = new WordCounter();
for (const x of texts) counter.add(x);
const words = counter.counts;
const countMs = performance.now() - t;
t = performance.now();
const tok = BpeTokenizer.train(counter, { vocabSize: Number(values.vocab) });
const trainMs = performance.now() - t;
console.log(
  `corpus: ${nCap} captions + ${qaCount} QA pairs generated in ${(genMs / 1000).toFixed(1)} s (${counter.texts} texts, ${words.size} distinct words)`,
);
console.log(
  `train: pre-tokenize + count ${(countMs / 1000).toFixed(2)} s, merges ${(trainMs / 1000).toFixed(2)} s -> text vocab ${tok.textVocabSize}`,
);

const hf = new Tokenizer(JSON.parse(JSON.stringify(tok.toJSON())), tok.configJSON());
let mismatches = 0;
for (const x of sample.slice(0, 2000)) {
  if (JSON.stringify(tok.encode(x)) !== JSON.stringify(hf.encode(x).ids)) mismatches++;
}
if (mismatches) throw new Error(`${mismatches} of 2000 texts encode differently in the two libraries`);
function bench(name, fn) {
  fn(sample.slice(0, 200)); // warm up
  let tokens = 0;
  const t0 = performance.now();
  let reps = 0;
  while (performance.now() - t0 < 2000) {
    tokens += fn(sample);
    reps++;
  }
  const s = (performance.now() - t0) / 1000;
  return { name, tokensPerSec: tokens / s, textsPerSec: (reps * sample.length) / s };
}
const ours = bench('@unif2ace/data BpeTokenizer', (xs) => xs.reduce((n, x) => n + tok.encode(x).length, 0));
const theirs = bench('@huggingface/tokenizers 0.2', (xs) =>
  xs.reduce((n, x) => n + hf.encode(x).ids.length, 0),
);
for (const b of [ours, theirs]) {
  console.log(
    `${b.name.padEnd(30)} ${(b.tokensPerSec / 1e6).toFixed(2)} M tokens/s  ${Math.round(b.textsPerSec)} texts/s`,
  );
}
console.log(`ratio ours / theirs: ${(ours.tokensPerSec / theirs.tokensPerSec).toFixed(2)}x`);
