// One generated program for every elementwise op: n strided inputs, one contiguous output, an
// expression. Inputs that are contiguous in the output's shape are read directly (no index math).

import type { WebGpuBackend } from '../../backend/webgpu/backend.js';
import {
  grid,
  type Program,
  stridedIndexFn,
  type UniformField,
  viewUniforms,
} from '../../backend/webgpu/wgsl.js';
import type { DType } from '../../dtype.js';
import { engine } from '../../engine.js';
import { broadcastStrides, contiguousStrides, numel, sameShape } from '../../shape.js';
import { empty, type Tensor } from '../../tensor.js';
import { WGSL_MATH } from '../exprs.js';

export const WG = 256;
const VARS = ['a', 'b', 'c', 'd'];

export function gpuOf(ts: Tensor[], where: string): WebGpuBackend {
  const b = ts.length ? ts[0].backend : engine.backend('webgpu');
  for (const t of ts) {
    t.live(where);
    if (t.backend !== b)
      throw new Error(`${where}: inputs are on different backends (${b.name}, ${t.backend.name})`);
  }
  return b as WebGpuBackend;
}

/** The compute type an elementwise op uses for a dtype. */
export const computeType = (d: DType): 'f32' | 'i32' | 'u32' => (d === 'f16' || d === 'f32' ? 'f32' : d);

export function runMap(
  op: string,
  inputs: Tensor[],
  outShape: number[],
  outDtype: DType,
  expr: string,
  opts: { params?: number[]; computeIn?: ('f32' | 'i32' | 'u32')[] } = {},
): Tensor {
  const be = gpuOf(inputs, op);
  const out = empty(outShape, outDtype, 'webgpu');
  const size = numel(outShape);
  if (size === 0) return out;
  const rank = outShape.length;
  const uniforms: UniformField[] = [
    { name: 'size', type: 'u32' },
    { name: 'shape', type: 'u32', length: Math.max(1, rank) },
    { name: 'p0', type: 'f32' },
    { name: 'p1', type: 'f32' },
  ];
  const values: Record<string, number | number[]> = {
    size,
    shape: rank ? outShape : [1],
    p0: opts.params?.[0] ?? 0,
    p1: opts.params?.[1] ?? 0,
  };
  const helpers: string[] = [WGSL_MATH];
  const loads: string[] = [];
  const keyParts: string[] = [];
  inputs.forEach((t, k) => {
    const v = VARS[k];
    const direct = sameShape(t.shape, outShape) && t.isContiguous();
    uniforms.push(...viewUniforms(v, rank));
    values[`${v}_off`] = t.offset;
    values[`${v}_st`] = rank ? broadcastStrides(t.shape, t.strides, outShape) : [0];
    const ct = opts.computeIn?.[k] ?? computeType(t.dtype);
    const idx = direct ? `u_${v}_off() + i` : `idx_${v}(i)`;
    if (!direct) helpers.push(stridedIndexFn(`idx_${v}`, v, rank));
    loads.push(`  let ${v} = ${ct}(${v.toUpperCase()}[${idx}]);`);
    keyParts.push(`${t.dtype}${direct ? 'c' : 's'}`);
  });
  const program: Program = {
    key: `map:${op}:${expr}:r${rank}:${keyParts.join(',')}->${outDtype}`,
    bindings: [
      ...inputs.map((t, k) => ({ name: VARS[k].toUpperCase(), dtype: t.dtype, access: 'read' as const })),
      { name: 'OUT', dtype: outDtype, access: 'read_write' },
    ],
    uniforms,
    workgroupSize: [WG, 1, 1],
    helpers: helpers.join('\n'),
    body: `  let i = wgIndex * ${WG}u + lidx;
  if (i >= u_size()) { return; }
${loads.join('\n')}
  OUT[i] = ${outDtype}(${expr});`,
  };
  be.run(
    program,
    [...inputs.map((t) => t.storage.handle as GPUBuffer), out.storage.handle as GPUBuffer],
    values,
    grid(Math.ceil(size / WG)),
  );
  return out;
}

/** dst (any strided view) <- src (broadcast to dst's shape), in place in dst's storage. */
export function runAssign(dst: Tensor, src: Tensor): void {
  const be = gpuOf([dst, src], 'assign');
  const size = dst.size;
  if (size === 0) return;
  const rank = dst.rank;
  const program: Program = {
    key: `assign:r${rank}:${src.dtype}->${dst.dtype}`,
    bindings: [
      { name: 'A', dtype: src.dtype, access: 'read' },
      { name: 'OUT', dtype: dst.dtype, access: 'read_write' },
    ],
    uniforms: [
      { name: 'size', type: 'u32' },
      { name: 'shape', type: 'u32', length: Math.max(1, rank) },
      ...viewUniforms('a', rank),
      ...viewUniforms('o', rank),
    ],
    workgroupSize: [WG, 1, 1],
    helpers: `${stridedIndexFn('idx_a', 'a', rank)}\n${stridedIndexFn('idx_o', 'o', rank)}`,
    body: `  let i = wgIndex * ${WG}u + lidx;
  if (i >= u_size()) { return; }
  OUT[idx_o(i)] = ${dst.dtype}(A[idx_a(i)]);`,
  };
  be.run(
    program,
    [src.storage.handle as GPUBuffer, dst.storage.handle as GPUBuffer],
    {
      size,
      shape: rank ? dst.shape : [1],
      a_off: src.offset,
      a_st: rank ? broadcastStrides(src.shape, src.strides, dst.shape) : [0],
      o_off: dst.offset,
      o_st: rank ? dst.strides : [0],
    },
    grid(Math.ceil(size / WG)),
  );
}

export function runFill(shape: number[], value: number, dtype: DType): Tensor {
  const be = engine.backend('webgpu') as WebGpuBackend;
  const out = empty(shape, dtype, 'webgpu');
  const size = numel(shape);
  if (!size) return out;
  const ut = computeType(dtype);
  const program: Program = {
    key: `fill:${dtype}`,
    bindings: [{ name: 'OUT', dtype, access: 'read_write' }],
    uniforms: [
      { name: 'size', type: 'u32' },
      { name: 'v', type: ut },
    ],
    workgroupSize: [WG, 1, 1],
    body: `  let i = wgIndex * ${WG}u + lidx;
  if (i < u_size()) { OUT[i] = ${dtype}(u_v()); }`,
  };
  be.run(program, [out.storage.handle as GPUBuffer], { size, v: value }, grid(Math.ceil(size / WG)));
  return out;
}

export { contiguousStrides };
