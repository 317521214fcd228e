// Reverse-mode autograd. Each differentiable op's output carries a GradNode: the op name, its inputs,
// views of the tensors its backward needs (saved), and attributes. The VJPs are looked up in the gradient
// table (gradients.ts), filled by the ops that record them; this file imports no op.
import { kernel } from '../dispatch.js';
import { engine } from '../engine.js';
import type { Attrs } from '../kernels/registry.js';
import { tidy } from '../scope.js';
import { fmtShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { vjp } from './gradients.js';

export class GradNode {
  /** Live references: the output tensor plus every node that uses this one as an input. */
  refs = 1;
  freed = false;
  constructor(
    readonly op: string,
    readonly inputs: Tensor[],
    readonly saved: Tensor[],
    readonly attrs: Record<string, unknown>,
    readonly outShape: number[],
  ) {
    for (const x of inputs) if (x.node) x.node.refs++;
  }

  /** Drop one reference; at zero free saved tensors and release the inputs' nodes. */
  release(): void {
    if (--this.refs > 0 || this.freed) return;
    this.free();
  }

  free(): void {
    if (this.freed) return;
    this.freed = true;
    for (const s of this.saved) if (!s.disposed) s.dispose();
    for (const x of this.inputs) x.node?.release();
  }
}

export function needsGrad(inputs: Tensor[]): boolean {
  return engine.gradEnabled && inputs.some((t) => t.requiresGrad);
}

/**
 * Record `out` as produced by `op` from `inputs`. `save` lists tensors the VJP needs; they are kept
 * alive as views until the graph is freed.
 */
export function record(
  op: string,
  out: Tensor,
  inputs: Tensor[],
  save: Tensor[] = [],
  attrs: Attrs = {},
): Tensor {
  if (!needsGrad(inputs)) return out;
  const saved = save.map((t) => {
    const v = t.view(t.shape, t.strides, t.offset);
    v.kept = true; // owned by the node, not by any scope
    return v;
  });
  out.node = new GradNode(op, inputs, saved, attrs, out.shape);
  out.requiresGrad = true;
  return out;
}

/** Run fn with gradient recording off. */
export function noGrad<T>(fn: () => T): T {
  const prev = engine.gradEnabled;
  engine.gradEnabled = false;
  try {
    const r = fn();
    if (r instanceof Promise) {
      return r.finally(() => {
        engine.gradEnabled = prev;
      }) as T;
    }
    engine.gradEnabled = prev;
    return r;
  } catch (e) {
    engine.gradEnabled = prev;
    throw e;
  }
}

export function enableGrad(on: boolean): void {
  engine.gradEnabled = on;
}

function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<GradNode>();
  // Iterative DFS: deep graphs (long sequences of ops) must not overflow the stack.
  const stack: [Tensor, number][] = [[root, 0]];
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    const node = t.node!;
    if (i === 0) {
      if (seen.has(node)) {
        stack.pop();
        continue;
      }
      seen.add(node);
    }
    if (i < node.inputs.length) {
      top[1]++;
      const x = node.inputs[i];
      if (x.node && x.requiresGrad && !seen.has(x.node)) stack.push([x, 0]);
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order.reverse();
}

export function backward(root: Tensor, gradOutput?: Tensor, retainGraph = false): void {
  if (!root.requiresGrad) throw new Error('backward(): the tensor does not require grad');
  if (!root.node) {
    throw new Error('backward(): called on a leaf tensor; call it on a result computed from it');
  }
  if (root.node.freed) {
    throw new Error(
      'backward(): this graph was already freed by an earlier backward(); pass { retainGraph: true } the first time',
    );
  }
  if (!gradOutput && root.size !== 1) {
    throw new Error(`backward(): output of shape ${fmtShape(root.shape)} is not a scalar; pass a gradient`);
  }
  const order = topoOrder(root);
  tidy(() => {
    const grads = new Map<GradNode, Tensor>();
    // Gradient sums this backward created and nobody else references: a slice's gradient may be added
    // into its region in place (below) instead of padding it with zeros to the full shape and adding that.
    const owned = new Set<Tensor>();
    const seed = gradOutput ?? root.onesLike();
    grads.set(root.node!, seed);
    for (const t of order) {
      const node = t.node!;
      const g = grads.get(node);
      if (!g) continue;
      grads.delete(node);
      owned.delete(g);
      if (node.op === 'slice' && !g.requiresGrad) {
        // Two or more slices of one tensor (q/k/v of a fused projection, routed vs shared rows): the
        // second and later add their gradient into the first one's sum, region only. Same values as the
        // padded add (x + 0 = x outside the region; the region adds the same two operands).
        const x = node.inputs[0];
        const prev = !x.requiresGrad ? undefined : x.node ? grads.get(x.node) : x.grad;
        if (prev && owned.has(prev) && !prev.requiresGrad && prev.dtype === g.dtype) {
          const ax = node.attrs.axis as number;
          const dst = prev.view(
            g.shape,
            prev.strides,
            prev.offset + (node.attrs.start as number) * prev.strides[ax],
          );
          const sum = kernel('binary', [dst, g], { op: 'add' });
          kernel('assign', [dst, sum]);
          sum.dispose();
          dst.dispose();
          continue;
        }
      }
      const inGrads = vjp(node, g);
      node.inputs.forEach((x, i) => {
        const gi = inGrads[i];
        if (!gi || !x.requiresGrad) return;
        if (x.node) {
          const prev = grads.get(x.node);
          const acc = prev ? prev.add(gi) : gi;
          // A slice's padded gradient and a fresh sum belong to this map entry alone.
          if (prev || node.op === 'slice') owned.add(acc);
          grads.set(x.node, acc);
        } else {
          // Leaf: accumulate into .grad, which outlives this scope.
          // A slice's padded gradient is fresh and nobody else's: it becomes .grad without a copy.
          const acc = x.grad ? x.grad.add(gi) : node.op === 'slice' ? gi : gi.clone();
          acc.kept = true;
          if (x.grad) {
            owned.delete(x.grad);
            x.grad.dispose();
          }
          owned.add(acc);
          x.grad = acc;
        }
      });
    }
  }, 'backward');
  if (!retainGraph) for (const t of order) t.node!.free();
}
