import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init } from '../../init.js';
import { layerNorm, rmsNorm } from '../../ops/norm.js';
import { tidy } from '../../scope.js';
import { type Tensor, tensor } from '../../tensor.js';
import { expectClose, liveTensors, randomArray } from '../../testing/index.js';

// WASM layer norm / RMS norm forward (SIMD) against the CPU reference; backward through the fallback.
let before = 0;
beforeAll(async () => {
  await init({ backend: 'cpu' });
  await init({ backend: 'wasm' });
  before = liveTensors();
});
afterAll(() => {
  expect(liveTensors()).toBe(before);
});

const mk = (shape: number[], seed: number, be: string, lo = -2, hi = 3) =>
  tensor(
    randomArray(
      shape.reduce((p, d) => p * d, 1),
      seed,
      lo,
      hi,
    ),
    shape,
    { backend: be },
  );

async function compare(build: (be: string) => Tensor, label: string): Promise<void> {
  const cpu = tidy(() => build('cpu'));
  const wasm = tidy(() => build('wasm'));
  expect(wasm.backend.name).toBe('wasm');
  expectClose(await wasm.data(), await cpu.data(), { atol: 2e-5, rtol: 1e-4, label });
  cpu.dispose();
  wasm.dispose();
}

describe('wasm layer norm vs CPU reference', () => {
  for (const shape of [[1], [2, 3], [4, 8], [3, 7, 33], [0, 16], [16, 1024]]) {
    const n = shape[shape.length - 1];
    it(`[${shape}]: plain, weight, weight + bias, rms`, async () => {
      await compare((be) => layerNorm(mk(shape, 1, be)), `ln [${shape}]`);
      await compare((be) => layerNorm(mk(shape, 1, be), mk([n], 2, be)), `ln w [${shape}]`);
      await compare(
        (be) => layerNorm(mk(shape, 1, be), mk([n], 2, be), mk([n], 3, be), 1e-3),
        `ln wb [${shape}]`,
      );
      await compare((be) => rmsNorm(mk(shape, 1, be), mk([n], 2, be)), `rms [${shape}]`);
    });
  }

  it('non-contiguous input and gradients match', async () => {
    await compare((be) => layerNorm(mk([9, 6], 4, be).transpose(0, 1)), 'transposed');
    const grads = async (be: string) => {
      const x = mk([5, 12], 5, be).requiresGrad_();
      const w = mk([12], 6, be).requiresGrad_();
      const b = mk([12], 7, be).requiresGrad_();
      tidy(() =>
        layerNorm(x, w, b)
          .mul(mk([5, 12], 8, be))
          .sum()
          .backward(),
      );
      const r = [await x.grad!.data(), await w.grad!.data(), await b.grad!.data()];
      for (const t of [x, w, b]) {
        t.grad!.dispose();
        t.dispose();
      }
      return r;
    };
    const [c, w] = [await grads('cpu'), await grads('wasm')];
    for (let i = 0; i < 3; i++) expectClose(w[i], c[i], { atol: 2e-5, rtol: 1e-4, label: `grad ${i}` });
  });
});
