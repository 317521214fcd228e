// Gather rows by index (index_select / embedding) and its adjoint, scatter-add into zeros.
// WGSL has no float atomics: scatter-add adds with a compare-exchange loop on the bits.

import { CHECK_BINDING, CHECK_FN, CHECK_UNIFORM } from '../../backend/webgpu/checks.js';
import { grid } from '../../backend/webgpu/wgsl.js';
import { empty, type Tensor } from '../../tensor.js';
import { indexOutOfRange } from '../range-errors.js';
import { type Attrs, registerKernel } from '../registry.js';
import { gpuOf, runFill, WG } from './elementwise-program.js';

function split(shape: readonly number[], axis: number) {
  const pre = shape.slice(0, axis).reduce((p, d) => p * d, 1);
  const post = shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  return { pre, n: shape[axis], post };
}

registerKernel('gather', 'webgpu', ([x, idx], a: Attrs) => {
  const axis = a.axis as number;
  const op = (a.op as string) ?? 'gather';
  const be = gpuOf([x, idx], op);
  const { pre, n, post } = split(x.shape, axis);
  const m = idx.size;
  const out = empty([...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)], x.dtype, 'webgpu');
  const size = pre * m * post;
  if (!m) return out;
  // An out-of-range id reads as 0 and raises the device check flag: the error (the same as on the CPU)
  // is thrown by the next read-back or sync (backend/webgpu/checks.ts). An empty result (pre or post 0)
  // still checks its ids: one invocation per id, writing nothing (`only`).
  const only = size === 0 ? 1 : 0;
  const signed = idx.dtype === 'i32';
  const check = be.checks.id(`gather:${op}:${n}:${axis}:${idx.dtype}`, (v, j) =>
    indexOutOfRange(op, signed ? v | 0 : v, j, n, axis),
  );
  be.run(
    {
      key: `gather:${x.dtype}:${idx.dtype}`,
      bindings: [
        { name: 'X', dtype: x.dtype, access: 'read' },
        { name: 'I', dtype: idx.dtype, access: 'read' },
        { name: 'OUT', dtype: x.dtype, access: 'read_write' },
        CHECK_BINDING,
      ],
      uniforms: [
        ...['size', 'n', 'm', 'post', 'xoff', 'ioff', 'only'].map((name) => ({ name, type: 'u32' as const })),
        CHECK_UNIFORM,
      ],
      workgroupSize: [WG, 1, 1],
      helpers: CHECK_FN,
      body: `  let i = wgIndex * ${WG}u + lidx;
  if (i >= u_size()) { return; }
  let post = u_post();
  let q = i % post;
  let j = (i / post) % u_m();
  let p = i / (post * u_m());
  let r = u32(I[u_ioff() + j]);
  if (r >= u_n()) {
    if (q == 0u) { fail(r, j); }
    if (u_only() == 0u) { OUT[i] = ${x.dtype}(0); }
    return;
  }
  if (u_only() != 0u) { return; }
  OUT[i] = X[u_xoff() + (p * u_n() + r) * post + q];`,
    },
    [
      x.storage.handle as GPUBuffer,
      idx.storage.handle as GPUBuffer,
      out.storage.handle as GPUBuffer,
      be.checks.buffer,
    ],
    only
      ? { size: m, n, m, post: 1, xoff: 0, ioff: idx.offset, check, only }
      : { size, n, m, post, xoff: x.offset, ioff: idx.offset, check, only },
    grid(Math.ceil((only ? m : size) / WG)),
  );
  return out;
});

registerKernel('scatterAdd', 'webgpu', ([idx, src], a: Attrs) => {
  const axis = a.axis as number;
  const shape = a.shape as number[];
  const be = gpuOf([idx, src], 'indexAdd');
  if (src.dtype !== 'f32')
    throw new TypeError(`indexAdd: only f32 sources are supported on WebGPU (got ${src.dtype})`);
  const out = runFill(shape, 0, 'f32');
  const { pre, n, post } = split(shape, axis);
  const m = idx.size;
  const size = pre * m * post;
  if (!size) return out;
  be.run(
    {
      key: `scatterAdd:f32:${idx.dtype}`,
      bindings: [
        { name: 'I', dtype: idx.dtype, access: 'read' },
        { name: 'S', dtype: 'f32', access: 'read' },
        { name: 'OUT', dtype: 'u32', access: 'read_write', elem: 'atomic<u32>' },
      ],
      uniforms: ['size', 'n', 'm', 'post', 'ioff', 'soff'].map((name) => ({ name, type: 'u32' as const })),
      workgroupSize: [WG, 1, 1],
      body: `  let i = wgIndex * ${WG}u + lidx;
  if (i >= u_size()) { return; }
  let post = u_post();
  let q = i % post;
  let j = (i / post) % u_m();
  let p = i / (post * u_m());
  let r = u32(I[u_ioff() + j]);
  if (r >= u_n()) { return; }
  let v = S[u_soff() + i];
  let at = (p * u_n() + r) * post + q;
  var old = atomicLoad(&OUT[at]);
  loop {
    let res = atomicCompareExchangeWeak(&OUT[at], old, bitcast<u32>(bitcast<f32>(old) + v));
    if (res.exchanged) { break; }
    old = res.old_value;
  }`,
    },
    [idx.storage.handle as GPUBuffer, src.storage.handle as GPUBuffer, out.storage.handle as GPUBuffer],
    { size, n, m, post, ioff: idx.offset, soff: src.offset },
    grid(Math.ceil(size / WG)),
  );
  return out;
});

export type { Tensor };
