// Row reduction: x viewed as [outer, n] (contiguous), one workgroup per row, a tree in workgroup memory.

import { grid } from '../../backend/webgpu/wgsl.js';
import type { DType } from '../../dtype.js';
import { empty, type Tensor } from '../../tensor.js';
import { type Attrs, registerKernel } from '../registry.js';
import { computeType, gpuOf } from './elementwise-program.js';

const RW = 64;

const INIT: Record<string, (t: string) => string> = {
  sum: (t) => `${t}(0)`,
  max: (t) => (t === 'f32' ? '-inf_()' : t === 'i32' ? 'i32(-2147483647 - 1)' : '0u'),
  min: (t) => (t === 'f32' ? 'inf_()' : t === 'i32' ? 'i32(2147483647)' : '0xffffffffu'),
};
INIT.argmax = INIT.max;
INIT.argmin = INIT.min;

// (acc, ai) absorbs (v, vi); argmax keeps the first index among ties.
const COMBINE: Record<string, string> = {
  sum: 'acc = acc + v;',
  max: 'acc = max(acc, v);',
  min: 'acc = min(acc, v);',
  argmax: 'if (v > acc || (v == acc && vi < ai)) { acc = v; ai = vi; }',
  argmin: 'if (v < acc || (v == acc && vi < ai)) { acc = v; ai = vi; }',
};

registerKernel('reduce', 'webgpu', ([x], a: Attrs) => {
  const op = a.op as string;
  const outer = a.outer as number;
  const n = a.n as number;
  const be = gpuOf([x], op);
  const ct = computeType(x.dtype);
  const arg = op.startsWith('arg');
  const outDtype: DType = arg ? 'i32' : x.dtype;
  // `parts` > 1 splits each row into that many segments, one workgroup each (the first stage of a
  // two-stage reduction when there are few long rows); the output is then [outer * parts].
  const parts = (a.parts as number | undefined) ?? 1;
  const out = empty([outer * parts], outDtype, 'webgpu');
  if (outer === 0) return out;
  const program = {
    key: `reduce:${op}:${x.dtype}`,
    bindings: [
      { name: 'X', dtype: x.dtype, access: 'read' as const },
      { name: 'OUT', dtype: outDtype, access: 'read_write' as const },
    ],
    uniforms: [
      { name: 'outer', type: 'u32' as const },
      { name: 'n', type: 'u32' as const },
      { name: 'off', type: 'u32' as const },
      { name: 'parts', type: 'u32' as const },
    ],
    workgroupSize: [RW, 1, 1] as const,
    helpers: `fn inf_() -> f32 { var b = 0x7f800000u; return bitcast<f32>(b); }\nvar<workgroup> sv: array<${ct}, ${RW}>;\nvar<workgroup> si: array<u32, ${RW}>;`,
    body: `  let row = wgIndex / u_parts();
  if (row >= u_outer()) { return; }
  let n = u_n();
  let len = (n + u_parts() - 1u) / u_parts();
  let part = wgIndex % u_parts();
  let end = min(n, (part + 1u) * len);
  let base = u_off() + row * n;
  var acc = ${INIT[op](ct)};
  var ai = 0xffffffffu;
  for (var j = part * len + lidx; j < end; j += ${RW}u) {
    let v = ${ct}(X[base + j]);
    let vi = j;
    ${COMBINE[op]}
  }
  sv[lidx] = acc;
  si[lidx] = ai;
  workgroupBarrier();
  for (var s = ${RW / 2}u; s > 0u; s >>= 1u) {
    if (lidx < s) {
      acc = sv[lidx];
      ai = si[lidx];
      let v = sv[lidx + s];
      let vi = si[lidx + s];
      ${COMBINE[op]}
      sv[lidx] = acc;
      si[lidx] = ai;
    }
    workgroupBarrier();
  }
  if (lidx == 0u) { OUT[wgIndex] = ${arg ? 'i32(si[0])' : `${outDtype}(sv[0])`}; }`,
  };
  be.run(
    program,
    [x.storage.handle as GPUBuffer, out.storage.handle as GPUBuffer],
    { outer, n, off: x.offset, parts },
    grid(outer * parts),
  );
  return out;
});

export type { Tensor };
