// Encode throughput of our byte-level BPE vs @huggingface/tokenizers on the same tokenizer.json, plus
// training time on a caption/QA-sized corpus. Run after `pnpm build`:
//   node bench/tokenizer-encode.mjs [--captions 130000] [--qa 1000000] [--vocab 1000]
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Tokenizer } from '@huggingface/tokenizers';
import { BpeTokenizer, WordCounter } from '../dist/index.js';

const { values } = parseArgs({
  options: {
    captions: { type: 'string', default: '130000' },
    qa: { type: 'string', default: '1000000' },
    vocab: { type: 'string', default: '1000' },
    encode: { type: 'string', default: '20000' },
  },
});

// Caption/QA-like synthetic text (the renderer's captions are used when available through the CLI).
let seed = 1;
const r = (k) => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return (seed >>> 8) % k;
};
const pick = (a) => a[r(a.length)];
const colour = ['black', 'blond', 'brown', 'auburn', 'grey', 'white', 'red', 'chestnut'];
const parts = ['hair', 'eyes', 'eyebrows', 'beard', 'lips', 'skin', 'nose', 'glasses', 'earrings', 'hat'];
const adj = ['thick', 'thin', 'wavy', 'straight', 'curly', 'short', 'long', 'arched', 'narrow', 'round'];
const caption = () =>
  Array.from({ length: 8 + r(10) }, () => `${pick(['The', 'This', 'Her', 'His', 'A'])} ${pick(adj)} ${pick(colour)} ${pick(parts)}${pick([',', '.', ';', ' and'])}`).join(' ');
// Rarer words (names, numbers, made-up words) so the vocabulary has a long tail like real captions.
const rare = () => Array.from({ length: 3 + r(6) }, () => 'etaoinshrdlucmfwyp'[r(18)]).join('');
const captionWithTail = () => `${caption()} Age ${18 + r(60)}, looks like ${rare()} ${rare()}.`;
const question = () => [`Is the ${pick(parts)} ${pick(adj)}?`, pick(['Yes.', 'No.', `${pick(colour)}.`, `${r(9)}`])];

const nCap = Number(values.captions);
const nQa = Number(values.qa);
let t = performance.now();
const counter = new WordCounter();
const sample = [];
for (let i = 0; i < nCap; i++) {
  const c = captionWithTail();
  counter.add(c);
  if (sample.length < Number(values.encode)) sample.push(c);
}
for (let i = 0; i < nQa; i++) for (const s of question()) counter.add(s);
const countMs = performance.now() - t;
t = performance.now();
const tok = BpeTokenizer.train(counter, { vocabSize: Number(values.vocab) });
const trainMs = performance.now() - t;
console.log(
  `train: ${nCap} captions + ${nQa} QA (${counter.texts} texts, ${counter.counts.size} distinct words): ` +
    `count ${(countMs / 1000).toFixed(2)} s, merges ${(trainMs / 1000).toFixed(2)} s -> vocab ${tok.textVocabSize}`,
);

const hf = new Tokenizer(JSON.parse(JSON.stringify(tok.toJSON())), tok.configJSON());
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
const theirs = bench('@huggingface/tokenizers 0.2', (xs) => xs.reduce((n, x) => n + hf.encode(x).ids.length, 0));
for (const b of [ours, theirs]) {
  console.log(`${b.name.padEnd(30)} ${(b.tokensPerSec / 1e6).toFixed(2)} M tokens/s  ${Math.round(b.textsPerSec)} texts/s`);
}
console.log(`ratio ours / theirs: ${(ours.tokensPerSec / theirs.tokensPerSec).toFixed(2)}x`);
