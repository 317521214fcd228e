import { describe, expect, it } from 'vitest';
import type { WasmBackend } from '../../backend/wasm/backend.js';
import { kernel } from '../../dispatch.js';
import { engine } from '../../engine.js';
import { tidy } from '../../scope.js';
import { type Tensor, tensor } from '../../tensor.js';
import { checkLeaks, randomArray } from '../../testing/index.js';
import { type Attrs, getKernel } from '../registry.js';
import { RANDOM_WASM_KERNELS, type RandomExports, wasmExpMatchesEngine } from './random.js';

// WASM Philox (SIMD, four blocks per pass) against the CPU reference: every output must be bit-identical
// for the same key and counter, including counters whose low word wraps inside a draw.
checkLeaks('wasm');

type Rng = { key: [number, number]; ctr: [number, number, number, number] };
const RNGS: Rng[] = [
  { key: [0, 0], ctr: [0, 0, 0, 0] },
  { key: [42, 0], ctr: [1, 0, 0, 0] },
  { key: [0xdeadbeef, 7], ctr: [0xfffffffe, 3, 0, 0] }, // the low counter word wraps after 2 blocks
  { key: [0x5eed, 0xffffffff], ctr: [0xffffffff, 0xffffffff, 0, 0] }, // 64-bit counter wraps
  { key: [123456789, 987654321], ctr: [77, 0, 0xabcdef, 0x12345678] }, // high counter words
];
const SIZES = [0, 1, 3, 4, 5, 17, 64, 1023, 70001];

/** Bits of a tensor's data, so that -0 / NaN / rounding differences all count. */
async function bits(t: Tensor): Promise<Uint32Array> {
  const d = await t.data();
  const f = d instanceof Float32Array ? d : Float32Array.from(d as ArrayLike<number>);
  return d instanceof Float32Array
    ? new Uint32Array(f.buffer, f.byteOffset, f.length)
    : Uint32Array.from(d as ArrayLike<number>);
}

async function sameBits(build: (be: string) => Tensor, label: string): Promise<void> {
  const c = tidy(() => build('cpu'));
  const w = tidy(() => build('wasm'));
  expect(w.backend.name).toBe('wasm');
  expect(w.shape, label).toEqual(c.shape);
  expect(w.dtype, label).toBe(c.dtype);
  const [bc, bw] = [await bits(c), await bits(w)];
  let bad = -1;
  for (let i = 0; i < bc.length && bad < 0; i++) if (bc[i] !== bw[i]) bad = i;
  expect(bad, `${label}: first differing element ${bad}`).toBe(-1);
  c.dispose();
  w.dispose();
}

const draw = (dist: string, n: number, rng: Rng, dtype: string, p0: number, p1: number) => (be: string) =>
  kernel('random', [], { dist, shape: [n], dtype, p0, p1, ...rng }, be);

describe('wasm random vs CPU reference (bit-exact)', () => {
  it('the registered wasm kernels are these (no CPU fallback)', () => {
    for (const name of ['random', 'dropout', 'multinomial'])
      expect(getKernel(name, 'wasm'), name).toBe(RANDOM_WASM_KERNELS.get(name));
  });

  for (const [i, rng] of RNGS.entries()) {
    it(`bits, uniform, keep mask over sizes, rng ${i}`, async () => {
      for (const n of SIZES) {
        await sameBits(draw('bits', n, rng, 'u32', 1, 0), `bits n=${n}`);
        await sameBits(draw('bits', n, rng, 'i32', 1, 0), `bits i32 n=${n}`);
        await sameBits(draw('uniform', n, rng, 'f32', 1, 0), `uniform n=${n}`);
        await sameBits(draw('uniform', n, rng, 'f32', 10.4 - -3.3, -3.3), `uniform [-3.3, 10.4) n=${n}`);
        await sameBits(draw('uniform', n, rng, 'f16', 2, -1), `uniform f16 n=${n}`);
        for (const p of [0, 0.3, 0.5, 1])
          await sameBits(draw('keep', n, rng, 'u32', p, 0), `keep p=${p} n=${n}`);
      }
    });

    it(`normal and Gumbel, rng ${i}`, async () => {
      for (const n of [1, 3, 8, 1001]) {
        await sameBits(draw('normal', n, rng, 'f32', 1, 0), `normal n=${n}`);
        await sameBits(draw('normal', n, rng, 'f16', 0.5, 2), `normal f16 n=${n}`);
        await sameBits(draw('gumbel', n, rng, 'f32', 1.5, -0.25), `gumbel n=${n}`);
      }
    });

    it(`dropout, rng ${i}`, async () => {
      for (const n of [0, 1, 7, 1000, 70001]) {
        for (const p of [0.1, 0.5, 0.9]) {
          const attrs = { p, scale: 1 / (1 - p), ...rng };
          const x = (be: string) => tensor(randomArray(n + 3, n + 1), [n + 3], { backend: be }).slice(0, 3);
          await sameBits((be) => kernel('dropout', [x(be)], attrs), `dropout p=${p} n=${n}`);
          await sameBits((be) => kernel('dropout', [x(be).cast('f16')], attrs), `dropout f16 p=${p} n=${n}`);
        }
      }
    });
  }

  it('dropout with p = 1 drops everything', async () => {
    const rng = RNGS[1];
    await sameBits(
      (be) =>
        kernel('dropout', [tensor(randomArray(33, 1), [33], { backend: be })], { p: 1, scale: 0, ...rng }),
      'p=1',
    );
  });
});

