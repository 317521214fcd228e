import { beforeAll, describe, expect, it } from 'vitest';
import golden from '../fixtures/conv.json';
import { setBackend } from '../init.js';
import { tidy } from '../scope.js';
import { type Tensor, tensor } from '../tensor.js';
import {
  checkLeaks,
  DEVICE,
  expectClose,
  gradcheck,
  rand,
  randomArray,
  useBackend,
} from '../testing/index.js';
import { avgPool2d, type Conv2dOptions, conv2d, upsampleNearest } from './conv.js';

interface ConvCfg extends Conv2dOptions {
  N: number;
  C: number;
  H: number;
  W: number;
  O: number;
  k: number | [number, number];
  bias?: boolean;
}

const SWEEP: ConvCfg[] = [
  { N: 2, C: 9, H: 7, W: 5, O: 6, k: 1 },
  { N: 2, C: 3, H: 7, W: 5, O: 10, k: 3, padding: 1 },
  { N: 1, C: 5, H: 7, W: 5, O: 7, k: 3, stride: 2, bias: false },
  { N: 2, C: 6, H: 9, W: 7, O: 4, k: 3, stride: 2, padding: 1, groups: 2 },
  { N: 2, C: 6, H: 7, W: 5, O: 6, k: 3, padding: 1, groups: 6 },
  { N: 1, C: 6, H: 8, W: 9, O: 12, k: 3, stride: 2, padding: 1, groups: 6 },
  { N: 1, C: 3, H: 8, W: 11, O: 5, k: 4, stride: 2, padding: 1 },
  { N: 1, C: 9, H: 11, W: 19, O: 17, k: 3, padding: 1 },
  { N: 2, C: 2, H: 9, W: 10, O: 3, k: 3, padding: 2, dilation: 2 },
  { N: 1, C: 3, H: 9, W: 10, O: 4, k: 3, stride: 2, padding: 1, dilation: 2 },
  { N: 1, C: 10, H: 6, W: 9, O: 18, k: 3, padding: 1, groups: 2 },
  { N: 1, C: 4, H: 6, W: 13, O: 9, k: [3, 1], stride: [1, 2], padding: [1, 0] },
  { N: 1, C: 7, H: 5, W: 6, O: 3, k: [1, 5], stride: 3, padding: 2 },
];

const label = (c: ConvCfg) =>
  `N${c.N} C${c.C}->${c.O} ${c.H}x${c.W} k${c.k} s${c.stride ?? 1} p${c.padding ?? 0} g${c.groups ?? 1} d${c.dilation ?? 1}`;

/** Forward with a fixed upstream gradient on the current default backend: y, dx, dw, db as arrays. */
async function convRun(c: ConvCfg, seed: number) {
  const [kh, kw] = typeof c.k === 'number' ? [c.k, c.k] : c.k;
  const x = rand([c.N, c.C, c.H, c.W], seed, { requiresGrad: true });
  const w = rand([c.O, c.C / (c.groups ?? 1), kh, kw], seed + 1, { requiresGrad: true });
  const b = c.bias === false ? null : rand([c.O], seed + 2, { requiresGrad: true });
  const y = conv2d(x, w, b, c);
  const g = tensor(randomArray(y.size, seed + 3), y.shape);
  y.backward(g);
  const res = {
    shape: y.shape,
    y: await y.data(),
    dx: await x.grad!.data(),
    dw: await w.grad!.data(),
    db: b ? await b.grad!.data() : null,
  };
  for (const t of [x, w, b, y, g, x.grad, w.grad, b?.grad]) t?.dispose();
  return res;
}

