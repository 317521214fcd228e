// Dispatch: run a registered kernel on the inputs' backend (and time it under profileKernels). The layer
// between the Tensor data class and the ops: it knows the kernel registry and the engine, nothing above.
import { engine } from './engine.js';
import { type Attrs, getKernel } from './kernels/registry.js';
import type { Tensor } from './tensor.js';

/**
 * Run kernel `name` on the backend its inputs live on (all on one; `backend`, else the default, when
 * there are none). No gradient is recorded: ops call `record()` for that.
 */
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
