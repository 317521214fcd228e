// Elementwise ops: thin wrappers over the unary/binary/where/cast kernels, with dtype checks.
import type { DType } from '../dtype.js';
import { engine } from '../engine.js';
import { fmtShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { kernel, record } from './run.js';

function sameDType(op: string, a: Tensor, b: Tensor): void {
  if (a.dtype !== b.dtype) {
    throw new TypeError(
      `${op}: dtypes differ (${a.dtype} ${fmtShape(a.shape)} vs ${b.dtype} ${fmtShape(b.shape)}); cast one first`,
    );
  }
}

function binary(
  op: string,
  a: Tensor,
  b: Tensor | number,
  save: (a: Tensor, b: Tensor, out: Tensor) => Tensor[],
) {
  if (typeof b === 'number') {
    const out = kernel('binary', [a], { op, scalar: b });
    return record(`${op}_scalar`, out, [a], op === 'pow' || op === 'maximum' || op === 'minimum' ? [a] : [], {
      scalar: b,
    });
  }
  sameDType(op, a, b);
  const out = kernel('binary', [a, b], { op });
  return record(op, out, [a, b], save(a, b, out));
}

export const add = (a: Tensor, b: Tensor | number) => binary('add', a, b, () => []);
export const sub = (a: Tensor, b: Tensor | number) => binary('sub', a, b, () => []);
export const mul = (a: Tensor, b: Tensor | number) => binary('mul', a, b, (x, y) => [x, y]);
export const div = (a: Tensor, b: Tensor | number) => binary('div', a, b, (x, y) => [x, y]);
export const pow = (a: Tensor, b: Tensor | number) => binary('pow', a, b, (x, y, o) => [x, y, o]);
export const maximum = (a: Tensor, b: Tensor | number) => binary('maximum', a, b, (x, y) => [x, y]);
export const minimum = (a: Tensor, b: Tensor | number) => binary('minimum', a, b, (x, y) => [x, y]);

/** s - x and s / x for a scalar s. */
export function rsub(s: number, x: Tensor): Tensor {
  return record('rsub_scalar', kernel('binary', [x], { op: 'sub', scalar: s, scalarFirst: true }), [x]);
}
export function rdiv(s: number, x: Tensor): Tensor {
  const out = kernel('binary', [x], { op: 'div', scalar: s, scalarFirst: true });
  return record('rdiv_scalar', out, [x], [x], { scalar: s });
}

export function compare(op: 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge', a: Tensor, b: Tensor | number): Tensor {
  if (typeof b === 'number') return kernel('binary', [a], { op, scalar: b });
  sameDType(op, a, b);
  return kernel('binary', [a, b], { op });
}

// Which tensor each unary VJP needs: the input or the output.
const SAVE_OUTPUT = new Set(['exp', 'sqrt', 'rsqrt', 'tanh', 'sigmoid', 'recip']);
const NO_GRAD = new Set(['sign', 'floor', 'round']);

export function unary(op: string, x: Tensor, p0 = 0, p1 = 0): Tensor {
  if (x.dtype === 'i32' || x.dtype === 'u32') {
    if (!['neg', 'abs', 'square', 'sign', 'clamp', 'affine'].includes(op)) {
      throw new TypeError(`${op}: not defined for ${x.dtype} tensors; cast to f32 first`);
    }
  }
  const out = kernel('unary', [x], { op, p0, p1 });
  if (NO_GRAD.has(op)) return out;
  return record(op, out, [x], SAVE_OUTPUT.has(op) ? [out] : op === 'neg' ? [] : [x], { p0, p1 });
}

export const clamp = (x: Tensor, lo: number, hi: number) => unary('clamp', x, lo, hi);
/** x * a + b in one kernel. */
export const affine = (x: Tensor, a: number, b: number) => unary('affine', x, a, b);

export function where(cond: Tensor, a: Tensor, b: Tensor | number): Tensor {
  if (typeof b === 'number')
    return record('where_scalar', kernel('where', [cond, a], { scalar: b }), [a], [cond]);
  sameDType('where', a, b);
  return record('where', kernel('where', [cond, a, b]), [a, b], [cond]);
}

export function cast(x: Tensor, dtype: DType): Tensor {
  if (dtype === x.dtype) return x;
  const out = kernel('cast', [x], { dtype });
  const float = (d: DType) => d === 'f32' || d === 'f16';
  return float(dtype) && float(x.dtype) ? record('cast', out, [x], [], { from: x.dtype }) : out;
}

export function clone(x: Tensor): Tensor {
  return record('copy', kernel('copy', [x]), [x]);
}

export function fill(shape: number[], value: number, dtype: DType, backend?: string): Tensor {
  return kernel('fill', [], { shape, value, dtype }, backend ?? engine.backend().name);
}
