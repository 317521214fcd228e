import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/testing/index.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // Dawn is a native addon; users' bundlers must never try to inline it.
  external: ['webgpu', 'vitest'],
});
