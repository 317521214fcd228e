// Test helpers shared by every package's tests: run a suite on each backend, compare arrays,
// check gradients against finite differences. Exported as '@unif2ace/tensor/testing'.
//
// vitest is an optional peer dependency: every helper works without it (plain Errors), and where vitest
// is installed the entry uses it for the backend a project provides (DEVICE), for assertion messages and
// for checkLeaks()'s hooks, which alone need it.
import { Rng } from '@unif2ace/common';
import type { WebGpuBackend } from '../backend/webgpu/backend.js';
import type { BackendName } from '../init.js';
import { getBackend, init, setBackend } from '../init.js';
import { memoryStats, tidy } from '../scope.js';
import { type Tensor, tensor } from '../tensor.js';

type Vitest = typeof import('vitest');
/** What the vitest project provides (tools/vitest/device-projects.js; typed in ./vitest-context.d.ts). */
const provided = (key: 'device' | 'wasmFma' | 'wasmThreads'): unknown =>
  vitest ? (vitest.inject as (k: string) => unknown)(key) : undefined;
let vitest: Vitest | undefined = await import('vitest').catch(() => undefined);
try {
  provided('device');
} catch {
  vitest = undefined; // installed, but this is a plain script, not a test run
}

function fail(message: string): never {
  if (vitest) vitest.expect.fail(message);
  throw new Error(message);
}

/**
 * The backend under test: 'webgpu' unless the vitest project provides `device` (packages/tensor runs
 * the same files as a 'webgpu' and a 'wasm' project, in Node and in Chromium). Tests compare it with
 * the CPU reference.
 */
export const DEVICE: 'webgpu' | 'wasm' = (provided('device') as 'webgpu' | 'wasm' | undefined) ?? 'webgpu';

/** The backends a project checks: the CPU reference and the backend under test. */
export const BACKENDS: BackendName[] = ['cpu', DEVICE];

/** Does the backend under test store f16 tensors (WebGPU needs shader-f16; WASM always can)? */
export function deviceHasF16(): boolean {
  return DEVICE === 'wasm' || (getBackend('webgpu') as WebGpuBackend).hasF16;
}

/** Initialise `name` (or, for 'cpu', the backend under test) and the CPU reference once; make `name` the default. */
export async function useBackend(name: BackendName): Promise<void> {
  const be = name === 'cpu' ? DEVICE : name === 'wasm' ? 'wasm' : 'webgpu';
  await init({
    backend: be,
    wasm: {
      relaxedSimd: (provided('wasmFma') as boolean | undefined) ?? true,
      threads: provided('wasmThreads') as number | undefined,
    },
  });
  await init({ backend: 'cpu' });
  setBackend(name);
}

/** Seeded uniform values in [lo, hi) (the project's one generator, @unif2ace/common's Rng). */
export function randomArray(n: number, seed = 1, lo = -1, hi = 1): Float32Array {
  return new Rng(seed).uniformArray(n, lo, hi);
}

export function rand(
  shape: number[],
  seed = 1,
  opts: { lo?: number; hi?: number; requiresGrad?: boolean } = {},
): Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  return tensor(randomArray(n, seed, opts.lo ?? -1, opts.hi ?? 1), shape, {
    requiresGrad: opts.requiresGrad,
  });
}

/** |a - b| <= atol + rtol * |b| elementwise, with the worst index in the message. */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  { atol = 1e-5, rtol = 1e-4, label = '' }: { atol?: number; rtol?: number; label?: string } = {},
): void {
  if (actual.length !== expected.length)
    fail(`${label} length: got ${actual.length}, expected ${expected.length}`);
  let worst = -1;
  let worstErr = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const b = expected[i];
    if (Number.isNaN(b) && Number.isNaN(a)) continue;
    const err = Math.abs(a - b) - (atol + rtol * Math.abs(b));
    if (!(err <= 0) && (worst < 0 || err > worstErr || Number.isNaN(err))) {
      worst = i;
      worstErr = err;
    }
  }
  if (worst >= 0) {
    fail(
      `${label} mismatch at ${worst}: got ${actual[worst]}, expected ${expected[worst]} (atol ${atol}, rtol ${rtol})`,
    );
  }
}

