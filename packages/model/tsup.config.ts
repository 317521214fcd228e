import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  external: [
    '@unif2ace/common',
    '@unif2ace/data',
    '@unif2ace/diffusion',
    '@unif2ace/moe',
    '@unif2ace/nn',
    '@unif2ace/tensor',
    '@unif2ace/vq',
  ],
});
