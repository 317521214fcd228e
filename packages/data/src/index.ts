export * from './shards/index.js';
export * from './tokenizer/index.js';
