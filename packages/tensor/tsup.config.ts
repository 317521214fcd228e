import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/testing/index.ts'],
  format: ['esm'],
  // The declarations name GPUDevice & co. from @webgpu/types (a dependency): say so, or a user's strict
  // `tsc` (skipLibCheck: false) cannot find them.
  dts: { banner: '/// <reference types="@webgpu/types" />' },
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // Dawn is a native addon; users' bundlers must never try to inline it.
  external: ['webgpu', 'vitest'],
});
