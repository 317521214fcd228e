// A kernel shipped from outside the package: everything here comes from the public entry (index.ts), as
// another package (a fused MoE expert, say) would import it from '@unif2ace/tensor'.
import { describe, expect, it } from 'vitest';
import {
  defineKernel,
  dispatchProgram,
  empty,
  grid,
  listKernels,
  ops,
  type Program,
  registerGradient,
  type Tensor,
  tidy,
} from '../index.js';
import { checkLeaks, compareBackends, DEVICE, gradcheck, rand, useBackend } from '../testing/index.js';

checkLeaks();

type ScaleShiftAttrs = { scale: number; shift: number };

/** out = x * scale + shift, elementwise (f32, contiguous). */
const ScaleShift = defineKernel<ScaleShiftAttrs>({
  name: 'test.scaleShift',
  inputs: ['x'],
  output: ([x]) => {
    if (x.dtype !== 'f32' || !x.isContiguous()) throw new TypeError('test.scaleShift: needs contiguous f32');
    return { shape: [...x.shape], dtype: 'f32' };
  },
});

ScaleShift.implement('cpu', ([x], { scale, shift }, spec) => {
  const out = empty(spec.shape, spec.dtype, 'cpu');
  const a = x.storage.handle as Float32Array;
  const o = out.storage.handle as Float32Array;
  for (let i = 0; i < x.size; i++) o[i] = a[x.offset + i] * scale + shift;
  return out;
});

const program: Program = {
  key: 'test.scaleShift',
  bindings: [
    { name: 'X', dtype: 'f32', access: 'read' },
    { name: 'OUT', dtype: 'f32', access: 'read_write' },
  ],
  uniforms: [
    { name: 'n', type: 'u32' },
    { name: 'off', type: 'u32' },
    { name: 'scale', type: 'f32' },
    { name: 'shift', type: 'f32' },
  ],
  workgroupSize: [64, 1, 1],
  body: `  let i = wgIndex * 64u + lidx;
  if (i >= u_n()) { return; }
  OUT[i] = fma(X[u_off() + i], u_scale(), u_shift());`,
};

ScaleShift.implement('webgpu', ([x], { scale, shift }, spec) => {
  const out = empty(spec.shape, spec.dtype, 'webgpu');
  dispatchProgram(
    program,
    [x, out],
    { n: x.size, off: x.offset, scale, shift },
    grid(Math.ceil(x.size / 64)),
  );
  return out;
});

/** The op: run the kernel, record it for autograd. */
function scaleShift(x: Tensor, scale: number, shift: number): Tensor {
  const attrs = { scale, shift };
  return ops.record('test.scaleShift', ScaleShift.run([x], attrs), [x], [], attrs);
}
registerGradient('test.scaleShift', (g, node) => [g.mul(node.attrs.scale as number)]);

describe('a kernel declared and implemented through the public API', () => {
  it(`runs on ${DEVICE} like on the CPU (wasm: its CPU implementation on the WASM heap)`, async () => {
    await compareBackends(() => scaleShift(rand([3, 70], 5), 2.5, -1), { atol: 1e-6, rtol: 1e-6 });
    if (DEVICE === 'wasm') expect(listKernels('wasm')).toContain('wasm/test.scaleShift');
  });

  it('has its gradient (finite differences), and the declaration rejects bad inputs by name', async () => {
    await useBackend('cpu');
    await gradcheck((x) => scaleShift(x, 3, 0.5).square(), [{ shape: [4, 3] }]);
    await useBackend(DEVICE);
    const x = rand([2, 2], 1);
    expect(() => ScaleShift.run([x, x], { scale: 1, shift: 0 })).toThrow(
      /test.scaleShift: expects inputs \(x\)/,
    );
    expect(() => tidy(() => scaleShift(x.T, 1, 0))).toThrow(/needs contiguous f32/);
    x.dispose();
  });
});
