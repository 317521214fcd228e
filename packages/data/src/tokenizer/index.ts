export type { SpecialName } from './bpe.js';
export { BpeTokenizer, SPECIAL_TOKENS, specialContent } from './bpe.js';
export { BYTE_TO_CHAR, GPT2_PATTERN, preTokenize } from './bytes.js';
export type { TrainOptions, TrainResult } from './train.js';
export { trainBpe, WordCounter } from './train.js';
