// Bundles the page (esbuild: offline, about a second): src/page/main.ts and the model worker
// src/page/worker.ts into dist/page/, with index.html and style.css beside them. Node built-ins that the
// packages import lazily for their Node paths stay external: the page never reaches those branches.
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}dist/page`;
// The packages' Node-only entries (`@unif2ace/common/node`, `@unif2ace/nn/node`) are imported lazily on Node
// paths (saving files): bundled, their static imports of fs and path would be hoisted into the page.
const external = [...builtinModules, ...builtinModules.map((m) => `node:${m}`), 'webgpu', '@unif2ace/*/node'];

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { main: 'src/page/main.ts', worker: 'src/page/worker.ts' },
  outdir: out,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  external,
  metafile: true,
  logLevel: 'warning',
  legalComments: 'none',
});
// A static import left in a bundle would stop it from loading in a browser: refuse to ship one.
for (const [file, o] of Object.entries(result.metafile.outputs)) {
  const stat = o.imports.filter((i) => i.kind === 'import-statement');
  if (stat.length)
    throw new Error(
      `build-page: ${file} statically imports ${stat.map((i) => i.path).join(', ')} (Node-only code reached the page)`,
    );
}
for (const f of ['index.html', 'style.css']) await copyFile(`${root}src/page/${f}`, `${out}/${f}`);
const sizes = Object.entries(result.metafile.outputs)
  .filter(([f]) => f.endsWith('.js'))
  .map(([f, o]) => `${f.split('/').at(-1)} ${(o.bytes / 1024).toFixed(0)} KiB`);
console.log(`page: ${sizes.join(', ')}`);
