// 'embeddingBackward' on the WASM backend: dW [V, D] = Σ g[i] over tokens i with ids[i] = v, summed in
// increasing token order like the CPU reference (backend/cpu/embedding.ts), through the scatter-add
// kernel of kernels/wasm/gather.wat (SIMD over D; threads take column ranges, so the result is
// bit-identical to the CPU kernel for any thread count). Ids outside [0, V) get no gradient.
// Non-contiguous inputs (the op never passes them) run the CPU reference on WASM memory.
import type { WasmBackend } from '../../backend/wasm/backend.js';
import { empty, type Tensor } from '../../tensor.js';
import { type Attrs, registerKernel } from '../registry.js';
import { runReference } from './fallback.js';
import { gatherKernelCalls, scatterAddInto } from './gather.js';

registerKernel('embeddingBackward', 'wasm', (inputs: Tensor[], a: Attrs) => {
  const [ids, g] = inputs;
  const V = a.V as number;
  const D = a.D as number;
  const dtype = a.dtype as 'f32' | 'f16';
  if (
    !ids.isContiguous() ||
    !g.isContiguous() ||
    (ids.dtype !== 'i32' && ids.dtype !== 'u32') ||
    (g.dtype !== 'f32' && g.dtype !== 'f16') ||
    (dtype !== 'f32' && dtype !== 'f16') ||
    g.size !== ids.size * D
  ) {
    return runReference('embeddingBackward', inputs, a);
  }
  gatherKernelCalls.embeddingBackward++;
  const dw = empty([V, D], dtype, 'wasm');
  scatterAddInto(g.backend as WasmBackend, dw, ids, g, 1, V, D);
  return dw;
});
