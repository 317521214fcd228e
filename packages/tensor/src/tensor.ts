// The Tensor: a strided view over backend storage, with autograd bookkeeping. Methods are thin
// wrappers over ops/; the ops are compositions of the registered primitive kernels.
import { backward, type GradNode } from './autograd/tape.js';
import type { Backend, Storage } from './backend/backend.js';
import { assertDType, type DType, type HostArray, hostArray } from './dtype.js';
import { engine } from './engine.js';
import * as E from './ops/elementwise.js';
import * as M from './ops/movement.js';
import * as N from './ops/nn.js';
import * as R from './ops/reduce.js';
import { kernel } from './ops/run.js';
import { to as toBackend } from './ops/transfer.js';
import { assertShape, contiguousStrides, fmtShape, numel, type Shape } from './shape.js';

export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
  backend?: string;
}

export class Tensor {
  readonly id = engine.nextId++;
  requiresGrad = false;
  grad: Tensor | null = null;
  node: GradNode | null = null;
  /** Exempt from scopes (see keep()). */
  kept = false;
  disposed = false;

  constructor(
    public storage: Storage,
    readonly shape: number[],
    readonly strides: number[],
    readonly offset: number,
    readonly dtype: DType,
  ) {
    storage.refs++;
    engine.track(this);
  }

  get backend(): Backend {
    return this.storage.backend;
  }
  get size(): number {
    return numel(this.shape);
  }
  get rank(): number {
    return this.shape.length;
  }

  isContiguous(): boolean {
    let acc = 1;
    for (let i = this.shape.length - 1; i >= 0; i--) {
      if (this.shape[i] !== 1 && this.strides[i] !== acc) return false;
      acc *= this.shape[i];
    }
    return true;
  }

  /** Throws if disposed; `where` names the op for the message. */
  live(where: string): this {
    if (this.disposed) throw new Error(`${where}: tensor #${this.id} ${fmtShape(this.shape)} was disposed`);
    return this;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    engine.untrack(this);
    if (--this.storage.refs === 0) this.storage.backend.release(this.storage);
    // The node stays reachable from later nodes (backward walks through disposed intermediates);
    // it is freed when no live tensor or node refers to it any more.
    this.node?.release();
  }

  /** A new tensor sharing this storage (used by views and saved tensors). */
  view(shape: number[], strides: number[], offset: number): Tensor {
    return new Tensor(this.live('view').storage, shape, strides, offset, this.dtype);
  }

  /** Values in row-major order (f16 is returned as f32). */
  async data(): Promise<HostArray> {
    this.live('data');
    if (this.size === 0) return hostArray(this.dtype, 0);
    if (this.isContiguous()) return this.backend.read(this.storage, this.offset, this.size);
    const c = this.contiguous();
    try {
      return await c.backend.read(c.storage, c.offset, c.size);
    } finally {
      c.dispose();
    }
  }

  /** Synchronous read; only backends that can (the CPU reference) support it. */
  dataSync(): HostArray {
    this.live('dataSync');
    const rs = this.backend.readSync?.bind(this.backend);
    if (!rs)
      throw new Error(`dataSync(): the ${this.backend.name} backend reads asynchronously; use await data()`);
    if (this.isContiguous()) return rs(this.storage, this.offset, this.size);
    const c = this.contiguous();
    try {
      return rs(c.storage, c.offset, c.size);
    } finally {
      c.dispose();
    }
  }

  async item(): Promise<number> {
    if (this.size !== 1)
      throw new Error(`item(): tensor of shape ${fmtShape(this.shape)} has ${this.size} elements`);
    return (await this.data())[0];
  }

  /** Nested arrays, like torch's tolist(). */
  async toArray(): Promise<unknown> {
    const d = Array.from(await this.data());
    const build = (dim: number, off: number): unknown => {
      if (dim === this.rank) return d[off];
      const step = numel(this.shape.slice(dim + 1));
      return Array.from({ length: this.shape[dim] }, (_, i) => build(dim + 1, off + i * step));
    };
    return build(0, 0);
  }

  /** Reverse-mode autograd from this tensor: `backward()`, `backward(grad)`, `backward({ retainGraph })`. */
  backward(grad?: Tensor | { retainGraph?: boolean }, opts: { retainGraph?: boolean } = {}): void {
    if (grad && !(grad instanceof Tensor)) backward(this, undefined, grad.retainGraph ?? false);
    else backward(this, grad, opts.retainGraph ?? false);
  }

