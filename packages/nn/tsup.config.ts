import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/node.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  external: [
    '@unif2ace/tensor',
    '@unif2ace/common',
    'node:fs',
    'node:fs/promises',
    'node:path',
    'node:crypto',
  ],
});
