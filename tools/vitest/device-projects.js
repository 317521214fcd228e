// The four vitest projects of a package whose suites run once per backend under test: `node` and
// `browser` on WebGPU (Dawn in Node, SwiftShader in Chromium), `node-wasm` and `browser-wasm` on the WASM
// backend (the page cross-origin isolated, so its worker threads run). Tests read the backend as `DEVICE`
// from @unif2ace/tensor/testing (vitest `provide`) and compare it with the CPU reference. Node runs the
// plain SIMD128 WASM kernels, Chromium the relaxed-SIMD FMA ones, so both variants are tested.
import { browserProject } from './browser-project.js';

const NODE_ONLY = ['src/**/*.node.test.ts'];

export function deviceProjects({
  resolve,
  webgpuOnly = [],
  wasmOnly = [],
  wasmThreads,
  testTimeout = 120_000,
}) {
  const withResolve = resolve ? { resolve } : {};
  const onlyOther = (device) => (device === 'webgpu' ? wasmOnly : webgpuOnly);
  const node = (device) => ({
    ...withResolve,
    test: {
      name: device === 'webgpu' ? 'node' : 'node-wasm',
      // test/: scripts' smoke tests (benchmarks, which compare the backends themselves): once is enough
      include: ['src/**/*.test.ts', ...(device === 'webgpu' ? ['test/**/*.test.ts'] : [])],
      exclude: onlyOther(device),
      provide: { device, wasmFma: false, ...(wasmThreads ? { wasmThreads } : {}) },
      environment: 'node',
      testTimeout,
      hookTimeout: 120_000,
      // One GPU device per worker; lavapipe (and the WASM threads) already use both cores.
      pool: 'forks',
      maxWorkers: 1,
    },
  });
  const browser = (device) => {
    const p = browserProject({
      name: device === 'webgpu' ? 'browser' : 'browser-wasm',
      include: ['src/**/*.test.ts'],
      exclude: [...NODE_ONLY, ...onlyOther(device)],
      crossOriginIsolated: device === 'wasm',
    });
    return { ...withResolve, ...p, test: { ...p.test, provide: { device, wasmFma: true } } };
  };
  return [node('webgpu'), node('wasm'), browser('webgpu'), browser('wasm')];
}