  /** Copy src's values (broadcast) into this tensor's storage, in place, without recording a gradient. */
  copy_(src: Tensor): this {
    this.live('copy_');
    if (src.storage === this.storage) {
      const tmp = M.contiguous(src.detach()).clone();
      this.copy_(tmp);
      tmp.dispose();
      return this;
    }
    kernel('assign', [this, src.live('copy_')]);
    return this;
  }

  /** A copy on another backend ('webgpu' | 'wasm' | 'cpu'); explicit, never implicit. */
  to(backend: string): Promise<Tensor> {
    return toBackend(this, backend);
  }

  /** Same values, cut from the graph. */
  detach(): Tensor {
    return this.view(this.shape, this.strides, this.offset);
  }

  requiresGrad_(on = true): this {
    if (on && this.dtype !== 'f32' && this.dtype !== 'f16') {
      throw new TypeError(`requiresGrad: only float tensors can require grad (got ${this.dtype})`);
    }
    this.requiresGrad = on;
    return this;
  }

  toString(): string {
    return `Tensor(#${this.id} ${fmtShape(this.shape)} ${this.dtype} on ${this.backend.name}${this.requiresGrad ? ', grad' : ''})`;
  }

  // ---- elementwise
  add(o: Tensor | number) {
    return E.add(this, o);
  }
  sub(o: Tensor | number) {
    return E.sub(this, o);
  }
  mul(o: Tensor | number) {
    return E.mul(this, o);
  }
  div(o: Tensor | number) {
    return E.div(this, o);
  }
  pow(o: Tensor | number) {
    return E.pow(this, o);
  }
  maximum(o: Tensor | number) {
    return E.maximum(this, o);
  }
  minimum(o: Tensor | number) {
    return E.minimum(this, o);
  }
  eq(o: Tensor | number) {
    return E.compare('eq', this, o);
  }
  ne(o: Tensor | number) {
    return E.compare('ne', this, o);
  }
  lt(o: Tensor | number) {
    return E.compare('lt', this, o);
  }
  le(o: Tensor | number) {
    return E.compare('le', this, o);
  }
  gt(o: Tensor | number) {
    return E.compare('gt', this, o);
  }
  ge(o: Tensor | number) {
    return E.compare('ge', this, o);
  }
  neg() {
    return E.unary('neg', this);
  }
  abs() {
    return E.unary('abs', this);
  }
  exp() {
    return E.unary('exp', this);
  }
  log() {
    return E.unary('log', this);
  }
  sqrt() {
    return E.unary('sqrt', this);
  }
  rsqrt() {
    return E.unary('rsqrt', this);
  }
  tanh() {
    return E.unary('tanh', this);
  }
  sigmoid() {
    return E.unary('sigmoid', this);
  }
  relu() {
    return E.unary('relu', this);
  }
  gelu() {
    return E.unary('gelu', this);
  }
  silu() {
    return E.unary('silu', this);
  }
  sin() {
    return E.unary('sin', this);
  }
  cos() {
    return E.unary('cos', this);
  }
  square() {
    return E.unary('square', this);
  }
  reciprocal() {
    return E.unary('recip', this);
  }
  clamp(lo: number, hi: number) {
    return E.clamp(this, lo, hi);
  }
  where(cond: Tensor, other: Tensor | number) {
    return E.where(cond, this, other);
  }
  cast(dtype: DType) {
    return E.cast(this, dtype);
  }
  clone() {
    return E.clone(this);
  }
  onesLike() {
    return full(this.shape, 1, { dtype: this.dtype, backend: this.backend.name });
  }
  zerosLike() {
    return full(this.shape, 0, { dtype: this.dtype, backend: this.backend.name });
  }

