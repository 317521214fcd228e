// Runs a kernel on the inputs' backend and, when gradients are on, records the GradNode.
import { GradNode, needsGrad } from '../autograd/tape.js';
import { engine } from '../engine.js';
import { type Attrs, getKernel } from '../kernels/registry.js';
import type { Tensor } from '../tensor.js';

export function kernel(name: string, inputs: Tensor[], attrs: Attrs = {}, backend?: string): Tensor {
  for (const t of inputs) t.live(name);
  const b = inputs[0]?.backend.name ?? backend ?? engine.backend().name;
  for (const t of inputs) {
    if (t.backend.name !== b) {
      throw new Error(
        `${name}: inputs live on different backends (${b} and ${t.backend.name}); move one with .to()`,
      );
    }
  }
  return getKernel(name, b)(inputs, attrs) as Tensor;
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
