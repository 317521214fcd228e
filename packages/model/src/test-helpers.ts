// Tiny models for tests (not exported from the package): a BPE tokenizer trained on a few captions, a
// randomly initialised 16 px image tokenizer with 4×4 codes of K = 16, and a dim-32 two-block config.
import { BpeTokenizer } from '@unif2ace/data';
import { seedInit } from '@unif2ace/nn';
import { ImageTokenizer } from '@unif2ace/vq';
import type { UniF2aceConfig } from './config.js';
import { UniF2ace } from './model.js';

export const CAPTIONS = [
  'A young woman with long red hair and green eyes.',
  'An old man with a grey beard and brown eyes.',
  'A man with short black hair, smiling.',
  'A woman with blue eyes and glasses.',
];

export const TINY: UniF2aceConfig = {
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

let bpe: BpeTokenizer | null = null;
export function tinyTokenizer(): BpeTokenizer {
  bpe ??= BpeTokenizer.train(
    CAPTIONS.concat(['Describe this face in detail.', 'What color are the eyes?', 'Green.', 'Brown.']),
    { vocabSize: 300, minFrequency: 1 },
  );
  return bpe;
}

export function tinyImageTokenizer(seed = 1): ImageTokenizer {
  seedInit(seed);
  return ImageTokenizer.create(
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
}

export function tinyModel(seed = 3, config: UniF2aceConfig = TINY): UniF2ace {
  return UniF2ace.create(config, { tokenizer: tinyTokenizer(), imageTokenizer: tinyImageTokenizer(), seed });
}

/** Deterministic codes in [0, K) for example i. */
export function codesFor(i: number, N = 16, K = 16): Int32Array {
  return Int32Array.from({ length: N }, (_, j) => (i * 7 + j * 3 + ((i * j) % 5)) % K);
}
