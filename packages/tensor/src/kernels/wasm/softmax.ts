// 'softmax' on the WASM backend: f32 softmax over contiguous rows through kernels/wasm/softmax.wat
// (SIMD exp), and both backwards ('softmaxBackward', softmax and log-softmax); log-softmax forward and
// other dtypes run the CPU reference on WASM memory.
import type { WasmBackend } from '../../backend/wasm/backend.js';
import { empty, type Tensor } from '../../tensor.js';
import { type Attrs, type KernelFn, registerKernel } from '../registry.js';
import { cpuOnWasm } from './fallback.js';

/** The exports of softmax.wat. */
export interface SoftmaxExports {
  softmax_rows(src: number, dst: number, rows: number, n: number): void;
  softmax_backward_rows(y: number, g: number, dst: number, rows: number, n: number, log: number): void;
}

let reference: KernelFn | null = null;
let referenceBackward: KernelFn | null = null;

registerKernel('softmax', 'wasm', (inputs: Tensor[], a: Attrs) => {
  const [x] = inputs;
  if (a.log || x.dtype !== 'f32' || !x.isContiguous()) {
    reference ??= cpuOnWasm('softmax');
    return reference(inputs, a);
  }
  const be = x.backend as WasmBackend;
  const n = x.rank ? x.shape[x.rank - 1] : 1;
  const rows = n ? x.size / n : 0;
  const out = empty(x.shape, 'f32', 'wasm');
  if (out.size)
    be.kernels<SoftmaxExports>('softmax').softmax_rows(
      be.addr(x.storage, x.offset),
      be.addr(out.storage),
      rows,
      n,
    );
  return out;
});

registerKernel('softmaxBackward', 'wasm', (inputs: Tensor[], a: Attrs) => {
  const [y, g] = inputs;
  if (inputs.some((t) => t.dtype !== 'f32' || !t.isContiguous())) {
    referenceBackward ??= cpuOnWasm('softmaxBackward');
    return referenceBackward(inputs, a);
  }
  const be = y.backend as WasmBackend;
  const n = y.rank ? y.shape[y.rank - 1] : 1;
  const rows = n ? y.size / n : 0;
  const out = empty(y.shape, 'f32', 'wasm');
  if (out.size) {
    be.kernels<SoftmaxExports>('softmax').softmax_backward_rows(
      be.addr(y.storage, y.offset),
      be.addr(g.storage, g.offset),
      be.addr(out.storage),
      rows,
      n,
      a.log ? 1 : 0,
    );
  }
  return out;
});
