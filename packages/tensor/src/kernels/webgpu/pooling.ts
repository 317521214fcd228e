// Nearest upsampling, average (sum × mul) pooling and pooling's adjoint on WebGPU: one invocation per
// output element; these ops are memory-bound, so the kernels are plain gathers.
import { grid, type Program } from '../../backend/webgpu/wgsl.js';
import { empty, type Tensor } from '../../tensor.js';
import { type Attrs, registerKernel } from '../registry.js';
import { gpuOf, WG } from './elementwise-program.js';

const u32s = (...names: string[]) => names.map((name) => ({ name, type: 'u32' as const }));

function run1(
  op: string,
  x: Tensor,
  outShape: number[],
  program: Program,
  values: Record<string, number>,
): Tensor {
  const be = gpuOf([x], op);
  const out = empty(outShape, 'f32', 'webgpu');
  if (out.size === 0) return out;
  be.run(
    program,
    [x.storage.handle as GPUBuffer, out.storage.handle as GPUBuffer],
    { ...values, size: out.size, off: x.offset },
    grid(Math.ceil(out.size / WG)),
  );
  return out;
}

const io = [
  { name: 'X', dtype: 'f32' as const, access: 'read' as const },
  { name: 'OUT', dtype: 'f32' as const, access: 'read_write' as const },
];

registerKernel('upsampleNearest', 'webgpu', ([x], a: Attrs) => {
  const s = a.scale as number;
  const [N, C, H, W] = x.shape;
  const be = gpuOf([x], 'upsampleNearest');
  const out = empty([N, C, H * s, W * s], 'f32', 'webgpu');
  const size = x.size;
  if (size === 0) return out;
  // One invocation per input value: one load, scale² stores.
  be.run(
    {
      key: 'upsampleNearest:f32',
      bindings: io,
      uniforms: u32s('size', 'off', 's', 'W'),
      workgroupSize: [WG, 1, 1],
      body: `  let i = wgIndex * ${WG}u + lidx;
  if (i >= u_size()) { return; }
  let s = u_s(); let W = u_W(); let Wo = W * s;
  let x = i % W; let py = i / W;
  let v = X[u_off() + i];
  let base = py * s * Wo + x * s;
  for (var dy = 0u; dy < s; dy++) {
    let row = base + dy * Wo;
    for (var dx = 0u; dx < s; dx++) { OUT[row + dx] = v; }
  }`,
    },
    [x.storage.handle as GPUBuffer, out.storage.handle as GPUBuffer],
    { size, off: x.offset, s, W },
    grid(Math.ceil(size / WG)),
  );
  return out;
});

registerKernel('avgPool2d', 'webgpu', ([x], a: Attrs) => {
  const k = a.kernel as number;
  const st = a.stride as number;
  const [N, C, H, W] = x.shape;
  const Ho = Math.floor((H - k) / st) + 1;
  const Wo = Math.floor((W - k) / st) + 1;
  return run1(
    'avgPool2d',
    x,
    [N, C, Ho, Wo],
    {
      key: 'avgPool2d:f32',
      bindings: io,
      uniforms: [...u32s('size', 'off', 'k', 'st', 'H', 'W', 'Ho', 'Wo'), { name: 'mul', type: 'f32' }],
      workgroupSize: [WG, 1, 1],
      body: `  let i = wgIndex * ${WG}u + lidx;
  if (i >= u_size()) { return; }
  let k = u_k(); let st = u_st(); let W = u_W(); let Wo = u_Wo(); let Ho = u_Ho();
  let ox = i % Wo; let r = i / Wo; let oy = r % Ho; let p = r / Ho;
  let base = u_off() + (p * u_H() + oy * st) * W + ox * st;
  var acc = 0.0;
  for (var ky = 0u; ky < k; ky++) {
    let row = base + ky * W;
    for (var kx = 0u; kx < k; kx++) { acc += X[row + kx]; }
  }
  OUT[i] = acc * u_mul();`,
    },
    { k, st, H, W, Ho, Wo, mul: a.mul as number },
  );
});

registerKernel('avgPool2dBackward', 'webgpu', ([gy], a: Attrs) => {
  const k = a.kernel as number;
  const st = a.stride as number;
  const [N, C, H, W] = a.inShape as number[];
  const [, , Ho, Wo] = gy.shape;
  // dx[y, x] = mul × Σ gy[oy, ox] over the windows covering (y, x): oy in [ceil((y-k+1)/st), floor(y/st)].
  return run1(
    'avgPool2d backward',
    gy,
    [N, C, H, W],
    {
      key: 'avgPool2dBackward:f32',
      bindings: io,
      uniforms: [...u32s('size', 'off', 'k', 'st', 'H', 'W', 'Ho', 'Wo'), { name: 'mul', type: 'f32' }],
      workgroupSize: [WG, 1, 1],
      body: `  let i = wgIndex * ${WG}u + lidx;
  if (i >= u_size()) { return; }
  let k = u_k(); let st = u_st(); let W = u_W(); let H = u_H(); let Wo = u_Wo(); let Ho = u_Ho();
  let x = i % W; let r = i / W; let y = r % H; let p = r / H;
  let y0 = select(0u, (y + 1u - k + st - 1u) / st, y + 1u >= k);
  let y1 = min(y / st + 1u, Ho);
  let x0 = select(0u, (x + 1u - k + st - 1u) / st, x + 1u >= k);
  let x1 = min(x / st + 1u, Wo);
  var acc = 0.0;
  for (var oy = y0; oy < y1; oy++) {
    let row = u_off() + (p * Ho + oy) * Wo;
    for (var ox = x0; ox < x1; ox++) { acc += X[row + ox]; }
  }
  OUT[i] = acc * u_mul();`,
    },
    { k, st, H, W, Ho, Wo, mul: a.mul as number },
  );
});
