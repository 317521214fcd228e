// 'reduce' on the WASM backend through kernels/wasm/reduce.wat: sum / max / min / argmax / argmin over
// contiguous rows [outer, n], optionally in `parts` segments per row (ops/reduce.ts's first stage for few
// long rows). Contract: backend/cpu/reduce.ts (f32 sums accumulate in f64 like it; f16 sums are rounded
// with roundF16 here). Rows are split across threads when the input is big.
import type { WasmBackend } from '../../backend/wasm/backend.js';
import { type DType, roundF16 } from '../../dtype.js';
import { empty, type Tensor } from '../../tensor.js';
import { type Attrs, registerKernel } from '../registry.js';
import { runReference } from './fallback.js';
import type { WasmExports } from './generated/index.js';

/** The exports of reduce.wat, generated from its text. */
export type ReduceExports = WasmExports['reduce'];

const OPS: Record<string, number> = { sum: 0, max: 1, min: 2, argmax: 3, argmin: 4 };
const DTYPES: Record<DType, number> = { f32: 0, f16: 0, i32: 1, u32: 2 };
/** Elements read before threads pay. */
const PAR_MIN = 1 << 18;

/** How many 'reduce' calls ran in WASM and how many went to the CPU reference (tests read this). */
export const reduceStats = { wasm: 0, reference: 0 };

registerKernel('reduce', 'wasm', (inputs: Tensor[], a: Attrs) => {
  const [x] = inputs;
  const op = a.op as string;
  const outer = a.outer as number;
  const n = a.n as number;
  const parts = (a.parts as number | undefined) ?? 1;
  const code = OPS[op];
  if (code === undefined || !x.isContiguous() || !(parts >= 1)) {
    reduceStats.reference++;
    return runReference('reduce', inputs, a);
  }
  const be = x.backend as WasmBackend;
  const out = empty([outer * parts], code >= 3 ? 'i32' : x.dtype, 'wasm');
  const w = outer * parts;
  reduceStats.wasm++;
  if (w === 0) return out;
  const ex = be.kernels<ReduceExports>('reduce');
  const src = be.addr(x.storage, x.offset);
  const dst = be.addr(out.storage);
  const dt = DTYPES[x.dtype];
  const pool = be.pool;
  if (pool && w >= 2 && outer * n >= PAR_MIN) {
    const chunk = Math.ceil(w / pool.threads);
    pool.run(
      'reduce.reduce',
      (t) => [code, dt, src, dst, n, parts, Math.min(w, t * chunk), Math.min(w, (t + 1) * chunk)],
      (v) => ex.reduce(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]),
    );
  } else ex.reduce(code, dt, src, dst, n, parts, 0, w);
  if (out.dtype === 'f16' && code === 0) {
    const h = out.storage.handle as Float32Array;
    for (let i = 0; i < h.length; i++) h[i] = roundF16(h[i]);
  }
  return out;
});
