import { describe, expect, it } from 'vitest';
import { philox4x32, philoxWords } from '../backend/cpu/random.js';
import { type Tensor, tensor } from '../tensor.js';
import {
  checkLeaks,
  compareBackends,
  DEVICE,
  deviceHasF16,
  expectClose,
  gradcheck,
  rand as testRand,
  useBackend,
} from '../testing/index.js';
import * as R from './random.js';
import { kernel } from './run.js';

checkLeaks();

/** Values of a tensor made by f, which is disposed afterwards. */
async function read(f: () => Tensor): Promise<number[]> {
  const t = f();
  try {
    return Array.from(await t.data());
  } finally {
    t.dispose();
  }
}

const hex = (a: ArrayLike<number>) => Array.from(a, (x) => (x >>> 0).toString(16).padStart(8, '0')).join(' ');

// Random123 tests/kat_vectors, "philox4x32 10" lines: counter words, key words, output words.
const KAT: [number[], number[], string][] = [
  [[0, 0, 0, 0], [0, 0], '6627e8d5 e169c58d bc57ac4c 9b00dbd8'],
  [
    [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
    [0xffffffff, 0xffffffff],
    '408f276d 41c83b0e a20bc7c6 6d5451fd',
  ],
  [
    [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
    [0xa4093822, 0x299f31d0],
    'd16cfe09 94fdcceb 5001e420 24126ea1',
  ],
];

describe('Philox4x32-10', () => {
  it('the TS reference matches the Random123 known-answer vectors', () => {
    for (const [c, k, want] of KAT) expect(hex(philox4x32(c[0], c[1], c[2], c[3], k[0], k[1]))).toBe(want);
  });

  it(`the ${DEVICE} kernel matches the known-answer vectors and the TS stream bit for bit`, async () => {
    for (const [c, k, want] of KAT) {
      const t = kernel('random', [], { dist: 'bits', shape: [4], dtype: 'u32', key: k, ctr: c }, DEVICE);
      expect(hex(await t.data())).toBe(want);
      t.dispose();
    }
    // Odd sizes, a seed above 2^32 and a block counter that carries into its high word.
    for (const [n, seed, offset] of [
      [1, 0, 0],
      [7, 42, 3],
      [1027, 2 ** 40 + 17, 2 ** 32 - 5],
      [5000, 123456789, 0],
    ]) {
      const { cpu, device } = await compareBackends(() => R.randomBits([n], { seed, offset }), {
        atol: 0,
        rtol: 0,
      });
      const lo = offset % 2 ** 32;
      const ref = philoxWords(n, {
        key: [seed % 2 ** 32, Math.floor(seed / 2 ** 32)],
        ctr: [lo, Math.floor(offset / 2 ** 32), 0, 0],
      });
      expect(hex(device[0])).toBe(hex(ref));
      expect(hex(cpu[0])).toBe(hex(ref));
    }
  });

  it('pinned stream: seed 42 gives these words on every backend and in every runtime', async () => {
    // Computed once from the reference (which passes the KATs above); Node and Chromium run this same file.
    const { device } = await compareBackends(() => R.randomBits([6], { seed: 42, offset: 1 }), {
      atol: 0,
      rtol: 0,
    });
    expect(hex(device[0])).toBe(PINNED_42);
  });
});

const PINNED_42 = 'fcdb2127 53ba6cfd 838f5a6e 744e06fb d36c0225 a8875dcb';

describe('distributions', () => {
  it('uniform in [0, 1) is bit-identical on CPU and WebGPU and is the top 24 bits', async () => {
    const n = 4099;
    const { device } = await compareBackends(
      () => [R.randomUniform([n], { seed: 7 }), R.randomBits([n], { seed: 7 })],
      {
        atol: 0,
        rtol: 0,
      },
    );
    const [u, bits] = device;
    let sum = 0;
    let bad = 0;
    for (let i = 0; i < n; i++) {
      if (u[i] !== (bits[i] >>> 8) / 2 ** 24) bad++;
      sum += u[i];
    }
    expect(bad).toBe(0);
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(0.02);
  });

  it('uniform in [low, high) and f16 output', async () => {
    const { device } = await compareBackends(() => R.randomUniform([3, 50], { seed: 3, low: -2, high: 6 }), {
      atol: 1e-6,
    });
    for (const v of Array.from(device[0])) expect(v >= -2 && v < 6).toBe(true);
    if (deviceHasF16()) {
      await compareBackends(
        () => [
          R.randomUniform([33], { seed: 3, dtype: 'f16' }),
          R.dropout(testRand([40], 5).cast('f16'), 0.5, { seed: 2 }),
        ],
        { atol: 1e-3 },
      );
    }
  });

  it('normal: 1e5 samples have the requested mean and std; GPU = CPU', async () => {
    const n = 100_000;
    // WGSL only promises sin/cos to 2^-11 absolute on [-pi, pi] (SwiftShader is that loose): z = r cos(t)
    // with r up to ~5 may differ from the f64 reference by ~3e-3, times std.
    const { device } = await compareBackends(() => R.randomNormal([n], { seed: 11, mean: 2, std: 3 }), {
      atol: 1e-2,
      rtol: 0,
    });
    let s = 0;
    let s2 = 0;
    for (const v of Array.from(device[0])) {
      s += v;
      s2 += v * v;
    }
    const mean = s / n;
    const std = Math.sqrt(s2 / n - mean * mean);
    // Standard errors: 3 / sqrt(1e5) ≈ 0.0095 for the mean, ≈ 0.0067 for the std.
    expect(Math.abs(mean - 2)).toBeLessThan(0.04);
    expect(Math.abs(std - 3)).toBeLessThan(0.03);
    // Tails: P(|z| > 3) = 0.0027.
    let tail = 0;
    for (const v of Array.from(device[0])) if (Math.abs(v - 2) > 9) tail++;
    expect(tail / n).toBeGreaterThan(0.0017);
    expect(tail / n).toBeLessThan(0.0037);
  });

  it('odd-length normal draws are prefixes of longer ones (pairs come from the same block)', async () => {
    const { device } = await compareBackends(
      () => [R.randomNormal([5], { seed: 5 }), R.randomNormal([8], { seed: 5 })],
      {
        atol: 2e-5,
      },
    );
    expectClose(device[0], Array.from(device[1]).slice(0, 5), { atol: 0, rtol: 0 });
  });

  it('gumbel: mean is the Euler–Mascheroni constant and variance pi^2/6', async () => {
    const n = 100_000;
    const { device } = await compareBackends(() => R.gumbel([n], { seed: 9 }), { atol: 2e-4, rtol: 1e-4 });
    let s = 0;
    let s2 = 0;
    let bad = 0;
    for (const v of Array.from(device[0])) {
      if (!Number.isFinite(v)) bad++;
      s += v;
      s2 += v * v;
    }
    const mean = s / n;
    expect(bad).toBe(0);
    expect(Math.abs(mean - 0.5772156649)).toBeLessThan(0.02);
    expect(Math.abs(s2 / n - mean * mean - Math.PI ** 2 / 6)).toBeLessThan(0.05);
  });
});

describe('seeding', () => {
  it('same seed and offset give the same values; offsets give disjoint blocks', async () => {
    const a = await read(() => R.randomBits([8], { seed: 1 }));
    const b = await read(() => R.randomBits([8], { seed: 1 }));
    const c = await read(() => R.randomBits([4], { seed: 1, offset: 1 }));
    const d = await read(() => R.randomBits([8], { seed: 2 }));
    expect(hex(a)).toBe(hex(b));
    expect(hex(c)).toBe(hex(a.slice(4)));
    expect(hex(d)).not.toBe(hex(a));
  });

  it('the global generator advances, and its state can be saved and restored', async () => {
    R.manualSeed(1234);
    const first = await read(() => R.rand([10]));
    const saved = R.getRngState();
    expect(saved).toEqual({ seed: 1234, counter: 3 });
    const second = await read(() => R.randn([6]));
    expect(second).not.toEqual(first.slice(0, 6));
    R.setRngState(saved);
    expect(await read(() => R.randn([6]))).toEqual(second);
    R.manualSeed(1234);
    expect(await read(() => R.rand([10]))).toEqual(first);
    // A draw with an explicit seed leaves the global generator alone...
    const st = R.getRngState();
    await read(() => R.rand([100], { seed: 5 }));
    expect(R.getRngState()).toEqual(st);
    // ...and reproduces the global stream from the same seed and counter.
    expect(await read(() => R.rand([10], { seed: 1234 }))).toEqual(first);
    expect(await read(() => R.randn([6], { seed: 1234, offset: 3 }))).toEqual(second);
  });

  it('rejects bad seeds, offsets and states', () => {
    expect(() => R.manualSeed(-1)).toThrow(/manualSeed: seed must be an integer/);
    expect(() => R.manualSeed(1.5)).toThrow(/manualSeed/);
    expect(() => R.rand([2], { offset: 3 })).toThrow(/offset is only meaningful with a seed/);
    expect(() => R.setRngState({ seed: 1, counter: -2 })).toThrow(/setRngState: counter/);
    expect(() => R.randomNormal([2], { seed: 1, dtype: 'i32' })).toThrow(
      /randomNormal: dtype must be f32 or f16/,
    );
  });
});

describe('dropout', () => {
  it('zeroes with probability p, scales the rest by 1/(1-p), equals x * mask / (1-p), GPU = CPU', async () => {
    const p = 0.3;
    const { device } = await compareBackends(
      () => {
        const x = testRand([37, 29], 2);
        return [R.dropout(x, p, { seed: 77 }), R.dropoutMask([37, 29], p, { seed: 77 }), x];
      },
      { atol: 0, rtol: 0 },
    );
    const [y, mask, x] = device;
    let kept = 0;
    for (let i = 0; i < y.length; i++) {
      kept += mask[i];
      expect(y[i]).toBe(mask[i] ? Math.fround(x[i] * Math.fround(1 / (1 - p))) : 0);
    }
    expect(Math.abs(kept / y.length - (1 - p))).toBeLessThan(0.04);
  });

  it('backward regenerates the mask: grad = mask / (1-p), GPU = CPU; gradcheck on CPU', async () => {
    const p = 0.25;
    const { device } = await compareBackends(
      () => {
        const x = testRand([5, 40], 4, { requiresGrad: true });
        // A transposed (non-contiguous) input, and an upstream gradient that is not all ones.
        const y = R.dropout(x.T, p, { seed: 3, offset: 10 });
        y.mul(y.detach().add(1)).sum().backward();
        const g = x.grad!;
        x.grad = null;
        return [g, y, R.dropoutMask([40, 5], p, { seed: 3, offset: 10 })];
      },
      { atol: 1e-6 },
    );
    const [g, y, mask] = device;
    for (let i = 0; i < 40; i++) {
      for (let j = 0; j < 5; j++) {
        const want = mask[i * 5 + j] ? (1 / (1 - p)) * (y[i * 5 + j] + 1) : 0;
        expect(g[j * 40 + i]).toBeCloseTo(want, 4);
      }
    }
    await useBackend('cpu');
    await gradcheck((x) => R.dropout(x, 0.5, { seed: 8 }), [{ shape: [3, 7] }]);
  });

  it('p = 0 and training = false return x; p = 1 zeroes; p outside [0, 1] throws', async () => {
    const x = tensor([1, 2, 3]);
    expect(R.dropout(x, 0, { seed: 1 })).toBe(x);
    expect(R.dropout(x, 0.5, { training: false })).toBe(x);
    const z = R.dropout(x, 1, { seed: 1 });
    expect(Array.from(await z.data())).toEqual([0, 0, 0]);
    expect(() => R.dropout(x, 1.5)).toThrow(/dropout: p must be in \[0, 1\], got 1.5/);
    z.dispose();
    x.dispose();
  });
});
