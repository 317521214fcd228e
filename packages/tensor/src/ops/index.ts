// Every op, as the `ops` namespace of the public API. Importing this module also fills the gradient table
// with the primitives' rules (autograd/rules.ts); fused ops register theirs in their own files.
import '../autograd/rules.js';

export { record } from '../autograd/tape.js';
export { kernel } from '../dispatch.js';
export { type AttentionOptions, attention, prefixBidirectionalMask } from './attention.js';
export { avgPool2d, type Conv2dOptions, conv2d, upsampleNearest } from './conv.js';
export { cumsum } from './cumsum.js';
export {
  add,
  affine,
  cast,
  clamp,
  clone,
  compare,
  div,
  maximum,
  minimum,
  mul,
  pow,
  rdiv,
  rsub,
  sub,
  unary,
  where,
} from './elementwise.js';
export { embedding } from './embedding.js';
export { type CountingSort, countingSort, groupedMatmul } from './grouped.js';
export { type CrossEntropyOptions, crossEntropy } from './loss.js';
export {
  concat,
  contiguous,
  expand,
  indexAdd,
  indexSelect,
  permute,
  reshape,
  slice,
  squeeze,
  stack,
  transpose,
  unsqueeze,
} from './movement.js';
export { type LinearActivation, linear, logSoftmax, matmul, softmax } from './nn.js';
export { layerNorm, rmsNorm } from './norm.js';
export { type AdamWOptions, type AdamWStepOptions, adamwAttrs, adamwStep } from './optim.js';
export {
  type DrawOptions,
  dropout,
  dropoutMask,
  getRngState,
  gumbel,
  manualSeed,
  type RandomOptions,
  type RngState,
  rand,
  randn,
  randomBits,
  randomNormal,
  randomUniform,
  setRngState,
} from './random.js';
export { argmax, argmin, logsumexp, max, mean, min, sum, variance } from './reduce.js';
export { type RotaryOptions, rotary } from './rotary.js';
export { type MultinomialOptions, multinomial, type TopK, topk } from './sampling.js';
export { to } from './transfer.js';
