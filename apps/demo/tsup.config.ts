import { defineConfig } from 'tsup';

// The Node side: the `unif2ace` CLI and the `pnpm demo` server. The page is bundled by scripts/build-page.mjs.
export default defineConfig({
  entry: ['src/cli.ts', 'src/demo.ts'],
  format: ['esm'],
  sourcemap: true,
  clean: true,
  target: 'es2022',
  splitting: false, // each entry self-contained, so its isEntry(import.meta.url) check sees its own file
});
