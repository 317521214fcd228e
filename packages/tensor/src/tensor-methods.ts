// The Tensor's op methods, written once and attached to Tensor.prototype below (tinygrad's mixin
// pattern): the data class (tensor.ts) stays at the bottom of the layers and imports no op, while these
// methods sit above every op they call. `interface Tensor extends TensorMethods` in tensor.ts types them.
import { backward } from './autograd/tape.js';
import { kernel } from './dispatch.js';
import { type DType, type HostArray, hostArray } from './dtype.js';
import { cumsum } from './ops/cumsum.js';
import * as E from './ops/elementwise.js';
import './ops/index.js'; // every op, and the primitives' gradient rules
import * as M from './ops/movement.js';
import * as N from './ops/nn.js';
import * as R from './ops/reduce.js';
import { to as toBackend } from './ops/transfer.js';
import { fmtShape, numel } from './shape.js';
import { full, Tensor } from './tensor.js';

export class TensorMethods {
  /** Values in row-major order (f16 is returned as f32). */
  async data(this: Tensor): Promise<HostArray> {
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
  dataSync(this: Tensor): HostArray {
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

  async item(this: Tensor): Promise<number> {
    if (this.size !== 1)
      throw new Error(`item(): tensor of shape ${fmtShape(this.shape)} has ${this.size} elements`);
    return (await this.data())[0];
  }

  /** Nested arrays, like torch's tolist(). */
  async toArray(this: Tensor): Promise<unknown> {
    const d = Array.from(await this.data());
    const build = (dim: number, off: number): unknown => {
      if (dim === this.rank) return d[off];
      const step = numel(this.shape.slice(dim + 1));
      return Array.from({ length: this.shape[dim] }, (_, i) => build(dim + 1, off + i * step));
    };
    return build(0, 0);
  }

  /** Reverse-mode autograd from this tensor: `backward()`, `backward(grad)`, `backward({ retainGraph })`. */
  backward(
    this: Tensor,
    grad?: Tensor | { retainGraph?: boolean },
    opts: { retainGraph?: boolean } = {},
  ): void {
    if (grad && !(grad instanceof Tensor)) backward(this, undefined, grad.retainGraph ?? false);
    else backward(this, grad, opts.retainGraph ?? false);
  }

  /** Copy src's values (broadcast) into this tensor's storage, in place, without recording a gradient. */
  copy_<T extends Tensor>(this: T, src: Tensor): T {
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
  to(this: Tensor, backend: string): Promise<Tensor> {
    return toBackend(this, backend);
  }

  // ---- elementwise
  add(this: Tensor, o: Tensor | number) {
    return E.add(this, o);
  }
  sub(this: Tensor, o: Tensor | number) {
    return E.sub(this, o);
  }
  mul(this: Tensor, o: Tensor | number) {
    return E.mul(this, o);
  }
  div(this: Tensor, o: Tensor | number) {
    return E.div(this, o);
  }
  pow(this: Tensor, o: Tensor | number) {
    return E.pow(this, o);
  }
  maximum(this: Tensor, o: Tensor | number) {
    return E.maximum(this, o);
  }
  minimum(this: Tensor, o: Tensor | number) {
    return E.minimum(this, o);
  }
  eq(this: Tensor, o: Tensor | number) {
    return E.compare('eq', this, o);
  }
  ne(this: Tensor, o: Tensor | number) {
    return E.compare('ne', this, o);
  }
  lt(this: Tensor, o: Tensor | number) {
    return E.compare('lt', this, o);
  }
  le(this: Tensor, o: Tensor | number) {
    return E.compare('le', this, o);
  }
  gt(this: Tensor, o: Tensor | number) {
    return E.compare('gt', this, o);
  }
  ge(this: Tensor, o: Tensor | number) {
    return E.compare('ge', this, o);
  }
  neg(this: Tensor) {
    return E.unary('neg', this);
  }
  abs(this: Tensor) {
    return E.unary('abs', this);
  }
  exp(this: Tensor) {
    return E.unary('exp', this);
  }
  log(this: Tensor) {
    return E.unary('log', this);
  }
  sqrt(this: Tensor) {
    return E.unary('sqrt', this);
  }
  rsqrt(this: Tensor) {
    return E.unary('rsqrt', this);
  }
  tanh(this: Tensor) {
    return E.unary('tanh', this);
  }
  sigmoid(this: Tensor) {
    return E.unary('sigmoid', this);
  }
  relu(this: Tensor) {
    return E.unary('relu', this);
  }
  gelu(this: Tensor) {
    return E.unary('gelu', this);
  }
  silu(this: Tensor) {
    return E.unary('silu', this);
  }
  sin(this: Tensor) {
    return E.unary('sin', this);
  }
  cos(this: Tensor) {
    return E.unary('cos', this);
  }
  square(this: Tensor) {
    return E.unary('square', this);
  }
  reciprocal(this: Tensor) {
    return E.unary('recip', this);
  }
  clamp(this: Tensor, lo: number, hi: number) {
    return E.clamp(this, lo, hi);
  }
  where(this: Tensor, cond: Tensor, other: Tensor | number) {
    return E.where(cond, this, other);
  }
  cast(this: Tensor, dtype: DType) {
    return E.cast(this, dtype);
  }
  clone(this: Tensor) {
    return E.clone(this);
  }
  onesLike(this: Tensor) {
    return full(this.shape, 1, { dtype: this.dtype, backend: this.backend.name });
  }
  zerosLike(this: Tensor) {
    return full(this.shape, 0, { dtype: this.dtype, backend: this.backend.name });
  }

  // ---- movement (views where the layout allows)
  reshape(this: Tensor, shape: number[]) {
    return M.reshape(this, shape);
  }
  view_(this: Tensor, shape: number[]) {
    return M.reshape(this, shape);
  }
  flatten(this: Tensor) {
    return M.reshape(this, [this.size]);
  }
  permute(this: Tensor, dims: number[]) {
    return M.permute(this, dims);
  }
  transpose(this: Tensor, a = -2, b = -1) {
    return M.transpose(this, a, b);
  }
  get T(): Tensor {
    return M.transpose(this as unknown as Tensor, -2, -1);
  }
  slice(this: Tensor, axis: number, start: number, end?: number) {
    return M.slice(this, axis, start, end);
  }
  narrow(this: Tensor, axis: number, start: number, length: number) {
    return M.slice(this, axis, start, start + length);
  }
  expand(this: Tensor, shape: number[]) {
    return M.expand(this, shape);
  }
  unsqueeze(this: Tensor, axis: number) {
    return M.unsqueeze(this, axis);
  }
  squeeze(this: Tensor, axis?: number) {
    return M.squeeze(this, axis);
  }
  contiguous(this: Tensor) {
    return M.contiguous(this);
  }
  gather(this: Tensor, axis: number, index: Tensor) {
    return M.gather(this, axis, index);
  }
  indexSelect(this: Tensor, axis: number, index: Tensor) {
    return M.indexSelect(this, axis, index);
  }

  // ---- reductions
  sum(this: Tensor, axis?: number | number[], keepDims = false) {
    return R.sum(this, axis, keepDims);
  }
  mean(this: Tensor, axis?: number | number[], keepDims = false) {
    return R.mean(this, axis, keepDims);
  }
  max(this: Tensor, axis?: number | number[], keepDims = false) {
    return R.max(this, axis, keepDims);
  }
  min(this: Tensor, axis?: number | number[], keepDims = false) {
    return R.min(this, axis, keepDims);
  }
  argmax(this: Tensor, axis = -1, keepDims = false) {
    return R.argmax(this, axis, keepDims);
  }
  argmin(this: Tensor, axis = -1, keepDims = false) {
    return R.argmin(this, axis, keepDims);
  }
  logsumexp(this: Tensor, axis = -1, keepDims = false) {
    return R.logsumexp(this, axis, keepDims);
  }
  variance(this: Tensor, axis?: number | number[], keepDims = false, correction = 0) {
    return R.variance(this, axis, keepDims, correction);
  }
  cumsum(this: Tensor, axis: number, opts?: Parameters<typeof cumsum>[2]) {
    return cumsum(this, axis, opts);
  }

  // ---- nn
  matmul(this: Tensor, o: Tensor) {
    return N.matmul(this, o);
  }
  softmax(this: Tensor, axis = -1) {
    return N.softmax(this, axis);
  }
  logSoftmax(this: Tensor, axis = -1) {
    return N.logSoftmax(this, axis);
  }
}

for (const name of Object.getOwnPropertyNames(TensorMethods.prototype)) {
  if (name === 'constructor') continue;
  Object.defineProperty(Tensor.prototype, name, {
    ...Object.getOwnPropertyDescriptor(TensorMethods.prototype, name)!,
    enumerable: false,
  });
}
