// WebGPU elementwise kernels: all of them are runMap with an expression.
import type { DType } from '../../dtype.js';
import { broadcastShapes } from '../../shape.js';
import type { Tensor } from '../../tensor.js';
import { BINARY_WGSL, COMPARE_OPS, UNARY_WGSL } from '../exprs.js';
import { type Attrs, registerKernel } from '../registry.js';
import { computeType, runAssign, runFill, runMap } from './elementwise-program.js';

function literal(v: number, t: 'f32' | 'i32' | 'u32'): string {
  if (t === 'f32') {
    if (!Number.isFinite(v)) throw new Error(`literal: ${v} cannot be a WGSL constant; pass it as a uniform`);
    return `f32(${v.toExponential()})`;
  }
  return `${t}(${Math.trunc(v)})`;
}

registerKernel('unary', 'webgpu', ([x], a: Attrs) => {
  const op = a.op as string;
  const expr = UNARY_WGSL[op]?.replace(/\bx\b/g, 'a');
  if (!expr) throw new Error(`unary: unknown op '${op}'`);
  return runMap(op, [x], x.shape, x.dtype, expr, { params: [(a.p0 as number) ?? 0, (a.p1 as number) ?? 0] });
});

registerKernel('binary', 'webgpu', (inputs: Tensor[], a: Attrs) => {
  const op = a.op as string;
  const expr = BINARY_WGSL[op];
  if (!expr) throw new Error(`binary: unknown op '${op}'`);
  const [x, y] = inputs;
  const outDtype: DType = COMPARE_OPS.has(op) ? 'u32' : x.dtype;
  if (y) return runMap(op, [x, y], broadcastShapes(x.shape, y.shape, op), outDtype, expr);
  // Scalar operand: a literal in the expression would compile one pipeline per value; use p0 instead.
  const ct = computeType(x.dtype);
  const s = ct === 'f32' ? 'u_p0()' : `${ct}(u_p0())`;
  const e = a.scalarFirst
    ? `${expr.replace(/\bb\b/g, 'x_').replace(/\ba\b/g, s).replace(/x_/g, 'a')}`
    : expr.replace(/\bb\b/g, s);
  return runMap(`${op}s${a.scalarFirst ? 'l' : 'r'}`, [x], x.shape, outDtype, e, {
    params: [a.scalar as number, 0],
  });
});

registerKernel('where', 'webgpu', (inputs: Tensor[], a: Attrs) => {
  const [cond, x, y] = inputs;
  const ct = computeType(x.dtype);
  const cc = computeType(cond.dtype);
  const zero = cc === 'f32' ? '0.0' : `${cc}(0)`;
  if (y) {
    const shape = broadcastShapes(broadcastShapes(cond.shape, x.shape, 'where'), y.shape, 'where');
    return runMap('where', [cond, x, y], shape, x.dtype, `select(c, b, a != ${zero})`);
  }
  const shape = broadcastShapes(cond.shape, x.shape, 'where');
  const sv = ct === 'f32' ? 'u_p0()' : `${ct}(u_p0())`;
  return runMap('where_s', [cond, x], shape, x.dtype, `select(${sv}, b, a != ${zero})`, {
    params: [a.scalar as number, 0],
  });
});

registerKernel('cast', 'webgpu', ([x], a: Attrs) => {
  const to = a.dtype as DType;
  const from = computeType(x.dtype);
  // f32 -> int truncates toward zero (like torch); out-of-range values saturate in WGSL.
  return runMap('cast', [x], x.shape, to, 'a', { computeIn: [from] });
});

registerKernel('copy', 'webgpu', ([x]) => runMap('copy', [x], x.shape, x.dtype, 'a'));

registerKernel('fill', 'webgpu', (_inputs, a: Attrs) =>
  runFill(a.shape as number[], a.value as number, a.dtype as DType),
);

registerKernel('assign', 'webgpu', ([dst, src]) => {
  runAssign(dst, src);
  return dst;
});

export { literal };
