export { add, sub, mul, div, pow, maximum, minimum, compare, unary, clamp, affine, where, cast, clone, rsub, rdiv } from './elementwise.js';
export { reshape, permute, transpose, slice, expand, unsqueeze, squeeze, concat, stack, contiguous, indexSelect, indexAdd } from './movement.js';
export { sum, mean, max, min, argmax, argmin, logsumexp, variance } from './reduce.js';
export { matmul, softmax, logSoftmax } from './nn.js';
export { conv2d, upsampleNearest, avgPool2d, type Conv2dOptions } from './conv.js';
export { kernel, record } from './run.js';
