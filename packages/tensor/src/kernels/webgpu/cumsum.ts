// 'cumsum' on WebGPU: one invocation per line of the scan ([outer, inner] lines of n elements), each a
// sequential f32 sum along the axis, forwards or (reverse) backwards. Simple and exact to the f32 order of
// the CPU reference; long axes with few lines would want a work-efficient parallel scan.
import { grid } from '../../backend/webgpu/wgsl.js';
import { empty } from '../../tensor.js';
import { Cumsum, scanGeometry } from '../declarations.js';
import { WG } from './elementwise-program.js';
import { dispatchProgram } from './program.js';

Cumsum.implement('webgpu', ([x], { axis, reverse }, spec) => {
  const out = empty(spec.shape, spec.dtype, 'webgpu');
  const { outer, n, inner } = scanGeometry(x.shape, axis);
  const lines = outer * inner;
  if (!lines || !n) return out;
  const t = x.dtype;
  dispatchProgram(
    {
      key: `cumsum:${t}:${reverse ? 'rev' : 'fwd'}`,
      bindings: [
        { name: 'X', dtype: t, access: 'read' },
        { name: 'OUT', dtype: t, access: 'read_write' },
      ],
      uniforms: ['lines', 'n', 'inner', 'xoff'].map((name) => ({ name, type: 'u32' as const })),
      workgroupSize: [WG, 1, 1],
      body: `  let line = wgIndex * ${WG}u + lidx;
  if (line >= u_lines()) { return; }
  let inner = u_inner();
  let n = u_n();
  let base = (line / inner) * n * inner + line % inner;
  var s = 0.0;
  for (var k = 0u; k < n; k++) {
    let i = ${reverse ? 'n - 1u - k' : 'k'};
    let at = base + i * inner;
    s += f32(X[u_xoff() + at]);
    OUT[at] = ${t}(s);
  }`,
    },
    [x, out],
    { lines, n, inner, xoff: x.offset },
    grid(Math.ceil(lines / WG)),
  );
  return out;
});
