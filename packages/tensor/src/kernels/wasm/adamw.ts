// 'adamw' on the WASM backend: the in-place AdamW step through kernels/wasm/adamw.wat (SIMD, the CPU
// reference's f32 arithmetic). Inputs [param, grad, m, v], contiguous, same size (ops/optim.ts checks).
import type { WasmBackend } from '../../backend/wasm/backend.js';
import type { Tensor } from '../../tensor.js';
import { type Attrs, registerKernel } from '../registry.js';
import type { WasmExports } from './generated/index.js';

/** The exports of adamw.wat, generated from its text. */
export type AdamwExports = WasmExports['adamw'];

registerKernel('adamw', 'wasm', (inputs: Tensor[], a: Attrs) => {
  const [p, g, m, v] = inputs;
  const be = p.backend as WasmBackend;
  const at = (t: Tensor) => be.addr(t.storage, t.offset);
  const n = (k: string) => a[k] as number;
  be.kernels<AdamwExports>('adamw').adamw(
    at(p),
    at(g),
    at(m),
    at(v),
    p.size,
    n('decay'),
    n('b1'),
    n('omb1'),
    n('b2'),
    n('omb2'),
    n('stepSize'),
    n('bc2s'),
    n('eps'),
  );
  return inputs;
});
