// 'layerNorm' (layer norm and RMS norm forward) on the WASM backend through kernels/wasm/norm.wat, for
// f32; inputs [x, weight?, bias?] contiguous (ops/norm.ts makes them so), outputs [y, stats [rows, 2]].
// Other dtypes and the backward run the CPU reference on WASM memory.
import type { WasmBackend } from '../../backend/wasm/backend.js';
import { empty, type Tensor } from '../../tensor.js';
import { type Attrs, type KernelFn, registerKernel } from '../registry.js';
import { cpuOnWasm } from './fallback.js';

/** The exports of norm.wat (w, b: 0 when absent). */
export interface NormExports {
  layer_norm_rows(
    x: number,
    y: number,
    st: number,
    rows: number,
    n: number,
    w: number,
    b: number,
    rms: number,
    eps: number,
  ): void;
}

let reference: KernelFn | null = null;

registerKernel('layerNorm', 'wasm', (inputs: Tensor[], a: Attrs) => {
  const [x] = inputs;
  const w = a.hasWeight ? inputs[1] : null;
  const bias = a.hasBias ? inputs[a.hasWeight ? 2 : 1] : null;
  if (inputs.some((t) => t.dtype !== 'f32' || !t.isContiguous())) {
    reference ??= cpuOnWasm('layerNorm');
    return reference(inputs, a);
  }
  const be = x.backend as WasmBackend;
  const n = x.shape[x.rank - 1];
  const rows = n ? x.size / n : 0;
  const y = empty(x.shape, 'f32', 'wasm');
  const stats = empty([rows, 2], 'f32', 'wasm');
  if (y.size) {
    const at = (t: Tensor | null) => (t ? be.addr(t.storage, t.offset) : 0);
    be.kernels<NormExports>('norm').layer_norm_rows(
      at(x),
      at(y),
      at(stats),
      rows,
      n,
      at(w),
      at(bias),
      a.rms ? 1 : 0,
      a.eps as number,
    );
  }
  return [y, stats];
});
