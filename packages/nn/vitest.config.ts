import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { browserProject } from '../../tools/vitest/browser-project.js';

// Tests run against the tensor package's source, so a change there needs no rebuild to be tested here.
const alias = {
  '@unif2ace/tensor/testing': fileURLToPath(new URL('../tensor/src/testing/index.ts', import.meta.url)),
  '@unif2ace/tensor': fileURLToPath(new URL('../tensor/src/index.ts', import.meta.url)),
  // the bench scripts import the package by name
  '@unif2ace/nn': fileURLToPath(new URL('./src/index.ts', import.meta.url)),
};

// Each suite runs on WebGPU and on the WASM backend (`DEVICE` in @unif2ace/tensor/testing), in Node and
// in Chromium (the WASM page cross-origin isolated, so its worker threads run).
const node = (device: 'webgpu' | 'wasm') => ({
  resolve: { alias },
  test: {
    name: device === 'webgpu' ? 'node' : 'node-wasm',
    // test/: the bench smoke tests, which compare the backends themselves
    include: ['src/**/*.test.ts', ...(device === 'webgpu' ? ['test/**/*.test.ts'] : [])],
    // the crash test trains in child processes of its own (once is enough)
    exclude: device === 'wasm' ? ['src/io/checkpoint.node.test.ts'] : [],
    // Node tests the plain SIMD128 kernels, Chromium the relaxed-SIMD FMA ones
    provide: { device, wasmFma: false },
    environment: 'node' as const,
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: 'forks' as const,
    maxWorkers: 1,
  },
});

const browser = (device: 'webgpu' | 'wasm') => {
  const p = browserProject({
    name: device === 'webgpu' ? 'browser' : 'browser-wasm',
    include: ['src/**/*.test.ts'],
    exclude: ['src/**/*.node.test.ts'],
    crossOriginIsolated: device === 'wasm',
  });
  return { resolve: { alias }, ...p, test: { ...p.test, provide: { device, wasmFma: true } } };
};

export default defineConfig({
  resolve: { alias },
  test: { projects: [node('webgpu'), node('wasm'), browser('webgpu'), browser('wasm')] },
});