describe('conv2d', () => {
  checkLeaks();

  it.each(SWEEP.map((c) => [label(c), c] as const))(
    'the device matches the CPU reference, forward and grads: %s',
    async (_, c) => {
      setBackend('cpu');
      const ref = await convRun(c, 11);
      setBackend(DEVICE);
      const got = await convRun(c, 11);
      expect(got.shape).toEqual(ref.shape);
      expectClose(got.y, ref.y, { atol: 1e-4, label: 'y' });
      expectClose(got.dx, ref.dx, { atol: 1e-4, label: 'dx' });
      expectClose(got.dw, ref.dw, { atol: 1e-4, label: 'dw' });
      if (ref.db) expectClose(got.db!, ref.db, { atol: 1e-4, label: 'db' });
    },
  );

  it('reads strided views and offsets (permuted x, sliced w)', async () => {
    const run = async () => {
      const xs = rand([5, 2, 3, 6], 3); // [H, N, C, W]
      const x = xs.permute([1, 2, 0, 3]);
      const wAll = rand([6, 3, 3, 3], 4);
      const w = wAll.slice(0, 2, 6);
      const y = conv2d(x, w, null, { padding: 1 });
      const out = await y.data();
      for (const t of [xs, x, wAll, w, y]) t.dispose();
      return out;
    };
    setBackend('cpu');
    const ref = await run();
    setBackend(DEVICE);
    expectClose(await run(), ref, { atol: 1e-4 });
  });

  it('a batch of zero images gives an empty output and zero filter gradients', async () => {
    const x = rand([0, 3, 5, 5], 1, { requiresGrad: true });
    const w = rand([4, 3, 3, 3], 2, { requiresGrad: true });
    const y = conv2d(x, w, null, { padding: 1 });
    expect(y.shape).toEqual([0, 4, 5, 5]);
    const loss = y.sum();
    loss.backward();
    expect(Array.from(await w.grad!.data())).toEqual(new Array(4 * 27).fill(0));
    expect(x.grad!.shape).toEqual([0, 3, 5, 5]);
    for (const t of [x, w, y, loss, w.grad, x.grad]) t?.dispose();
  });

  it('checks shapes and options, naming them', () => {
    const x = rand([1, 4, 5, 5], 1);
    const w = rand([2, 3, 3, 3], 2);
    expect(() => conv2d(x, w)).toThrow(/w's dim 1 must be C \/ groups = 4/);
    expect(() => conv2d(x, w, null, { groups: 3 })).toThrow(/groups 3 must divide/);
    const w2 = rand([2, 4, 7, 7], 3);
    expect(() => conv2d(x, w2)).toThrow(/does not fit/);
    const w3 = rand([2, 4, 3, 3], 4);
    expect(() => conv2d(x, w3, null, { stride: 0 })).toThrow(/stride/);
    const b3 = rand([3], 5);
    expect(() => conv2d(x, w3, b3)).toThrow(/bias must be \[2\]/);
    expect(() => upsampleNearest(x, 1.5)).toThrow(/scale must be an integer/);
    expect(() => avgPool2d(x, 6)).toThrow(/kernel 6 is larger than the input \[1, 4, 5, 5\]/);
    for (const t of [x, w, w2, w3, b3]) t.dispose();
  });
});

describe('upsampleNearest and avgPool2d', () => {
  beforeAll(async () => {
    await useBackend(DEVICE);
  });

  const poolCases: [string, number[], (x: Tensor) => Tensor][] = [
    ['upsample x2', [2, 3, 5, 7], (x) => upsampleNearest(x, 2)],
    ['upsample x3', [1, 2, 3, 2], (x) => upsampleNearest(x, 3)],
    ['avgPool 2/2 odd input', [2, 3, 7, 5], (x) => avgPool2d(x, 2)],
    ['avgPool 3/2 overlapping', [1, 2, 9, 8], (x) => avgPool2d(x, 3, 2)],
    ['avgPool 2/3 gaps', [1, 1, 8, 7], (x) => avgPool2d(x, 2, 3)],
  ];

  it.each(poolCases)('the device matches the CPU reference, forward and grads: %s', async (_, shape, f) => {
    const run = async () => {
      const x = rand(shape, 5, { requiresGrad: true });
      const y = f(x);
      const g = tensor(randomArray(y.size, 6), y.shape);
      y.backward(g);
      const r = { y: await y.data(), dx: await x.grad!.data() };
      for (const t of [x, y, g, x.grad]) t?.dispose();
      return r;
    };
    setBackend('cpu');
    const ref = await run();
    setBackend(DEVICE);
    const got = await run();
    expectClose(got.y, ref.y, { atol: 1e-5, label: 'y' });
    expectClose(got.dx, ref.dx, { atol: 1e-5, label: 'dx' });
  });
});

describe('gradcheck (CPU)', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('conv2d stride 2, padding 1, with bias', async () => {
    await gradcheck(
      (x, w, b) => conv2d(x, w, b, { stride: 2, padding: 1 }),
      [{ shape: [1, 2, 5, 4] }, { shape: [3, 2, 3, 3] }, { shape: [3] }],
    );
  });

  it('conv2d groups 2, dilation 2', async () => {
    await gradcheck(
      (x, w) => conv2d(x, w, null, { groups: 2, dilation: 2, padding: 1 }),
      [{ shape: [2, 4, 5, 5] }, { shape: [2, 2, 2, 2] }],
    );
  });

  it('upsampleNearest and avgPool2d', async () => {
    await gradcheck((x) => upsampleNearest(x, 2).square(), [{ shape: [1, 2, 3, 2] }]);
    await gradcheck((x) => avgPool2d(x, 3, 2).square(), [{ shape: [1, 2, 5, 6] }]);
  });
});

interface GoldenCase {
  name: string;
  op: 'conv2d' | 'upsampleNearest' | 'avgPool2d';
  opts: Record<string, number>;
  x: { shape: number[]; data: number[] };
  w?: { shape: number[]; data: number[] };
  b?: number[];
  g: number[];
  y: { shape: number[]; data: number[] };
  dx: number[];
  dw?: number[];
  db?: number[];
}

describe('PyTorch golden values (tools/golden/conv.py)', () => {
  const cases = (golden as unknown as { cases: GoldenCase[] }).cases;
  for (const backend of [DEVICE, 'cpu'] as const) {
    it.each(cases.map((c) => [c.name, c] as const))(`${backend}: %s`, async (_, c) => {
      await useBackend(backend);
      const x = tensor(c.x.data, c.x.shape, { requiresGrad: true });
      const w = c.w ? tensor(c.w.data, c.w.shape, { requiresGrad: true }) : null;
      const b = c.b ? tensor(c.b, [c.b.length], { requiresGrad: true }) : null;
      const y =
        c.op === 'conv2d'
          ? conv2d(x, w!, b, c.opts)
          : c.op === 'upsampleNearest'
            ? upsampleNearest(x, c.opts.scale)
            : avgPool2d(x, c.opts.kernel, c.opts.stride);
      expect(y.shape).toEqual(c.y.shape);
      const g = tensor(c.g, y.shape);
      y.backward(g);
      const tol = { atol: 2e-5, rtol: 1e-4 };
      expectClose(await y.data(), c.y.data, { ...tol, label: 'y' });
      expectClose(await x.grad!.data(), c.dx, { ...tol, label: 'dx' });
      if (w) expectClose(await w.grad!.data(), c.dw!, { ...tol, label: 'dw' });
      if (b) expectClose(await b.grad!.data(), c.db!, { ...tol, label: 'db' });
      tidy(() => undefined);
      for (const t of [x, w, b, y, g, x.grad, w?.grad, b?.grad]) t?.dispose();
    });
  }
});
