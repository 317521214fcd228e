// Matmul and linear: every kernel variant against the CPU reference over a shape/layout sweep, f16,
// epilogues, linear's gradients (finite differences on CPU, GPU = CPU), and PyTorch golden values.
import { afterEach, describe, expect, it } from 'vitest';
import golden from '../fixtures/matmul.json';
import { matmulTuning, pickVariant } from '../kernels/webgpu/matmul.js';
import { BASE_VARIANT, type MatmulVariant } from '../programs/matmul-regblock.js';
import { tidy } from '../scope.js';
import { type Tensor, tensor } from '../tensor.js';
import {
  BACKENDS,
  checkLeaks,
  compareBackends,
  DEVICE,
  deviceHasF16,
  expectClose,
  gradcheck,
  rand,
  useBackend,
} from '../testing/index.js';
import { cast } from './elementwise.js';
import { contiguous, slice, transpose } from './movement.js';
import { type LinearActivation, linear, matmul, matmulRaw } from './nn.js';

checkLeaks();
afterEach(() => {
  matmulTuning.force = null;
  matmulTuning.pack = null;
});

/** A view with the same values as `t` but stored transposed (strides swapped in the last two dims). */
const storedT = (t: Tensor) => transpose(contiguous(transpose(t, -2, -1)), -2, -1);

type Layout = 'nn' | 'tn' | 'nt' | 'tt' | 'offset';
function operands(
  m: number,
  k: number,
  n: number,
  layout: Layout,
  batchA: number[] = [],
  batchB: number[] = [],
) {
  let a = rand([...batchA, m, k], 3);
  let b = rand([...batchB, k, n], 4);
  if (layout === 'tn' || layout === 'tt') a = storedT(a);
  if (layout === 'nt' || layout === 'tt') b = storedT(b);
  if (layout === 'offset') {
    // Views at odd offsets: rows 1.. of a taller matrix, columns 3.. of a wider one.
    a = slice(rand([...batchA, m + 1, k], 3), -2, 1, m + 1);
    b = slice(rand([...batchB, k, n + 3], 4), -1, 3, n + 3);
  }
  return { a, b };
}

// Tuning modes: the layout-based choice, forced packing of A, and the plain scalar 8×8 block.
const MODES: { name: string; force: MatmulVariant | null; pack: boolean | null }[] = [
  { name: 'auto', force: null, pack: null },
  { name: 'packed A', force: null, pack: true },
  { name: 'scalar 8×8', force: BASE_VARIANT, pack: false },
];

