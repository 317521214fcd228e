// Running a WGSL Program on tensors: the one call a WebGPU kernel implementation needs (public, for
// kernels declared outside this package too). The tensors are bound in the program's binding order.
import type { Program } from '../../backend/webgpu/wgsl.js';
import type { Tensor } from '../../tensor.js';
import { gpuOf } from './elementwise-program.js';

/** Record one dispatch of `program` over `tensors`' buffers with these uniform values. */
export function dispatchProgram(
  program: Program,
  tensors: Tensor[],
  uniforms: Record<string, number | readonly number[]>,
  workgroups: readonly [number, number, number],
): void {
  if (tensors.length !== program.bindings.length) {
    throw new RangeError(
      `${program.key}: ${tensors.length} tensors for ${program.bindings.length} bindings (${program.bindings.map((b) => b.name).join(', ')})`,
    );
  }
  gpuOf(tensors, program.key).run(
    program,
    tensors.map((t) => t.storage.handle as GPUBuffer),
    uniforms,
    workgroups,
  );
}
