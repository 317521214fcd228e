import { describe, expect, it } from 'vitest';
import { convGeom } from '../../backend/cpu/conv.js';
import { kernel } from '../../dispatch.js';
import { type Conv2dOptions, conv2d } from '../../ops/conv.js';
import { tidy } from '../../scope.js';
import { type Tensor, tensor } from '../../tensor.js';
import { checkLeaks, expectClose, randomArray } from '../../testing/index.js';
import { getKernel } from '../registry.js';
import { CONV_WASM_KERNELS } from './conv2d.js';

// WASM conv2d and both adjoints (im2col / col2im in conv2d.wat around the SIMD matmul) against the CPU
// reference, kernel by kernel, on a sweep of strides, paddings, dilations, groups and empty sizes.
checkLeaks('wasm');

const mk = (shape: number[], seed: number, be: string) =>
  tensor(
    randomArray(
      shape.reduce((p, d) => p * d, 1),
      seed,
    ),
    shape,
    { backend: be },
  );

async function same(cpu: Tensor, wasm: Tensor, label: string, tol: number): Promise<void> {
  expect(wasm.backend.name).toBe('wasm');
  expect(wasm.shape, label).toEqual(cpu.shape);
  expectClose(await wasm.data(), await cpu.data(), { atol: tol, rtol: tol, label });
  cpu.dispose();
  wasm.dispose();
}

interface Case {
  x: number[];
  w: number[];
  bias?: boolean;
  stride?: [number, number];
  padding?: [number, number];
  dilation?: [number, number];
  groups?: number;
}

const cases: Case[] = [
  { x: [1, 1, 1, 1], w: [1, 1, 1, 1] },
  { x: [2, 3, 9, 7], w: [5, 3, 3, 3], bias: true, padding: [1, 1] },
  { x: [1, 4, 13, 11], w: [8, 4, 4, 4], bias: true, stride: [2, 2], padding: [1, 2] },
  { x: [1, 2, 10, 10], w: [3, 2, 3, 3], dilation: [2, 2], padding: [2, 2] },
  { x: [1, 3, 9, 10], w: [4, 3, 3, 3], stride: [2, 2], padding: [1, 1], dilation: [2, 2] },
  { x: [2, 6, 8, 8], w: [4, 3, 3, 3], bias: true, groups: 2, padding: [1, 1] },
  { x: [2, 6, 9, 7], w: [4, 3, 3, 3], stride: [2, 2], padding: [1, 1], groups: 2 },
  { x: [1, 4, 6, 5], w: [4, 1, 3, 3], groups: 4 },
  { x: [1, 6, 8, 9], w: [12, 1, 3, 3], stride: [2, 2], padding: [1, 1], groups: 6 },
  { x: [2, 32, 12, 12], w: [40, 32, 1, 1], bias: true },
  { x: [1, 4, 6, 13], w: [9, 4, 3, 1], stride: [1, 2], padding: [1, 0] },
  { x: [1, 7, 5, 6], w: [3, 7, 1, 5], stride: [3, 3], padding: [2, 2] },
  { x: [1, 3, 5, 5], w: [2, 3, 5, 5], padding: [3, 1], stride: [3, 1] },
  { x: [3, 16, 16, 16], w: [16, 16, 3, 3], bias: true, padding: [1, 1] },
  // empty: no images, no input channels, no output channels
  { x: [0, 3, 5, 5], w: [4, 3, 3, 3] },
  { x: [2, 0, 5, 5], w: [4, 0, 3, 3] },
  { x: [2, 0, 5, 5], w: [4, 0, 3, 3], bias: true, padding: [1, 1] },
  { x: [2, 3, 5, 5], w: [0, 3, 3, 3], padding: [1, 1] },
];

const attrsOf = (c: Case) => ({
  stride: c.stride ?? [1, 1],
  padding: c.padding ?? [0, 0],
  dilation: c.dilation ?? [1, 1],
  groups: c.groups ?? 1,
});
const label = (c: Case) => `x ${c.x} w ${c.w} ${JSON.stringify(attrsOf(c))}`;

