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
  const k = getKernel(name, b);
  if (!profiling) return k(inputs, attrs) as Tensor;
  const t0 = performance.now();
  try {
    return k(inputs, attrs) as Tensor;
  } finally {
    const key = `${b}/${name}`;
    const e = profiling.get(key) ?? { kernel: name, backend: b, calls: 0, ms: 0 };
    e.calls++;
    e.ms += performance.now() - t0;
    profiling.set(key, e);
  }
}

export interface KernelProfile {
  kernel: string;
  backend: string;
  calls: number;
  /** Host milliseconds inside the kernel: the whole work on 'wasm' and 'cpu'; encoding only on 'webgpu'. */
  ms: number;
}

let profiling: Map<string, KernelProfile> | null = null;

/**
 * Runs `f` and reports every kernel it ran (a kernel that runs other kernels includes their time),
 * slowest first. Synchronous backends (wasm, cpu) are timed exactly; WebGPU work is asynchronous, so its
 * numbers are the time to record the dispatches.
 */
export async function profileKernels<T>(
  f: () => T | Promise<T>,
): Promise<{ result: T; kernels: KernelProfile[] }> {
  if (profiling) throw new Error('profileKernels: already profiling (calls do not nest)');
  profiling = new Map();
  try {
    const result = await f();
    return { result, kernels: [...profiling.values()].sort((a, b) => b.ms - a.ms) };
  } finally {
    profiling = null;
  }
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