describe('matmul: device = CPU reference', () => {
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [3, 5, 7],
    [8, 8, 8],
    [4, 12, 8],
    [9, 17, 13],
    [65, 33, 70],
    [64, 64, 64],
    [20, 7, 132],
  ];
  // the WGSL variants are WebGPU's; the wasm backend has one kernel
  for (const mode of DEVICE === 'webgpu' ? MODES : MODES.slice(0, 1)) {
    for (const [m, k, n] of shapes) {
      for (const layout of ['nn', 'tn', 'nt', 'tt', 'offset'] as Layout[]) {
        it(`${mode.name}: [${m}, ${k}] @ [${k}, ${n}] (${layout})`, async () => {
          await compareBackends(
            () => {
              matmulTuning.force = mode.force;
              matmulTuning.pack = mode.pack;
              const { a, b } = operands(m, k, n, layout);
              return matmul(a, b);
            },
            { atol: 1e-4, rtol: 1e-4, label: `${mode.name} ${layout}` },
          );
        });
      }
    }
  }
  it('batched with broadcast batch dims, both operand layouts', async () => {
    for (const mode of DEVICE === 'webgpu' ? MODES : MODES.slice(0, 1)) {
      await compareBackends(
        () => {
          matmulTuning.force = mode.force;
          matmulTuning.pack = mode.pack;
          const x = operands(12, 9, 16, 'nn', [2, 3], []);
          const y = operands(8, 12, 20, 'tn', [2, 1], [1, 3]);
          const z = operands(5, 4, 4, 'nt', [3], [3]);
          return [matmul(x.a, x.b), matmul(y.a, y.b), matmul(z.a, z.b)];
        },
        { atol: 1e-4, rtol: 1e-4, label: mode.name },
      );
    }
  });
  it('vector operands and empty products', async () => {
    await compareBackends(() => [
      matmul(rand([5], 1), rand([5, 3], 2)),
      matmul(rand([4, 5], 1), rand([5], 2)),
      matmul(rand([0, 5], 1), rand([5, 3], 2)),
      matmul(rand([2, 0], 1), rand([0, 3], 2)),
    ]);
  });
  // a WGSL variant choice: nothing to pick on wasm
  if (DEVICE === 'webgpu')
    it('picks vector loads only where the layout allows them', () => {
      tidy(() => {
        const a = rand([8, 12], 1);
        const b = rand([12, 16], 2);
        const at = transpose(rand([12, 8], 1), 0, 1);
        const bOdd = slice(rand([12, 17], 2), 1, 1, 17);
        expect(pickVariant(a, b, 0, 0, 8, 16)).toMatchObject({ vecB: true, vecAT: false });
        expect(pickVariant(at, b, 0, 0, 8, 16)).toMatchObject({ vecB: true, vecAT: true });
        expect(pickVariant(at, bOdd, 0, 0, 8, 16)).toMatchObject({ vecB: false, vecAT: true });
      });
    });
  it('inner-dimension mismatch names both shapes', () => {
    const a = rand([2, 3], 1);
    const b = rand([4, 5], 2);
    expect(() => matmul(a, b)).toThrow(/matmul: inner dimensions differ: \[2, 3\] @ \[4, 5\]/);
    a.dispose();
    b.dispose();
  });
});

describe('matmul in f16 (array<f16> operands, f32 accumulation)', () => {
  it('matches the CPU f16 reference within f16 rounding (or is refused clearly without shader-f16)', async () => {
    if (!deviceHasF16()) {
      expect(() => tensor([1], [1], { dtype: 'f16', backend: 'webgpu' })).toThrow(
        /needs the adapter feature shader-f16/,
      );
      return;
    }
    for (const mode of DEVICE === 'webgpu' ? MODES : MODES.slice(0, 1)) {
      for (const [m, k, n, layout] of [
        [1, 1, 1, 'nn'],
        [9, 17, 13, 'nn'],
        [64, 48, 72, 'tn'],
        [33, 20, 16, 'offset'],
      ] as [number, number, number, Layout][]) {
        await compareBackends(
          () => {
            matmulTuning.force = mode.force;
            matmulTuning.pack = mode.pack;
            const { a, b } = operands(m, k, n, layout);
            return matmul(cast(a, 'f16'), cast(b, 'f16'));
          },
          // Products of f16 inputs are exact in f32; the result is rounded once to f16 (2^-11 relative).
          { atol: 2e-3, rtol: 2e-3, label: `f16 ${mode.name} [${m}, ${k}, ${n}] ${layout}` },
        );
      }
    }
  });
});

describe('epilogue: bias + activation in the kernel', () => {
  for (const act of ['none', 'relu', 'gelu', 'silu'] as LinearActivation[]) {
    it(`bias + ${act}`, async () => {
      await compareBackends(
        () => {
          const bias = slice(rand([21], 5), 0, 1, 21); // a view at offset 1
          return [
            matmulRaw(rand([13, 9], 1), rand([9, 20], 2), { bias: contiguous(bias), activation: act }),
            matmulRaw(rand([2, 13, 9], 1), rand([9, 20], 2), { activation: act }),
            linear(rand([3, 5, 16], 1), rand([16, 24], 2), rand([24], 3), act),
          ];
        },
        { atol: 1e-4, rtol: 1e-4, label: act },
      );
    });
  }
});