describe('wasm conv2d family vs CPU reference', () => {
  it('the registered wasm kernels are these (no CPU fallback)', () => {
    for (const name of ['conv2d', 'conv2dBackwardInput', 'conv2dBackwardFilter'])
      expect(getKernel(name, 'wasm'), name).toBe(CONV_WASM_KERNELS.get(name));
  });

  for (const c of cases) {
    it(label(c), async () => {
      const a = attrsOf(c);
      const g = convGeom(c.x, c.w, a);
      const gyShape = [g.N, g.O, g.Ho, g.Wo];
      const tol = 2e-5 * Math.max(1, Math.sqrt(g.Cg * g.KH * g.KW * g.Og));
      const fwd = (be: string) =>
        tidy(() =>
          kernel('conv2d', [mk(c.x, 1, be), mk(c.w, 2, be), ...(c.bias ? [mk([c.w[0]], 3, be)] : [])], a),
        );
      await same(fwd('cpu'), fwd('wasm'), `${label(c)} forward`, tol);
      const dx = (be: string) =>
        tidy(() =>
          kernel('conv2dBackwardInput', [mk(gyShape, 4, be), mk(c.w, 2, be)], { ...a, inShape: c.x }),
        );
      await same(dx('cpu'), dx('wasm'), `${label(c)} dx`, tol);
      const dw = (be: string) =>
        tidy(() =>
          kernel('conv2dBackwardFilter', [mk(c.x, 1, be), mk(gyShape, 4, be)], { ...a, wShape: c.w }),
        );
      await same(dw('cpu'), dw('wasm'), `${label(c)} dw`, tol * Math.sqrt(Math.max(1, g.N * g.Ho * g.Wo)));
    });
  }

  it('inputs at a storage offset', async () => {
    const run = (be: string) =>
      tidy(() => {
        const xs = mk([2 * 3 * 7 * 6 + 5], 8, be)
          .slice(0, 5)
          .reshape([2, 3, 7, 6]);
        expect(xs.offset).toBe(5);
        const w = mk([4, 3, 3, 3], 9, be);
        return [
          kernel('conv2d', [xs, w], attrsOf({ x: [], w: [], padding: [1, 1] })),
          kernel('conv2dBackwardFilter', [xs, mk([2, 4, 7, 6], 10, be)], {
            ...attrsOf({ x: [], w: [], padding: [1, 1] }),
            wShape: [4, 3, 3, 3],
          }),
          kernel(
            'conv2dBackwardInput',
            [
              mk([2 * 4 * 7 * 6 + 3], 10, be)
                .slice(0, 3)
                .reshape([2, 4, 7, 6]),
              w,
            ],
            {
              ...attrsOf({ x: [], w: [], padding: [1, 1] }),
              inShape: [2, 3, 7, 6],
            },
          ),
        ];
      });
    const [c, w] = [run('cpu'), run('wasm')];
    for (let i = 0; i < c.length; i++) await same(c[i], w[i], `offset ${i}`, 1e-4);
  });

  it('large enough to use the worker threads (N=2, 16 -> 24, 20x20, stride 1)', async () => {
    const a = attrsOf({ x: [], w: [], padding: [1, 1] });
    const run = (be: string) =>
      tidy(() => {
        const x = mk([2, 16, 20, 20], 11, be);
        const w = mk([24, 16, 3, 3], 12, be);
        const gy = mk([2, 24, 20, 20], 13, be);
        return [
          kernel('conv2d', [x, w], a),
          kernel('conv2dBackwardInput', [gy, w], { ...a, inShape: x.shape }),
          kernel('conv2dBackwardFilter', [x, gy], { ...a, wShape: w.shape }),
        ];
      });
    const [c, w] = [run('cpu'), run('wasm')];
    await same(c[0], w[0], 'y', 2e-4);
    await same(c[1], w[1], 'dx', 2e-4);
    await same(c[2], w[2], 'dw', 2e-3);
  });

  it('gradients through the op match', async () => {
    const opts: Conv2dOptions = { padding: 1, stride: 2, groups: 1 };
    const grads = async (be: string) => {
      const x = mk([2, 3, 7, 6], 4, be).requiresGrad_();
      const w = mk([4, 3, 3, 3], 5, be).requiresGrad_();
      tidy(() => conv2d(x, w, null, opts).square().sum().backward());
      const r = [await x.grad!.data(), await w.grad!.data()];
      for (const t of [x, w]) {
        t.grad!.dispose();
        t.dispose();
      }
      return r;
    };
    const [c, w] = [await grads('cpu'), await grads('wasm')];
    expectClose(w[0], c[0], { atol: 1e-4, rtol: 1e-4, label: 'dx' });
    expectClose(w[1], c[1], { atol: 1e-4, rtol: 1e-4, label: 'dw' });
  });
});
