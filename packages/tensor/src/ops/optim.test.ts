import { describe, expect, it } from 'vitest';
import golden from '../fixtures/adamw.json';
import { type Tensor, tensor } from '../tensor.js';
import {
  BACKENDS,
  checkLeaks,
  DEVICE,
  deviceHasF16,
  expectClose,
  randomArray,
  useBackend,
} from '../testing/index.js';
import { slice } from './movement.js';
import { adamwStep } from './optim.js';

checkLeaks();

const dispose = (...ts: (Tensor | null)[][]) => {
  for (const list of ts) for (const t of list) t?.dispose();
};

describe('adamwStep vs torch.optim.AdamW (tools/golden/adamw.py)', () => {
  for (const be of BACKENDS) {
    for (const c of golden.cases) {
      it(`${c.name} on ${be}`, async () => {
        await useBackend(be);
        const params = c.init.map((d, i) => tensor(d, c.shapes[i]));
        const m = c.shapes.map((s) => tensor(new Float32Array(s.reduce((p, d) => p * d, 1)), s));
        const v = c.shapes.map((s) => tensor(new Float32Array(s.reduce((p, d) => p * d, 1)), s));
        for (let k = 0; k < c.steps.length; k++) {
          const st = c.steps[k];
          const grads = st.grads.map((d, i) => tensor(d, c.shapes[i]));
          adamwStep(params, grads, m, v, { ...c, step: k + 1 });
          for (let i = 0; i < params.length; i++) {
            const label = `${c.name} step ${k + 1} tensor ${i}`;
            expectClose(await params[i].data(), st.params[i], {
              atol: 1e-6,
              rtol: 1e-5,
              label: `${label} param`,
            });
            expectClose(await m[i].data(), st.m[i], { atol: 1e-7, rtol: 1e-5, label: `${label} m` });
            expectClose(await v[i].data(), st.v[i], { atol: 1e-12, rtol: 1e-5, label: `${label} v` });
          }
          dispose(grads);
        }
        dispose(params, m, v);
      });
    }
  }
});

describe(`adamwStep: ${DEVICE} = CPU reference`, () => {
  /** Runs `steps` updates on `be` of tensors that are slices of bigger buffers (non-zero offsets). */
  async function run(be: 'cpu' | typeof DEVICE, gradDtype: 'f32' | 'f16', sizes: number[], steps: number) {
    await useBackend(be);
    const make = (n: number, seed: number, lo = -1, hi = 1) => {
      const base = tensor(randomArray(n + 3, seed, lo, hi), [n + 3]);
      const view = slice(base, 0, 2, n + 2);
      base.dispose(); // the view keeps the storage
      return view;
    };
    const params = sizes.map((n, i) => make(n, 10 + i));
    const m = sizes.map((n) => make(n, 0, 0, 0));
    const v = sizes.map((n) => make(n, 0, 0, 0));
    for (let k = 1; k <= steps; k++) {
      // Parameter 1 gets no gradient: it is skipped.
      const grads = sizes.map((n, i) =>
        i === 1 ? null : tensor(randomArray(n, 100 * k + i, -2, 2), [n], { dtype: gradDtype }),
      );
      adamwStep(params, grads, m, v, { lr: 0.01, beta1: 0.9, beta2: 0.95, weightDecay: 0.1, step: k });
      dispose(grads);
    }
    const out = await Promise.all([...params, ...m, ...v].map((t) => t.data()));
    dispose(params, m, v);
    return out;
  }

  const hasF16 = async () => {
    await useBackend(DEVICE);
    return deviceHasF16();
  };

  for (const dt of ['f32', 'f16'] as const) {
    it(`${dt} grads, sizes 1, 257, 5000, 3 steps, views with offsets`, async () => {
      // Without shader-f16 (SwiftShader), f16 tensors must be refused with a clear error instead.
      if (dt === 'f16' && !(await hasF16())) {
        expect(() => tensor([1], [1], { dtype: 'f16', backend: 'webgpu' })).toThrow(
          /needs the adapter feature shader-f16/,
        );
        return;
      }
      const sizes = [1, 257, 5000];
      const cpu = await run('cpu', dt, sizes, 3);
      const device = await run(DEVICE, dt, sizes, 3);
      for (const [i, c] of cpu.entries())
        expectClose(device[i], c, { atol: 1e-6, rtol: 1e-5, label: `tensor ${i}` });
      // The skipped parameter kept its initial values and zero moments.
      expectClose(device[1], randomArray(260, 11).slice(2, 259), {
        atol: 0,
        rtol: 0,
        label: 'skipped param',
      });
      expect(Math.max(...device[4])).toBe(0);
    });
  }

  it('validates its inputs, naming the tensor', async () => {
    await useBackend(DEVICE);
    const p = tensor([1, 2, 3, 4], [2, 2]);
    const g = tensor([1, 2, 3, 4], [2, 2]);
    const z = tensor([0, 0, 0, 0], [2, 2]);
    const small = tensor([0, 0], [2]);
    const opts = { lr: 0.1, step: 1 };
    expect(() => adamwStep([p], [g], [z], [z], opts)).toThrow(/adamwStep: v 0 shares storage with m 0/);
    const z2 = tensor([0, 0, 0, 0], [2, 2]);
    expect(() => adamwStep([p], [g], [small], [z2], opts)).toThrow(
      /adamwStep: m 0 has shape \[2\], param \[2, 2\]/,
    );
    const gt = g.T;
    expect(() => adamwStep([p], [gt], [z], [z2], opts)).toThrow(
      /adamwStep: grad 0 \[2, 2\] must be contiguous/,
    );
    expect(() => adamwStep([p], [g], [z], [z2], { lr: 0.1, step: 0 })).toThrow(/adamwStep: step/);
    expect(() => adamwStep([p], [g, g], [z], [z2], opts)).toThrow(/adamwStep: 1 params but 2 grads/);
    dispose([p, g, gt, z, z2, small]);
  });
});
