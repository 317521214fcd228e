export type { LoadProgress } from '@unif2ace/vq';
export type { BlockInput } from './block.js';
export { Block } from './block.js';
export type { SeqMoeConfig, TokenMoeConfig, UniF2aceConfig } from './config.js';
export { PRESETS, validateConfig } from './config.js';
export type { RgbImage } from './images.js';
export type {
  AnswerOptions,
  GenerateOptions,
  LoadModelOptions,
  LossOptions,
  LossResult,
  MMUExample,
  ModelFolderConfig,
  Objective,
  RoutingStats,
  T2IExample,
  TrainBatch,
} from './model.js';
export { SHIPPED_MODEL, UniF2ace } from './model.js';
export type { Collated, Row, Task, VocabSizes } from './sequence.js';
export { CAPTION_QUESTION, collate, mmuRow, parseRow, rowMask, t2iRow, Vocab } from './sequence.js';