describe('wasm multinomial vs CPU reference (identical ids)', () => {
  const rows = (data: number[], shape: number[], attrs: Attrs, label: string) =>
    sameBits((be) => kernel('multinomial', [tensor(data, shape, { backend: be })], attrs), label);

  for (const [i, rng] of RNGS.entries()) {
    it(`probabilities with zero entries, rng ${i}`, async () => {
      const R = 37;
      const V = 11;
      const p = randomArray(R * V, i + 5, -0.5, 1).map((v) => (v < 0 ? 0 : v));
      for (let j = 0; j < V; j++) p[3 * V + j] = 0; // row 3: nothing to pick -> -1
      p[5 * V + 4] = Number.NaN; // NaN weighs 0
      p[6 * V + 10] = 5; // only the last is likely
      await rows(Array.from(p), [R, V], { fromLogits: false, invT: 1, ...rng }, 'probs');
      await rows(Array.from(p), [R, V], { fromLogits: true, invT: 1, ...rng }, 'same values as logits');
    });

    it(`logits with temperature and -inf entries, rng ${i}`, async () => {
      const R = 29;
      const V = 13;
      const l = randomArray(R * V, i + 9, -6, 6);
      l[2 * V + 1] = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < V; j++) l[4 * V + j] = Number.NEGATIVE_INFINITY; // all -inf -> -1
      l[7 * V + 3] = Number.NaN;
      for (const invT of [1, 2.5, 0.1, 1 / 0.7]) {
        await rows(Array.from(l), [R, V], { fromLogits: true, invT, ...rng }, `logits invT=${invT}`);
      }
    });
  }

  it('ties of the CDF, f16 input, one category, many rows (threads)', async () => {
    const rng = RNGS[2];
    // equal weights: the pick depends only on the uniform, exactly
    await rows(
      new Array(40 * 8).fill(0.125),
      [5, 8, 8],
      { fromLogits: false, invT: 1, ...rng },
      'uniform weights',
    );
    await rows([1, 2, 3], [3, 1], { fromLogits: true, invT: 1, ...rng }, 'one category');
    const big = Array.from(randomArray(700 * 128, 3, -3, 3));
    await rows(big, [700, 128], { fromLogits: true, invT: 1, ...rng }, 'threads');
    await sameBits(
      (be) =>
        kernel('multinomial', [tensor(big.slice(0, 50 * 16), [50, 16], { backend: be }).cast('f16')], {
          fromLogits: true,
          invT: 1,
          ...rng,
        }),
      'f16',
    );
  });

  // random.wat's exp is fdlibm's, as Node's V8 ships it; Chromium's Math.exp differs in the last bit
  // here and there, and there the kernel sends logits to the CPU reference (the tests above cover both).
  const node = typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';
  it("exp matches this engine's Math.exp where the probe says so (always in Node)", () => {
    const be = engine.backend('wasm') as WasmBackend;
    const matches = wasmExpMatchesEngine(be);
    if (node) expect(matches).toBe(true);
    if (!matches) return;
    const { exp } = be.kernels<RandomExports>('random');
    const special = [
      0,
      -0,
      1,
      -1,
      0.5,
      -0.5,
      0.34657359027997264,
      0.3465735902799727,
      1.0397207708399179,
      709.782712893384,
      709.79,
      -745.1332191019411,
      -745.14,
      -708.4,
      -1e-9,
      1e-300,
      2 ** -28,
      -(2 ** -29),
      1e-5,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      Number.NaN,
      Number.MIN_VALUE,
      -1021 * Math.LN2,
      -1022.5 * Math.LN2,
    ];
    for (const x of special) expect(Object.is(exp(x), Math.exp(x)), `exp(${x})`).toBe(true);
    let s = 12345;
    const next = () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 2 ** 32;
    };
    let bad = 0;
    let first = '';
    for (let i = 0; i < 300000; i++) {
      const r = next();
      // wide range, the multinomial range (-40, 0], and tiny arguments
      const x = i % 3 === 0 ? (r - 0.5) * 1460 : i % 3 === 1 ? -40 * r : (r - 0.5) * 2 ** -(next() * 40);
      if (!Object.is(exp(x), Math.exp(x))) {
        bad++;
        first ||= `exp(${x}) = ${exp(x)}, Math.exp = ${Math.exp(x)}`;
      }
    }
    expect(bad, first).toBe(0);
  });
});
