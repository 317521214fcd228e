export type { InitScheme } from './init.js';
export { InitRng, initTensor, seedInit } from './init.js';
export type { SafeDType, SafeEntry, SafeFile, SafeInput } from './io/safetensors.js';
export {
  DTYPE_SIZE,
  decodeEntry,
  floatToHalf,
  MAX_HEADER,
  parseSafetensors,
  SafetensorsError,
  serializeSafetensors,
} from './io/safetensors.js';
export { loadModule, safetensorsToTensors, saveModule, tensorsToSafetensors } from './io/state.js';
export type { ModuleConfig } from './module.js';
export { Module } from './module.js';
export type { AttentionMask, KVCache } from './modules/attention.js';
export {
  disposeKVCache,
  emptyKVCache,
  MultiHeadAttention,
  RotaryEmbedding,
} from './modules/attention.js';
export { Embedding } from './modules/embedding.js';
export { Conv2d, Dropout, LearnedPositions, MLP, Upsample } from './modules/layers.js';
export type { LinearOptions } from './modules/linear.js';
export { Linear } from './modules/linear.js';
export { GroupNorm, LayerNorm, RMSNorm } from './modules/norm.js';
export type { ModuleFactory } from './modules/registry.js';
export { moduleFromConfig, registerModule } from './modules/registry.js';
export { Activation, Sequential } from './modules/sequential.js';
export { accumulate } from './optim/accumulate.js';
export type { AdamWOptions } from './optim/adamw.js';
export { AdamW, decayGroups } from './optim/adamw.js';
export { clipGradNorm } from './optim/clip.js';
export { EMA } from './optim/ema.js';
export type { MixedPrecisionOptions, Precision } from './optim/mixed.js';
export { f16Unsupported, MixedPrecision } from './optim/mixed.js';
export type { ParamGroup } from './optim/optimizer.js';
export { Optimizer } from './optim/optimizer.js';
export { warmupCosine } from './optim/schedules.js';
export { SGD } from './optim/sgd.js';