describe('linear: gradients', () => {
  for (const act of ['none', 'relu', 'gelu', 'silu'] as LinearActivation[]) {
    it(`finite differences on CPU (${act}, with and without bias)`, async () => {
      await useBackend('cpu');
      try {
        await gradcheck(
          (x, w, b) => linear(x, w, b, act),
          [{ shape: [2, 3, 4] }, { shape: [4, 5] }, { shape: [5] }],
        );
        await gradcheck((x, w) => linear(x, w, null, act), [{ shape: [3, 6] }, { shape: [6, 2] }]);
      } finally {
        await useBackend(DEVICE);
      }
    });
    it(`GPU grads = CPU grads (${act})`, async () => {
      await compareBackends(
        () => {
          const xs = [
            rand([2, 7, 12], 1, { requiresGrad: true }),
            rand([12, 20], 2, { requiresGrad: true }),
            rand([20], 3, { requiresGrad: true }),
          ];
          const y = linear(xs[0], xs[1], xs[2], act);
          y.mul(rand(y.shape, 99)).sum().backward();
          return [
            y,
            ...xs.map((x) => {
              const g = x.grad!;
              x.grad = null;
              g.kept = false;
              return g;
            }),
          ];
        },
        { atol: 1e-4, rtol: 1e-4, label: act },
      );
    });
  }
  it('rejects mismatched shapes with both shapes in the message', () => {
    const x = rand([3, 4], 1);
    const w = rand([5, 6], 2);
    expect(() => linear(x, w)).toThrow(/linear: input \[3, 4\] does not end in 5 \(weight \[5, 6\]\)/);
    x.dispose();
    w.dispose();
  });
});

describe('PyTorch golden values (tools/golden/matmul.py)', () => {
  type T = { shape: number[]; data: number[] };
  type Case = {
    name: string;
    op: string;
    transA?: boolean;
    transB?: boolean;
    activation?: string;
    a?: T;
    b?: T;
    x?: T;
    w?: T;
    bias?: T;
    g: number[];
    y: T;
    da?: number[];
    db?: number[];
    dx?: number[];
    dw?: number[];
    dbias?: number[];
  };
  const cases = (golden as unknown as { cases: Case[] }).cases;
  for (const backend of BACKENDS) {
    for (const c of cases) {
      it(`${backend}: ${c.name}`, async () => {
        await useBackend(backend);
        const leaf = (t: T, trans = false) => {
          const v = tensor(t.data, t.shape);
          if (!trans) {
            v.requiresGrad = true;
            return v;
          }
          const s = tidy(() => storedT(v));
          v.dispose();
          s.requiresGrad = true;
          return s;
        };
        const ins =
          c.op === 'matmul'
            ? [leaf(c.a!, c.transA), leaf(c.b!, c.transB)]
            : [leaf(c.x!), leaf(c.w!), ...(c.bias ? [leaf(c.bias)] : [])];
        const y = tidy(() => {
          const out =
            c.op === 'matmul'
              ? matmul(ins[0], ins[1])
              : linear(ins[0], ins[1], ins[2] ?? null, c.activation as LinearActivation);
          out.mul(tensor(c.g, out.shape)).sum().backward();
          return out;
        });
        expect(y.shape).toEqual(c.y.shape);
        const tol = { atol: 1e-4, rtol: 1e-4 };
        expectClose(await y.data(), c.y.data, { ...tol, label: `${c.name} y` });
        const want = c.op === 'matmul' ? [c.da!, c.db!] : [c.dx!, c.dw!, ...(c.dbias ? [c.dbias] : [])];
        for (let i = 0; i < ins.length; i++)
          expectClose(await ins[i].grad!.data(), want[i], { ...tol, label: `${c.name} grad ${i}` });
        for (const t of ins) {
          t.grad?.dispose();
          t.dispose();
        }
        y.dispose();
        await useBackend(DEVICE);
      });
    }
  }
});
