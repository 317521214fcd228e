import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { deviceProjects } from '../../tools/vitest/device-projects.js';

// Tests run against the tensor package's source, so a change there needs no rebuild to be tested here.
const alias = {
  '@unif2ace/tensor/testing': fileURLToPath(new URL('../tensor/src/testing/index.ts', import.meta.url)),
  '@unif2ace/tensor': fileURLToPath(new URL('../tensor/src/index.ts', import.meta.url)),
  // the bench script and the README example import the package by name
  '@unif2ace/diffusion': fileURLToPath(new URL('./src/index.ts', import.meta.url)),
};

// Each suite runs on WebGPU and on the WASM backend (`DEVICE` in @unif2ace/tensor/testing).
export default defineConfig({
  resolve: { alias },
  test: { projects: deviceProjects({ resolve: { alias }, testTimeout: 300_000 }) },
});
