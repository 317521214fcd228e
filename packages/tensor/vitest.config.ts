import { defineConfig } from 'vitest/config';
import { browserProject } from '../../tools/vitest/browser-project.js';

// The same test files run on each backend under test (`DEVICE` in src/testing, compared with the CPU
// reference): WebGPU (Dawn in Node, SwiftShader in Chromium) and WASM (Node, and a cross-origin-isolated
// Chromium page, so its worker threads run). Backend-specific files stay in their own projects.
const webgpuOnly = ['src/backend/webgpu/**', 'src/kernels/webgpu/**'];
const wasmOnly = ['src/backend/wasm/**', 'src/kernels/wasm/**'];
const nodeOnly = ['src/**/*.node.test.ts'];

const node = (device: 'webgpu' | 'wasm', exclude: string[]) => ({
  test: {
    name: device === 'webgpu' ? 'node' : 'node-wasm',
    include: ['src/**/*.test.ts', ...(device === 'webgpu' ? ['test/**/*.test.ts'] : [])],
    exclude,
    // Node tests the plain SIMD128 kernels on 3 threads (uneven splits), Chromium the relaxed-SIMD FMA
    // ones on the default thread count
    provide: { device, wasmFma: false, wasmThreads: 3 },
    environment: 'node' as const,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // One GPU device per worker; lavapipe (and the WASM threads) already use both cores.
    pool: 'forks' as const,
    maxWorkers: 1,
  },
});

const browser = (device: 'webgpu' | 'wasm', exclude: string[]) => {
  const p = browserProject({
    name: device === 'webgpu' ? 'browser' : 'browser-wasm',
    include: ['src/**/*.test.ts'],
    exclude: [...nodeOnly, ...exclude],
    crossOriginIsolated: device === 'wasm',
  });
  return { ...p, test: { ...p.test, provide: { device, wasmFma: true } } };
};

export default defineConfig({
  test: {
    projects: [
      node('webgpu', wasmOnly),
      node('wasm', webgpuOnly),
      browser('webgpu', wasmOnly),
      browser('wasm', webgpuOnly),
    ],
  },
});
