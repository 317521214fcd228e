import { describe, expect, it } from 'vitest';
import { kernel } from '../../dispatch.js';
import { avgPool2d, upsampleNearest } from '../../ops/conv.js';
import { tidy } from '../../scope.js';
import { type Tensor, tensor } from '../../tensor.js';
import { checkLeaks, randomArray } from '../../testing/index.js';
import { getKernel } from '../registry.js';
import { POOL_WASM_KERNELS } from './pooling.js';

// WASM average pooling (+ adjoint) and nearest upsampling against the CPU reference: the WASM kernels do
// the reference's f64 arithmetic in the same order, so the results must be bit-identical.
checkLeaks('wasm');

const mk = (shape: number[], seed: number, be: string, extra = 0) => {
  const n = shape.reduce((p, d) => p * d, 1);
  const t = tensor(randomArray(n + extra, seed, -3, 3), [n + extra], { backend: be });
  // extra > 0: a view that starts at a storage offset
  return t.slice(0, extra).reshape(shape);
};

async function identical(build: (be: string) => Tensor, label: string): Promise<void> {
  const c = tidy(() => build('cpu'));
  const w = tidy(() => build('wasm'));
  expect(w.backend.name).toBe('wasm');
  expect(w.shape, label).toEqual(c.shape);
  const [dc, dw] = [(await c.data()) as Float32Array, (await w.data()) as Float32Array];
  const bc = new Uint32Array(dc.buffer, dc.byteOffset, dc.length);
  const bw = new Uint32Array(dw.buffer, dw.byteOffset, dw.length);
  let bad = -1;
  for (let i = 0; i < bc.length && bad < 0; i++) if (bc[i] !== bw[i]) bad = i;
  expect(bad, `${label}: first differing element ${bad} (${dw[bad]} vs ${dc[bad]})`).toBe(-1);
  c.dispose();
  w.dispose();
}

// [N, C, H, W], k, stride
const POOLS: [number[], number, number][] = [
  [[1, 1, 1, 1], 1, 1],
  [[2, 3, 8, 8], 2, 2],
  [[1, 2, 9, 7], 3, 3],
  [[2, 3, 9, 11], 3, 2], // overlapping windows
  [[1, 1, 5, 6], 2, 1],
  [[1, 4, 7, 7], 7, 1],
  [[1, 2, 10, 9], 3, 4], // gaps between windows
  [[0, 3, 4, 4], 2, 2],
  [[3, 0, 4, 4], 2, 2],
  [[4, 16, 64, 64], 2, 2], // threads
  [[2, 8, 65, 63], 3, 2], // threads, overlapping
];

describe('wasm pooling and upsampling vs CPU reference (bit-exact)', () => {
  it('the registered wasm kernels are these (no CPU fallback)', () => {
    for (const name of ['avgPool2d', 'avgPool2dBackward', 'upsampleNearest'])
      expect(getKernel(name, 'wasm'), name).toBe(POOL_WASM_KERNELS.get(name));
  });

  for (const [shape, k, st] of POOLS) {
    it(`avgPool2d ${shape} k${k} s${st} and its adjoint`, async () => {
      const [N, C, H, W] = shape;
      const Ho = Math.floor((H - k) / st) + 1;
      const Wo = Math.floor((W - k) / st) + 1;
      for (const mul of [1 / (k * k), 1]) {
        const attrs = { kernel: k, stride: st, mul };
        await identical((be) => kernel('avgPool2d', [mk(shape, 1, be, 3)], attrs), `forward mul ${mul}`);
        await identical(
          (be) => kernel('avgPool2dBackward', [mk([N, C, Ho, Wo], 2, be, 5)], { ...attrs, inShape: shape }),
          `backward mul ${mul}`,
        );
      }
    });
  }

  for (const [shape, s] of [
    [[1, 1, 1, 1], 1],
    [[2, 3, 5, 7], 2],
    [[1, 2, 3, 4], 3],
    [[1, 1, 2, 3], 4],
    [[1, 1, 3, 2], 5],
    [[2, 3, 4, 4], 9],
    [[0, 2, 3, 3], 2],
    [[4, 16, 48, 40], 2], // threads
  ] as [number[], number][]) {
    it(`upsampleNearest ${shape} x${s}`, async () => {
      await identical((be) => kernel('upsampleNearest', [mk(shape, 3, be, 2)], { scale: s }), 'forward');
    });
  }

  it('gradients through the ops match', async () => {
    const grads = async (be: string) => {
      const x = tidy(() => mk([2, 3, 8, 6], 4, be).contiguous()).requiresGrad_();
      tidy(() =>
        upsampleNearest(avgPool2d(x, 3, 2), 3)
          .square()
          .sum()
          .backward(),
      );
      const r = x.grad!;
      x.dispose();
      return r;
    };
    const [c, w] = [await grads('cpu'), await grads('wasm')];
    expect(Array.from((await w.data()) as Float32Array)).toEqual(
      Array.from((await c.data()) as Float32Array),
    );
    c.dispose();
    w.dispose();
  });
});
