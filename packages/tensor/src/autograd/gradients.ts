// The gradient table (a leaf module): op name -> VJP. Ops register their rules next to their forward
// (ops/*.ts, autograd/rules.ts for the primitives); backward() looks them up here. Nothing below the ops
// imports a rule, so the order modules load in cannot matter.
import type { Tensor } from '../tensor.js';
import type { GradNode } from './tape.js';

/** Gets the node (inputs' shapes, saved tensors, attrs) and the output gradient; one gradient per input. */
export type GradientRule = (g: Tensor, node: GradNode) => (Tensor | null)[];

const rules = new Map<string, GradientRule>();

/** Register (or replace) the VJP of `op`, the name an op passes to `record()`. */
export function registerGradient(op: string, rule: GradientRule): void {
  rules.set(op, rule);
}

export function hasGradient(op: string): boolean {
  return rules.has(op);
}

export function vjp(node: GradNode, g: Tensor): (Tensor | null)[] {
  const rule = rules.get(node.op);
  if (!rule) throw new Error(`backward: no gradient rule for op '${node.op}'`);
  return rule(g, node);
}