/**
 * Checks autograd of f against central finite differences on the current backend (use 'cpu': its
 * arithmetic is exact enough for differences). f maps inputs to any tensor; it is reduced with fixed
 * random weights so every output element matters.
 */
export async function gradcheck(
  f: (...xs: Tensor[]) => Tensor,
  inputs: { shape: number[]; data?: ArrayLike<number>; seed?: number }[],
  { eps = 1e-3, atol = 2e-3, rtol = 2e-2 }: { eps?: number; atol?: number; rtol?: number } = {},
): Promise<void> {
  const datas = inputs.map((s, i) =>
    Float32Array.from(
      s.data ??
        randomArray(
          s.shape.reduce((p, d) => p * d, 1),
          s.seed ?? 7 + i,
        ),
    ),
  );
  let weights: Float32Array | null = null;
  const evalAt = (vals: Float32Array[]): number => {
    const s = tidy(() => {
      const xs = vals.map((v, i) => tensor(v, inputs[i].shape));
      const y = f(...xs);
      weights ??= randomArray(y.size, 99);
      const w = tensor(weights, y.shape);
      return y.mul(w).sum();
    });
    const v = s.dataSync()[0];
    s.dispose();
    return v;
  };
  const xs = datas.map((v, i) => tensor(v, inputs[i].shape, { requiresGrad: true }));
  tidy(() => {
    const y0 = f(...xs);
    weights ??= randomArray(y0.size, 99);
    y0.mul(tensor(weights, y0.shape)).sum().backward();
  });
  for (let k = 0; k < xs.length; k++) {
    const analytic = await xs[k].grad!.data();
    const numeric = new Float32Array(datas[k].length);
    for (let i = 0; i < datas[k].length; i++) {
      const plus = datas.map((d) => d.slice());
      const minus = datas.map((d) => d.slice());
      plus[k][i] += eps;
      minus[k][i] -= eps;
      numeric[i] = (evalAt(plus) - evalAt(minus)) / (2 * eps);
    }
    expectClose(analytic, numeric, { atol, rtol, label: `grad of input ${k}` });
  }
  for (const x of xs) {
    x.grad?.dispose();
    x.dispose();
  }
}

/** Live tensor count now; call again at the end of a test to prove nothing leaked. */
export function liveTensors(): number {
  return memoryStats().liveTensors;
}

/**
 * Runs `build` on the CPU reference and on the backend under test (DEVICE; inputs made inside build use
 * the default backend) and expects the same values. Returns both results' data.
 */
export async function compareBackends(
  build: () => Tensor | Tensor[],
  tol: { atol?: number; rtol?: number; label?: string } = {},
): Promise<{ cpu: ArrayLike<number>[]; device: ArrayLike<number>[] }> {
  const results: Record<string, ArrayLike<number>[]> = {};
  for (const be of ['cpu', DEVICE] as const) {
    await useBackend(be);
    const out = tidy(() => {
      const r = build();
      return Array.isArray(r) ? r : [r];
    });
    results[be] = await Promise.all(out.map((t) => t.data()));
    for (const t of out) t.dispose();
  }
  results.cpu.forEach((c, i) => {
    expectClose(results[DEVICE][i], c, { ...tol, label: `${tol.label ?? ''} output ${i} (${DEVICE})` });
  });
  return { cpu: results.cpu, device: results[DEVICE] };
}

/**
 * For a test file: initialise `backend` before its tests and fail any test that leaves more live
 * tensors than there were at the start (the project's no-leak rule). After each test `backend` is the
 * default again, so a test may switch backends. The only leak hook tests use.
 */
export function checkLeaks(backend: BackendName = DEVICE): void {
  if (!vitest) throw new Error('checkLeaks() registers vitest hooks: install vitest (npm install -D vitest)');
  const { afterEach, beforeAll, expect } = vitest;
  let before = 0;
  beforeAll(async () => {
    await useBackend(backend);
    before = liveTensors();
  });
  afterEach(async () => {
    await useBackend(backend);
    expect(liveTensors(), 'live tensors after the test (a leak)').toBe(before);
  });
}