  // ---- movement (views where the layout allows)
  reshape(shape: number[]) {
    return M.reshape(this, shape);
  }
  view_(shape: number[]) {
    return M.reshape(this, shape);
  }
  flatten() {
    return M.reshape(this, [this.size]);
  }
  permute(dims: number[]) {
    return M.permute(this, dims);
  }
  transpose(a = -2, b = -1) {
    return M.transpose(this, a, b);
  }
  get T() {
    return M.transpose(this, -2, -1);
  }
  slice(axis: number, start: number, end?: number) {
    return M.slice(this, axis, start, end);
  }
  narrow(axis: number, start: number, length: number) {
    return M.slice(this, axis, start, start + length);
  }
  expand(shape: number[]) {
    return M.expand(this, shape);
  }
  unsqueeze(axis: number) {
    return M.unsqueeze(this, axis);
  }
  squeeze(axis?: number) {
    return M.squeeze(this, axis);
  }
  contiguous() {
    return M.contiguous(this);
  }
  gather(axis: number, index: Tensor) {
    return M.gather(this, axis, index);
  }
  indexSelect(axis: number, index: Tensor) {
    return M.indexSelect(this, axis, index);
  }

  // ---- reductions
  sum(axis?: number | number[], keepDims = false) {
    return R.sum(this, axis, keepDims);
  }
  mean(axis?: number | number[], keepDims = false) {
    return R.mean(this, axis, keepDims);
  }
  max(axis?: number | number[], keepDims = false) {
    return R.max(this, axis, keepDims);
  }
  min(axis?: number | number[], keepDims = false) {
    return R.min(this, axis, keepDims);
  }
  argmax(axis = -1, keepDims = false) {
    return R.argmax(this, axis, keepDims);
  }
  argmin(axis = -1, keepDims = false) {
    return R.argmin(this, axis, keepDims);
  }
  logsumexp(axis = -1, keepDims = false) {
    return R.logsumexp(this, axis, keepDims);
  }
  variance(axis?: number | number[], keepDims = false, correction = 0) {
    return R.variance(this, axis, keepDims, correction);
  }

  // ---- nn
  matmul(o: Tensor) {
    return N.matmul(this, o);
  }
  softmax(axis = -1) {
    return N.softmax(this, axis);
  }
  logSoftmax(axis = -1) {
    return N.logSoftmax(this, axis);
  }
}

// ---------------------------------------------------------------- factories

function toHost(data: ArrayLike<number>, dtype: DType): HostArray {
  const out = hostArray(dtype, data.length);
  if (dtype === 'i32' || dtype === 'u32') {
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (!Number.isInteger(v))
        throw new TypeError(`tensor(): value ${v} at index ${i} is not an integer (${dtype})`);
      out[i] = v;
    }
  } else out.set(data);
  return out;
}

/** Storage-backed tensor of given shape, contents unspecified (for kernels). */
export function empty(shape: Shape, dtype: DType = 'f32', backend?: string): Tensor {
  const s = assertShape(shape, 'empty');
  const b = engine.backend(backend);
  return new Tensor(b.alloc(numel(s), dtype), s, contiguousStrides(s), 0, dtype);
}

export function tensor(data: ArrayLike<number> | number, shape?: Shape, opts: TensorOptions = {}): Tensor {
  const arr = typeof data === 'number' ? [data] : data;
  const dtype = assertDType(
    opts.dtype ?? (arr instanceof Int32Array ? 'i32' : arr instanceof Uint32Array ? 'u32' : 'f32'),
    'tensor',
  );
  const s = shape ? assertShape(shape, 'tensor') : typeof data === 'number' ? [] : [arr.length];
  if (numel(s) !== arr.length) {
    throw new RangeError(
      `tensor(): ${arr.length} values do not fill shape ${fmtShape(s)} (${numel(s)} elements)`,
    );
  }
  const t = empty(s, dtype, opts.backend);
  if (arr.length) t.backend.write(t.storage, toHost(arr, dtype));
  if (opts.requiresGrad) t.requiresGrad_(true);
  return t;
}

export function full(shape: Shape, value: number, opts: TensorOptions = {}): Tensor {
  const dtype = opts.dtype ?? 'f32';
  const t = E.fill(assertShape(shape, 'full'), value, dtype, opts.backend);
  if (opts.requiresGrad) t.requiresGrad_(true);
  return t;
}

export const zeros = (shape: Shape, opts: TensorOptions = {}) => full(shape, 0, opts);
export const ones = (shape: Shape, opts: TensorOptions = {}) => full(shape, 1, opts);

export function arange(n: number, opts: TensorOptions = {}): Tensor {
  const dtype = opts.dtype ?? 'i32';
  return tensor(
    Array.from({ length: n }, (_, i) => i),
    [n],
    { ...opts, dtype },
  );
}
