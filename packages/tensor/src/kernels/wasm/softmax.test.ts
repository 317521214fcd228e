import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init } from '../../init.js';
import { logSoftmax, softmax } from '../../ops/nn.js';
import { tidy } from '../../scope.js';
import { type Tensor, tensor } from '../../tensor.js';
import { expectClose, liveTensors, randomArray } from '../../testing/index.js';

// WASM softmax (SIMD exp) against the CPU reference.
let before = 0;
beforeAll(async () => {
  await init({ backend: 'cpu' });
  await init({ backend: 'wasm' });
  before = liveTensors();
});
afterAll(() => {
  expect(liveTensors()).toBe(before);
});

async function compare(build: (be: string) => Tensor, label: string): Promise<void> {
  const cpu = tidy(() => build('cpu'));
  const wasm = tidy(() => build('wasm'));
  expect(wasm.backend.name).toBe('wasm');
  expectClose(await wasm.data(), await cpu.data(), { atol: 1e-6, rtol: 2e-6, label });
  cpu.dispose();
  wasm.dispose();
}

const mk = (shape: number[], seed: number, be: string, scale = 4) =>
  tensor(
    randomArray(
      shape.reduce((p, d) => p * d, 1),
      seed,
      -scale,
      scale,
    ),
    shape,
    { backend: be },
  );

describe('wasm softmax vs CPU reference', () => {
  for (const shape of [[1], [1, 1], [3, 5], [2, 4], [7, 33], [4, 3, 130], [0, 8], [64, 1000]]) {
    it(`[${shape}]`, async () => {
      await compare((be) => softmax(mk(shape, 1, be), -1), `softmax [${shape}]`);
    });
  }

  it('large logits, -inf masks and a fully masked row', async () => {
    const vals = [80, 81, -80, 0, 1e-3, -1e4, 60, 87, ...Array(9).fill(-Infinity), 5, 6];
    await compare((be) => softmax(tensor(vals, [1, vals.length], { backend: be }), -1), 'extremes');
    const masked = tidy(() => softmax(tensor([-Infinity, -Infinity], [1, 2], { backend: 'wasm' })));
    const data = Array.from(await masked.data());
    masked.dispose();
    expect(data.every(Number.isNaN)).toBe(true);
  });

  it('exp over its whole range stays within 2e-6 relative of Math.exp', async () => {
    // softmax over [x, -1e30] is exp(x - x) / 1 = 1; softmax([0, x]) gives exp(x) / (1 + exp(x))
    const xs = Array.from({ length: 400 }, (_, i) => -87 + (i * 87) / 400);
    const t = tensor(
      xs.flatMap((x) => [0, x]),
      [xs.length, 2],
      { backend: 'wasm' },
    );
    const y = softmax(t, -1);
    const d = await y.data();
    const want = xs.flatMap((x) => [1 / (1 + Math.exp(x)), Math.exp(x) / (1 + Math.exp(x))]);
    expectClose(d, want, { atol: 1e-30, rtol: 2e-6, label: 'exp range' });
    t.dispose();
    y.dispose();
  });

  it('backward of softmax and log-softmax (SIMD) matches, over widths around the vector width', async () => {
    for (const n of [1, 3, 4, 5, 33, 256]) {
      for (const f of [softmax, logSoftmax]) {
        const grad = async (be: string) => {
          const x = mk([3, n], 6, be).requiresGrad_();
          tidy(() =>
            f(x, -1)
              .mul(mk([3, n], 7, be))
              .sum()
              .backward(),
          );
          const g = await x.grad!.data();
          x.grad!.dispose();
          x.dispose();
          return g;
        };
        expectClose(await grad('wasm'), await grad('cpu'), {
          atol: 2e-6,
          rtol: 2e-5,
          label: `${f.name} n=${n}`,
        });
      }
    }
  });

  it('other axes, log-softmax (CPU reference on WASM memory) and gradients agree too', async () => {
    await compare((be) => softmax(mk([5, 6, 7], 2, be), 1), 'axis 1');
    await compare((be) => logSoftmax(mk([5, 37], 3, be), -1), 'log');
    const grad = async (be: string) => {
      const x = mk([4, 9], 4, be).requiresGrad_();
      tidy(() =>
        softmax(x, -1)
          .mul(mk([4, 9], 5, be))
          .sum()
          .backward(),
      );
      const g = await x.grad!.data();
      x.grad!.dispose();
      x.dispose();
      return g;
    };
    expectClose(await grad('wasm'), await grad('cpu'), { atol: 1e-6, label: 'grad' });
  });
});
