export { Module } from './module.js';
export { InitRng, initTensor, seedInit } from './init.js';
export type { InitScheme } from './init.js';
export { Linear } from './modules/linear.js';
export type { LinearOptions } from './modules/linear.js';
export { Embedding } from './modules/embedding.js';
export { Sequential, Activation } from './modules/sequential.js';
export { Optimizer } from './optim/optimizer.js';
export type { ParamGroup } from './optim/optimizer.js';
export { AdamW, decayGroups } from './optim/adamw.js';
export type { AdamWOptions } from './optim/adamw.js';
export { SGD } from './optim/sgd.js';
export { EMA } from './optim/ema.js';
export { clipGradNorm } from './optim/clip.js';
export { warmupCosine } from './optim/schedules.js';
export {
  parseSafetensors,
  serializeSafetensors,
  decodeEntry,
  SafetensorsError,
  DTYPE_SIZE,
  MAX_HEADER,
} from './io/safetensors.js';
export type { SafeDType, SafeEntry, SafeFile, SafeInput } from './io/safetensors.js';
export { saveModule, loadModule, tensorsToSafetensors, safetensorsToTensors } from './io/state.js';
export { LayerNorm, RMSNorm, GroupNorm } from './modules/norm.js';
export { Dropout, MLP, Conv2d, Upsample, LearnedPositions } from './modules/layers.js';
export { MultiHeadAttention, RotaryEmbedding } from './modules/attention.js';
export type { AttentionMask } from './modules/attention.js';
export { MixedPrecision, f16Unsupported } from './optim/mixed.js';
export type { MixedPrecisionOptions, Precision } from './optim/mixed.js';
export { accumulate } from './optim/accumulate.js';
