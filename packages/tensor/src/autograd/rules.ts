// One table: primitive op -> VJP. Each rule gets the node (inputs' shapes, saved tensors, attrs) and
// the output gradient, and returns one gradient per input (null where none). Like tinygrad's
// pm_gradient, every rule is a few lines of ops; each has a finite-difference test.
import * as E from '../ops/elementwise.js';
import * as M from '../ops/movement.js';
import { matmulRaw, softmaxGrad } from '../ops/nn.js';
import { sum } from '../ops/reduce.js';
import { kernel } from '../ops/run.js';
import { sameShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { GradNode } from './tape.js';

type Rule = (g: Tensor, node: GradNode) => (Tensor | null)[];

/** Sum a broadcast gradient back down to `shape`. */
export function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  const s = axes.length ? sum(g, axes, true) : g;
  return M.reshape(s, [...shape]);
}

const shapeOf = (n: GradNode, i: number) => n.inputs[i].shape;
const T = (t: Tensor) => M.transpose(t, -2, -1);

const rules: Record<string, Rule> = {
  // binary
  add: (g, n) => [sumTo(g, shapeOf(n, 0)), sumTo(g, shapeOf(n, 1))],
  sub: (g, n) => [sumTo(g, shapeOf(n, 0)), sumTo(g.neg(), shapeOf(n, 1))],
  mul: (g, n) => [sumTo(g.mul(n.saved[1]), shapeOf(n, 0)), sumTo(g.mul(n.saved[0]), shapeOf(n, 1))],
  div: (g, n) => {
    const [a, b] = n.saved;
    return [sumTo(g.div(b), shapeOf(n, 0)), sumTo(g.mul(a).div(b.square()).neg(), shapeOf(n, 1))];
  },
  pow: (g, n) => {
    const [a, b, y] = n.saved;
    const da = g.mul(b).mul(a.pow(b.sub(1)));
    const db = g.mul(y).mul(a.log());
    return [sumTo(da, shapeOf(n, 0)), sumTo(db, shapeOf(n, 1))];
  },
  maximum: (g, n) => {
    const [a, b] = n.saved;
    const m = a.ge(b);
    return [sumTo(E.where(m, g, 0), shapeOf(n, 0)), sumTo(E.where(a.lt(b), g, 0), shapeOf(n, 1))];
  },
  minimum: (g, n) => {
    const [a, b] = n.saved;
    const m = a.le(b);
    return [sumTo(E.where(m, g, 0), shapeOf(n, 0)), sumTo(E.where(a.gt(b), g, 0), shapeOf(n, 1))];
  },
  // binary with a scalar
  add_scalar: (g) => [g],
  sub_scalar: (g) => [g],
  rsub_scalar: (g) => [g.neg()],
  mul_scalar: (g, n) => [g.mul(n.attrs.scalar as number)],
  div_scalar: (g, n) => [g.div(n.attrs.scalar as number)],
  rdiv_scalar: (g, n) => [g.mul(-(n.attrs.scalar as number)).div(n.saved[0].square())],
  pow_scalar: (g, n) => {
    const s = n.attrs.scalar as number;
    return [g.mul(n.saved[0].pow(s - 1)).mul(s)];
  },
  maximum_scalar: (g, n) => [E.where(n.saved[0].ge(n.attrs.scalar as number), g, 0)],
  minimum_scalar: (g, n) => [E.where(n.saved[0].le(n.attrs.scalar as number), g, 0)],
  // unary (saved[0] is the input, or the output for exp/sqrt/rsqrt/tanh/sigmoid/recip)
  neg: (g) => [g.neg()],
  abs: (g, n) => [g.mul(E.unary('sign', n.saved[0]))],
  exp: (g, n) => [g.mul(n.saved[0])],
  log: (g, n) => [g.div(n.saved[0])],
  sqrt: (g, n) => [g.mul(0.5).div(n.saved[0])],
  rsqrt: (g, n) => [g.mul(n.saved[0].pow(3)).mul(-0.5)],
  tanh: (g, n) => [g.mul(E.rsub(1, n.saved[0].square()))],
  sigmoid: (g, n) => [g.mul(n.saved[0].mul(E.rsub(1, n.saved[0])))],
  relu: (g, n) => [E.where(n.saved[0].gt(0), g, 0)],
  gelu: (g, n) => [g.mul(E.unary('gelu_grad', n.saved[0].detach()))],
  silu: (g, n) => [g.mul(E.unary('silu_grad', n.saved[0].detach()))],
  sin: (g, n) => [g.mul(n.saved[0].cos())],
  cos: (g, n) => [g.mul(n.saved[0].sin()).neg()],
  square: (g, n) => [g.mul(n.saved[0]).mul(2)],
  recip: (g, n) => [g.mul(n.saved[0].square()).neg()],
  clamp: (g, n) => {
    const x = n.saved[0];
    const inside = E.where(x.ge(n.attrs.p0 as number), x.le(n.attrs.p1 as number), 0);
    return [E.where(inside, g, 0)];
  },
  affine: (g, n) => [g.mul(n.attrs.p0 as number)],
  where: (g, n) => {
    const c = n.saved[0];
    return [sumTo(E.where(c, g, 0), shapeOf(n, 0)), sumTo(E.where(c, g.zerosLike(), g), shapeOf(n, 1))];
  },
  where_scalar: (g, n) => [sumTo(E.where(n.saved[0], g, 0), shapeOf(n, 0))],
  cast: (g, n) => [E.cast(g, n.attrs.from as 'f32' | 'f16')],
  copy: (g) => [g],
  // movement
  reshape: (g, n) => [M.reshape(g, [...(n.attrs.from as number[])])],
  permute: (g, n) => {
    const d = n.attrs.dims as number[];
    const inv = d.map((_, i) => d.indexOf(i));
    return [M.permute(g, inv)];
  },
  expand: (g, n) => [sumTo(g, n.attrs.inShape as number[])],
  slice: (g, n) => {
    const full = E.fill([...(n.attrs.inShape as number[])], 0, g.dtype, g.backend.name);
    const ax = n.attrs.axis as number;
    const start = n.attrs.start as number;
    const dst = full.view(g.shape, full.strides, start * full.strides[ax]);
    kernel('assign', [dst, g]);
    dst.dispose();
    return [full];
  },
  concat: (g, n) => {
    const ax = n.attrs.axis as number;
    let at = 0;
    return (n.attrs.sizes as number[]).map((s) => {
      const part = M.slice(g, ax, at, at + s);
      at += s;
      return part;
    });
  },
  indexSelect: (g, n) => {
    const ax = n.attrs.axis as number;
    return [M.indexAdd([...(n.attrs.inShape as number[])], ax, n.saved[0], g)];
  },
  indexAdd: (g, n) => [M.reshape(M.indexSelect(g, n.attrs.axis as number, n.saved[0]), [...shapeOf(n, 0)])],
  // fused softmax family (ops/nn.ts, last axis): one fused backward kernel
  softmax: (g, n) => [softmaxGrad(n.saved[0], g, false)],
  logSoftmax: (g, n) => [softmaxGrad(n.saved[0], g, true)],
  // reductions
  sum: (g, n) => [
    M.expand(M.reshape(g, [...(n.attrs.keepShape as number[])]), [...(n.attrs.inShape as number[])]),
  ],
  max: (g, n) => extremeGrad(g, n),
  min: (g, n) => extremeGrad(g, n),
  // matmul: dA = g Bᵀ, dB = Aᵀ g (batch dims summed back by sumTo)
  matmul: (g, n) => {
    const [a, b] = n.saved;
    return [sumTo(matmulRaw(g, T(b)), a.shape), sumTo(matmulRaw(T(a), g), b.shape)];
  },
};

/** Gradient flows to every position equal to the extreme, split evenly among ties (like torch.amax). */
function extremeGrad(g: Tensor, n: GradNode): (Tensor | null)[] {
  const [x, y] = n.saved;
  const keep = n.attrs.keepShape as number[];
  const yk = M.reshape(y, [...keep]);
  const mask = E.cast(x.eq(yk), x.dtype);
  const count = sum(
    mask,
    keep.map((d, i) => (d === 1 && x.shape[i] !== 1 ? i : -1)).filter((i) => i >= 0),
    true,
  );
  return [mask.div(count).mul(M.reshape(g, [...keep]))];
}

export function vjp(node: GradNode, g: Tensor): (Tensor | null)[] {
  const rule = rules[node.op];
  if (!rule) throw new Error(`backward: no gradient rule for op '${node.op}'`);
  return rule(g, node);
}

export function registerGradient(op: string, rule: Rule): void {
  rules[op] = rule;
}

export function hasGradient(op: string): boolean {
  return op in rules;
}
