import { describe, expect, it } from 'vitest';
import { getBackend } from './init.js';
import { keep, memoryStats, scope, tidy } from './scope.js';
import { empty, tensor } from './tensor.js';
import { DEVICE, liveTensors, rand, useBackend } from './testing/index.js';

describe('memory', () => {
  it('200 forward+backward steps of a small MLP keep live tensors and bytes flat', async () => {
    await useBackend(DEVICE);
    const w1 = keep(rand([16, 32], 1, { requiresGrad: true }).mul(0.3).detach().requiresGrad_());
    const w2 = keep(rand([32, 1], 2).mul(0.3).detach().requiresGrad_());
    const x = keep(rand([64, 16], 3));
    const y = keep(rand([64, 1], 4));
    const samples: { live: number; bytes: number }[] = [];
    let first = 0;
    let last = 0;
    for (let step = 0; step < 200; step++) {
      const loss = await scope(async () => {
        const h = x.matmul(w1).gelu();
        const l = h.matmul(w2).sub(y).square().mean();
        l.backward();
        // Plain SGD, in place.
        tidy(() => {
          for (const w of [w1, w2]) {
            w.copy_(w.detach().sub(w.grad!.mul(0.05)));
            w.grad!.dispose();
            w.grad = null;
          }
        });
        return l.item();
      });
      if (step === 0) first = loss;
      last = loss;
      if (step % 20 === 19) {
        const m = memoryStats();
        samples.push({ live: m.liveTensors, bytes: m.bytesInUse });
      }
    }
    expect(last).toBeLessThan(first * 0.8);
    // After warm-up, nothing grows: the same live tensors and the same bytes in use at every sample.
    for (const s of samples.slice(1)) expect(s).toEqual(samples[1]);
    for (const t of [w1, w2, x, y]) t.dispose();
  });

  it('scopes free intermediates, keep what is returned, and report stats', async () => {
    await useBackend(DEVICE);
    const before = liveTensors();
    const a = rand([4, 4], 1);
    const kept = tidy(() => {
      const b = a.exp().add(1);
      const c = b.mul(b);
      return { c, list: [c.sum()] };
    });
    expect(liveTensors()).toBe(before + 3);
    kept.c.dispose();
    kept.list[0].dispose();
    a.dispose();
    expect(liveTensors()).toBe(before);
    const s = memoryStats();
    expect(s.bytesAllocated).toBeGreaterThanOrEqual(s.bytesInUse);
    expect(() => tidy(async () => 1 as unknown as never)).toThrow(/async function/);
  });

  it('an allocation over the binding limit names the op, the shape and the limit', async () => {
    if (DEVICE === 'wasm') {
      await useBackend('wasm');
      // wasm32 memories stop at 2 GiB
      expect(() => empty([2 ** 29 + 1], 'f32')).toThrow(
        /wasm backend: out of memory allocating 2147483652 bytes/,
      );
      return;
    }
    await useBackend('webgpu');
    const limit = (getBackend() as unknown as { maxBinding: number }).maxBinding;
    const n = Math.floor(limit / 4) + 1024;
    expect(() => empty([n], 'f32')).toThrow(
      new RegExp(`${n} × f32 = ${n * 4} bytes exceeds .*maxStorageBufferBindingSize \\(${limit} bytes\\)`),
    );
    expect(() => tensor([1, 2, 3], [2, 2])).toThrow(/3 values do not fill shape \[2, 2\]/);
  });
});
