import { defineConfig } from 'vitest/config';
import { deviceProjects } from '../../tools/vitest/device-projects.js';

// The same test files run on each backend under test (`DEVICE` in src/testing); backend-specific files
// stay in their own projects. node-wasm runs 3 threads on 2 cores so uneven work splits get tested.
export default defineConfig({
  test: {
    projects: deviceProjects({
      webgpuOnly: ['src/backend/webgpu/**', 'src/kernels/webgpu/**'],
      wasmOnly: ['src/backend/wasm/**', 'src/kernels/wasm/**'],
      wasmThreads: 3,
    }),
  },
});
