export type { CodecConfig } from './codec.js';
export { Decoder, depthToSpace, downFactor, Encoder, ResBlock, validateCodecConfig } from './codec.js';
export type { ReconstructionMetrics } from './metrics.js';
export { evaluateReconstruction, psnr } from './metrics.js';
export type {
  FsqConfig,
  LfqConfig,
  QuantizeResult,
  Quantizer,
  QuantizerConfig,
  QuantizerKind,
  VqEmaConfig,
} from './quantizer.js';
export { codeStats, fromRows, straightThrough, toRows } from './quantizer.js';
export { FSQ } from './quantizers/fsq.js';
export { createQuantizer, registerQuantizer } from './quantizers/index.js';
export { LFQ } from './quantizers/lfq.js';
export { kmeans, VectorQuantizerEMA } from './quantizers/vq-ema.js';
export type { LoadOptions, LoadProgress, TokenizerConfig } from './tokenizer.js';
export {
  ImageTokenizer,
  SHIPPED_WEIGHTS,
  SHIPPED_WEIGHTS_32X32,
  validateTokenizerConfig,
} from './tokenizer.js';
