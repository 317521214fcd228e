// The Tensor data class: a strided view over backend storage, with autograd bookkeeping, and the
// factories. The bottom layer: it imports no op. Its op methods (add, matmul, data, backward, ...) are
// written once in tensor-methods.ts and attached to the prototype there (tinygrad's mixin pattern); the
// interface below gives them their types.
import type { GradNode } from './autograd/tape.js';
import type { Backend, Storage } from './backend/backend.js';
import { kernel } from './dispatch.js';
import { assertDType, type DType, type HostArray, hostArray } from './dtype.js';
import { engine } from './engine.js';
import { assertShape, contiguousStrides, fmtShape, numel, type Shape } from './shape.js';
import type { TensorMethods } from './tensor-methods.js';

export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
  backend?: string;
}

// The op methods' types; tensor-methods.ts attaches their code to the prototype.
export interface Tensor extends TensorMethods {}

// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the methods declared above are defined in tensor-methods.ts
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
  const s = assertShape(shape, 'full');
  const t = kernel('fill', [], { shape: s, value, dtype }, opts.backend ?? engine.backend().name);
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
