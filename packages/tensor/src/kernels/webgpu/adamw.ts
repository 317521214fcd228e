// Fused AdamW step: one dispatch updates a parameter, its first and second moments in place
// (read_write bindings on the tensors' own storage). Formula and rounding order in backend/cpu/adamw.ts.

import { grid } from '../../backend/webgpu/wgsl.js';
import type { Tensor } from '../../tensor.js';
import { type Attrs, registerKernel } from '../registry.js';
import { gpuOf, WG } from './elementwise-program.js';

const SCALARS = ['decay', 'b1', 'omb1', 'b2', 'omb2', 'stepSize', 'bc2s', 'eps'] as const;

registerKernel('adamw', 'webgpu', (inputs: Tensor[], a: Attrs) => {
  const [p, g, m, v] = inputs;
  const be = gpuOf(inputs, 'adamwStep');
  const n = p.size;
  if (!n) return inputs;
  const values: Record<string, number> = { n, po: p.offset, go: g.offset, mo: m.offset, vo: v.offset };
  for (const k of SCALARS) values[k] = a[k] as number;
  be.run(
    {
      key: `adamw:${g.dtype}`,
      bindings: [
        { name: 'P', dtype: 'f32', access: 'read_write' },
        { name: 'G', dtype: g.dtype, access: 'read' },
        { name: 'M', dtype: 'f32', access: 'read_write' },
        { name: 'V', dtype: 'f32', access: 'read_write' },
      ],
      uniforms: [
        ...['n', 'po', 'go', 'mo', 'vo'].map((name) => ({ name, type: 'u32' as const })),
        ...SCALARS.map((name) => ({ name, type: 'f32' as const })),
      ],
      workgroupSize: [WG, 1, 1],
      body: `  let i = wgIndex * ${WG}u + lidx;
  if (i >= u_n()) { return; }
  let g = f32(G[u_go() + i]);
  let m = M[u_mo() + i] * u_b1() + u_omb1() * g;
  let v = V[u_vo() + i] * u_b2() + u_omb2() * (g * g);
  let denom = sqrt(v) / u_bc2s() + u_eps();
  let pd = P[u_po() + i] * u_decay();
  P[u_po() + i] = pd - u_stepSize() * (m / denom);
  M[u_mo() + i] = m;
  V[u_vo() + i] = v;`,
    },
    inputs.map((t) => t.storage.handle as GPUBuffer),
    values,
    grid(Math.ceil(n / WG)),
  );
  return inputs;
});
