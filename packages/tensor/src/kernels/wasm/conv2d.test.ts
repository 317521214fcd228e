import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init } from '../../init.js';
import { type Conv2dOptions, conv2d } from '../../ops/conv.js';
import { tidy } from '../../scope.js';
import { type Tensor, tensor } from '../../tensor.js';
import { expectClose, liveTensors, randomArray } from '../../testing/index.js';

// WASM conv2d (im2col + packed SIMD matmul) against the CPU reference; adjoints through the fallback.
let before = 0;
beforeAll(async () => {
  await init({ backend: 'cpu' });
  await init({ backend: 'wasm' });
  before = liveTensors();
});
afterAll(() => {
  expect(liveTensors()).toBe(before);
});

const mk = (shape: number[], seed: number, be: string) =>
  tensor(
    randomArray(
      shape.reduce((p, d) => p * d, 1),
      seed,
    ),
    shape,
    { backend: be },
  );

async function compare(build: (be: string) => Tensor, label: string): Promise<void> {
  const cpu = tidy(() => build('cpu'));
  const wasm = tidy(() => build('wasm'));
  expect(wasm.backend.name).toBe('wasm');
  expect(wasm.shape).toEqual(cpu.shape);
  expectClose(await wasm.data(), await cpu.data(), { atol: 1e-4, rtol: 1e-4, label });
  cpu.dispose();
  wasm.dispose();
}

const cases: [string, number[], number[], boolean, Conv2dOptions][] = [
  ['1x1 pixel', [1, 1, 1, 1], [1, 1, 1, 1], false, {}],
  ['3x3 pad 1 + bias', [2, 3, 9, 7], [5, 3, 3, 3], true, { padding: 1 }],
  ['stride 2, 4x4', [1, 4, 13, 11], [8, 4, 4, 4], true, { stride: 2, padding: [1, 2] }],
  ['dilation 2', [1, 2, 10, 10], [3, 2, 3, 3], false, { dilation: 2, padding: 2 }],
  ['groups 2', [2, 6, 8, 8], [4, 3, 3, 3], true, { groups: 2, padding: 1 }],
  ['depthwise', [1, 4, 6, 5], [4, 1, 3, 3], false, { groups: 4 }],
  ['1x1 conv 32 -> 40', [2, 32, 12, 12], [40, 32, 1, 1], true, {}],
];

describe('wasm conv2d vs CPU reference', () => {
  for (const [name, xs, ws, hasBias, opts] of cases) {
    it(name, async () => {
      await compare(
        (be) => conv2d(mk(xs, 1, be), mk(ws, 2, be), hasBias ? mk([ws[0]], 3, be) : null, opts),
        name,
      );
    });
  }

  it('gradients match', async () => {
    const grads = async (be: string) => {
      const x = mk([2, 3, 7, 6], 4, be).requiresGrad_();
      const w = mk([4, 3, 3, 3], 5, be).requiresGrad_();
      tidy(() => conv2d(x, w, null, { padding: 1, stride: 2 }).square().sum().backward());
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
