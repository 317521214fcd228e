// 'rotary' on the WASM backend through kernels/wasm/rotary.wat (f32). One thread: the rotation is a few
// products per element, memory-bound.
import type { WasmBackend } from '../../backend/wasm/backend.js';
import { empty } from '../../tensor.js';
import { Rotary } from '../declarations.js';

Rotary.implement('wasm', ([x, cos, sin], { rotaryDim, offset, inverse }, spec) => {
  const be = x.backend as WasmBackend;
  const out = empty(spec.shape, spec.dtype, 'wasm');
  const D = x.shape[x.rank - 1];
  if (!out.size) return out;
  be.kernels('rotary').rotary(
    be.addr(x.storage, x.offset),
    be.addr(cos.storage, cos.offset),
    be.addr(sin.storage, sin.offset),
    be.addr(out.storage),
    out.size / D,
    x.shape[x.rank - 2],
    D,
    rotaryDim / 2,
    offset,
    inverse ? 1 : 0,
  );
  return out;
});
