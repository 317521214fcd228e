// Reproducible random tensors from a counter-based generator (Philox4x32-10). A draw is a pure
// function of (seed, offset): the same numbers on the CPU reference and on WebGPU, in Node and in the
// browser. `offset` counts Philox blocks of 4 values: a draw of n values uses ceil(n / 4) blocks, so
// draws at offsets that advance by that much never overlap. Without a seed, the global generator
// (`manualSeed`, `getRngState` / `setRngState`) supplies the seed and advances its counter.
import { registerGradient } from '../autograd/gradients.js';
import { noGrad, record } from '../autograd/tape.js';
import { kernel } from '../dispatch.js';
import type { DType } from '../dtype.js';
import { engine } from '../engine.js';
import { tidy } from '../scope.js';
import { assertShape, numel, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { contiguous } from './movement.js';

/** The global generator's state: its seed and the next unused block counter. */
export interface RngState {
  seed: number;
  counter: number;
}

const MAX = Number.MAX_SAFE_INTEGER;
const DEFAULT_SEED = 0x5eed;
const state: RngState = { seed: DEFAULT_SEED, counter: 0 };

function checkInt(v: unknown, what: string, where: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX) {
    throw new RangeError(`${where}: ${what} must be an integer in [0, 2^53), got ${String(v)}`);
  }
  return v;
}

/** Seed the global generator (and reset its counter), like torch.manual_seed. */
export function manualSeed(seed: number): void {
  state.seed = checkInt(seed, 'seed', 'manualSeed');
  state.counter = 0;
}

/** A copy of the global generator's state, for checkpoints. */
export function getRngState(): RngState {
  return { seed: state.seed, counter: state.counter };
}

export function setRngState(s: RngState): void {
  if (s === null || typeof s !== 'object') throw new TypeError('setRngState: expected {seed, counter}');
  const seed = checkInt(s.seed, 'seed', 'setRngState');
  state.counter = checkInt(s.counter, 'counter', 'setRngState');
  state.seed = seed;
}

export interface RandomOptions {
  /** Use this seed (the global generator is neither read nor advanced). */
  seed?: number;
  /** First Philox block to use with `seed` (default 0). */
  offset?: number;
  backend?: string;
}

/** Raw Philox words for the kernels: key = seed, counter = [offset lo, offset hi, 0, 0]. */
export interface PhiloxAttrs {
  key: [number, number];
  ctr: [number, number, number, number];
}

const split = (v: number): [number, number] => [v % 2 ** 32, Math.floor(v / 2 ** 32)];

/** Key and counter for a draw of `n` values; advances the global generator when no seed is given. */
export function philoxFor(n: number, opts: RandomOptions, where: string): PhiloxAttrs {
  const blocks = Math.ceil(n / 4);
  let seed: number;
  let offset: number;
  if (opts.seed !== undefined) {
    seed = checkInt(opts.seed, 'seed', where);
    offset = checkInt(opts.offset ?? 0, 'offset', where);
  } else {
    if (opts.offset !== undefined) throw new RangeError(`${where}: offset is only meaningful with a seed`);
    seed = state.seed;
    offset = state.counter;
    state.counter += blocks;
  }
  if (offset + blocks > MAX)
    throw new RangeError(`${where}: offset ${offset} + ${blocks} blocks passes 2^53`);
  const [c0, c1] = split(offset);
  return { key: split(seed), ctr: [c0, c1, 0, 0] };
}

export interface DrawOptions extends RandomOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

function draw(dist: string, shape: Shape, opts: DrawOptions, p0: number, p1: number, where: string): Tensor {
  const s = assertShape(shape, where);
  const dtype = opts.dtype ?? (dist === 'bits' || dist === 'keep' ? 'u32' : 'f32');
  if (dist !== 'bits' && dist !== 'keep' && dtype !== 'f32' && dtype !== 'f16') {
    throw new TypeError(`${where}: dtype must be f32 or f16, got ${dtype}`);
  }
  const rng = philoxFor(numel(s), opts, where);
  const b = opts.backend ?? engine.backend().name;
  const out = kernel('random', [], { dist, shape: s, dtype, p0, p1, ...rng }, b);
  if (opts.requiresGrad) out.requiresGrad_(true);
  return out;
}

/** Uniform in [low, high) (default [0, 1)); [0, 1) values are k * 2^-24 from the top 24 bits, exact. */
export function randomUniform(
  shape: Shape,
  opts: DrawOptions & { low?: number; high?: number } = {},
): Tensor {
  const lo = opts.low ?? 0;
  return draw('uniform', shape, opts, (opts.high ?? 1) - lo, lo, 'randomUniform');
}

/** Normal(mean, std) by Box–Muller. */
export function randomNormal(shape: Shape, opts: DrawOptions & { mean?: number; std?: number } = {}): Tensor {
  return draw('normal', shape, opts, opts.std ?? 1, opts.mean ?? 0, 'randomNormal');
}

/** Raw u32 Philox words. */
export function randomBits(shape: Shape, opts: RandomOptions = {}): Tensor {
  return draw('bits', shape, { ...opts, dtype: 'u32' }, 1, 0, 'randomBits');
}

/** Standard Gumbel(loc, scale) noise: -log(-log(u)), u uniform on the open interval (0, 1). */
export function gumbel(shape: Shape, opts: DrawOptions & { loc?: number; scale?: number } = {}): Tensor {
  return draw('gumbel', shape, opts, opts.scale ?? 1, opts.loc ?? 0, 'gumbel');
}

/** torch.rand-like factory (global generator unless `seed` is given). */
export const rand = (shape: Shape, opts: DrawOptions = {}) => randomUniform(shape, opts);
/** torch.randn-like factory (global generator unless `seed` is given). */
export const randn = (shape: Shape, opts: DrawOptions = {}) => randomNormal(shape, opts);

function checkP(p: number, where: string): void {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1))
    throw new RangeError(`${where}: p must be in [0, 1], got ${p}`);
}

/**
 * The keep mask dropout(x, p, opts) uses for the same seed and offset: u32, 1 where kept (probability
 * 1 - p), 0 where dropped.
 */
export function dropoutMask(shape: Shape, p: number, opts: RandomOptions = {}): Tensor {
  checkP(p, 'dropoutMask');
  return draw('keep', shape, { ...opts, dtype: 'u32' }, p, 0, 'dropoutMask');
}

/**
 * Inverted dropout: zero each element with probability p, scale the rest by 1 / (1 - p). One fused
 * kernel; the backward pass regenerates the mask from the seed (nothing is saved).
 */
export function dropout(x: Tensor, p: number, opts: RandomOptions & { training?: boolean } = {}): Tensor {
  checkP(p, 'dropout');
  x.live('dropout');
  if (opts.training === false || p === 0) return x;
  if (x.dtype !== 'f32' && x.dtype !== 'f16')
    throw new TypeError(`dropout: x must be f32 or f16, got ${x.dtype}`);
  const attrs = { p, scale: p === 1 ? 0 : 1 / (1 - p), ...philoxFor(x.size, opts, 'dropout') };
  const out = noGrad(() => tidy(() => kernel('dropout', [contiguous(x)], attrs)));
  return record('dropout', out, [x], [], attrs);
}

registerGradient('dropout', (g, node) => [kernel('dropout', [contiguous(g)], node.attrs)]);
