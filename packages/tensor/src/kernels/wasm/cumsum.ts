// 'cumsum' on the WASM backend through kernels/wasm/cumsum.wat: f32, and f16 (stored widened: summed in
// f32, rounded to f16 afterwards like the CPU kernel). One thread: a scan is memory-bound.
import { finish } from '../../backend/cpu/util.js';
import type { WasmBackend } from '../../backend/wasm/backend.js';
import { empty } from '../../tensor.js';
import { Cumsum, scanGeometry } from '../declarations.js';

Cumsum.implement('wasm', ([x], { axis, reverse }, spec) => {
  const be = x.backend as WasmBackend;
  const out = empty(spec.shape, spec.dtype, 'wasm');
  const { outer, n, inner } = scanGeometry(x.shape, axis);
  if (out.size) {
    be.kernels('cumsum').cumsum(
      be.addr(x.storage, x.offset),
      be.addr(out.storage),
      outer,
      n,
      inner,
      reverse ? 1 : 0,
    );
  }
  return x.dtype === 'f16' ? finish(out) : out;
});
