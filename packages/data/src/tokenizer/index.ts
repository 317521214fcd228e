export { BpeTokenizer, SPECIAL_TOKENS, specialContent } from './bpe.js';
export type { SpecialName } from './bpe.js';
export { BYTE_TO_CHAR, GPT2_PATTERN } from './bytes.js';
export { WordCounter, trainBpe } from './train.js';
export type { TrainOptions, TrainResult } from './train.js';
