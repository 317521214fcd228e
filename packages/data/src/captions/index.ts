export type { Caption, CaptionOptions } from './grammar.js';
export { makeCaption } from './grammar.js';
export { HAIR_WORDS, PHRASES, type Phrasing } from './lexicon.js';
export type { ParsedCaption } from './parse.js';
export { parseCaption } from './parse.js';
