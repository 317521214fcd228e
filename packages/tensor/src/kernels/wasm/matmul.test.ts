import { describe, expect, it } from 'vitest';
import type { WasmBackend } from '../../backend/wasm/backend.js';
import { getBackend } from '../../init.js';
import { matmul } from '../../ops/nn.js';
import { tidy } from '../../scope.js';
import { type Tensor, tensor } from '../../tensor.js';
import { checkLeaks, expectClose, randomArray } from '../../testing/index.js';

// WASM matmul (packed SIMD kernels, worker threads) against the CPU reference, on a shape sweep.
checkLeaks('wasm');

type Build = (be: string) => Tensor;

async function compare(build: Build, label: string, tol = { atol: 1e-4, rtol: 1e-4 }): Promise<void> {
  const cpu = tidy(() => build('cpu'));
  const wasm = tidy(() => build('wasm'));
  expect(wasm.backend.name).toBe('wasm');
  expect(wasm.shape).toEqual(cpu.shape);
  expectClose(await wasm.data(), await cpu.data(), { ...tol, label });
  cpu.dispose();
  wasm.dispose();
}

const mk = (shape: number[], seed: number, be: string) =>
  tensor(
    randomArray(
      shape.reduce((p, d) => p * d, 1),
      seed,
    ),
    shape,
    { backend: be },
  );

describe('wasm matmul vs CPU reference', () => {
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [1, 7, 1],
    [3, 5, 7],
    [4, 8, 8],
    [5, 9, 17],
    [13, 1, 3],
    [33, 31, 65],
    [64, 64, 64],
    [70, 300, 41],
    [129, 257, 130],
  ];
  for (const [M, K, N] of shapes) {
    it(`${M}x${K} @ ${K}x${N}`, async () => {
      await compare((be) => matmul(mk([M, K], 1, be), mk([K, N], 2, be)), `${M}x${K}x${N}`);
    });
  }

  it('transposed views (A^T, B^T) are read in place', async () => {
    await compare(
      (be) => matmul(mk([19, 11], 3, be).transpose(0, 1), mk([23, 19], 4, be).transpose(0, 1)),
      'AtBt',
    );
    await compare((be) => matmul(mk([40, 72], 5, be), mk([33, 72], 6, be).transpose(0, 1)), 'ABt');
  });

  it('batched and batch-broadcast operands', async () => {
    await compare((be) => matmul(mk([3, 9, 13], 7, be), mk([3, 13, 10], 8, be)), 'batched');
    await compare((be) => matmul(mk([2, 3, 12, 16], 9, be), mk([16, 24], 10, be)), 'broadcast B');
    await compare((be) => matmul(mk([5, 6], 11, be), mk([4, 6, 9], 12, be)), 'broadcast A');
  });

  it('threaded batches (one job over all items): padded and direct, transposed, broadcast', async () => {
    // above the parallel threshold: every item is packed, then gemm_grouped runs them in one job
    await compare((be) => matmul(mk([4, 67, 70], 15, be), mk([4, 70, 66], 16, be)), 'padded batch');
    await compare((be) => matmul(mk([3, 64, 80], 17, be), mk([3, 80, 72], 18, be)), 'direct batch');
    await compare(
      (be) => matmul(mk([4, 70, 67], 19, be).transpose(1, 2), mk([4, 66, 70], 20, be).transpose(1, 2)),
      'transposed batch',
    );
    await compare((be) => matmul(mk([90, 64], 21, be), mk([5, 64, 70], 22, be)), 'broadcast A batch');
    await compare((be) => matmul(mk([5, 90, 64], 23, be), mk([1, 64, 70], 24, be)), 'broadcast B batch');
  });

  it('a threaded batch gives the same bits as its items one by one', async () => {
    const a = mk([4, 67, 70], 25, 'wasm');
    const b = mk([4, 70, 66], 26, 'wasm');
    const all = matmul(a, b);
    const got = await all.data();
    for (let z = 0; z < 4; z++) {
      const one = tidy(() =>
        matmul(a.slice(0, z, z + 1).reshape([67, 70]), b.slice(0, z, z + 1).reshape([70, 66])),
      );
      expect(Array.from(got.subarray(z * 67 * 66, (z + 1) * 67 * 66))).toEqual(Array.from(await one.data()));
      one.dispose();
    }
    for (const t of [a, b, all]) t.dispose();
  });

  it('zero-size and K = 0', async () => {
    await compare((be) => matmul(mk([0, 4], 1, be), mk([4, 3], 2, be)), 'M=0');
    await compare((be) => matmul(mk([3, 0], 1, be), mk([0, 5], 2, be)), 'K=0');
  });

  it('vectors', async () => {
    await compare((be) => matmul(mk([37], 1, be), mk([37, 11], 2, be)), 'vec @ mat');
    await compare((be) => matmul(mk([11, 37], 1, be), mk([37], 2, be)), 'mat @ vec');
  });

  it('a large product uses every thread and matches', async () => {
    const be = getBackend('wasm') as WasmBackend;
    await compare(
      (b) => matmul(mk([200, 160, 3], 13, b).reshape([200, 480]), mk([480, 136], 14, b)),
      'large',
      {
        atol: 1e-3,
        rtol: 1e-3,
      },
    );
    expect(be.info.threads).toBeGreaterThanOrEqual(1);
  });

  it('gradients match the CPU reference', async () => {
    const grads = async (be: string) => {
      const a = mk([6, 10], 21, be).requiresGrad_();
      const b = mk([10, 9], 22, be).requiresGrad_();
      tidy(() => matmul(a, b).square().sum().backward());
      const r = [await a.grad!.data(), await b.grad!.data()];
      for (const t of [a.grad!, b.grad!, a, b]) t.dispose();
      return r;
    };
    const [c, w] = [await grads('cpu'), await grads('wasm')];
    expectClose(w[0], c[0], { atol: 1e-4, label: 'dA' });
    expectClose(w[1], c[1], { atol: 1e-4, label: 'dB' });
  });
});
