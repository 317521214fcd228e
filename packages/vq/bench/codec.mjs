// Encode + decode throughput of the image tokenizer (the shipped weights, or --tokenizer DIR), images/s on
// the WASM and WebGPU backends in Node and in headless Chromium (WebGPU there: SwiftShader unless the
// machine has a GPU Chromium can use), side by side in one run.
//   node packages/vq/bench/codec.mjs [--batch 32] [--reps 3] [--threads N] [--tokenizer DIR]
//     [--only node-wasm,node-webgpu,chromium-wasm,chromium-webgpu]   (default: all four)
// Chromium: the page is bundled with esbuild (offline, about a second) and served from 127.0.0.1 with the
// cross-origin isolation headers that let the WASM backend start worker threads there; the browser is the
// project's (tools/vitest/chromium.js: /usr/bin/chromium or $UNIF2ACE_CHROMIUM).
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { builtinModules } from 'node:module';
import { extname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tensor from '@unif2ace/tensor';
import { ImageTokenizer, SHIPPED_WEIGHTS } from '@unif2ace/vq';
import { chromiumArgs, chromiumPath } from '../../../tools/vitest/chromium.js';
import { measure } from './codec-measure.mjs';

const ALL = ['node-wasm', 'node-webgpu', 'chromium-wasm', 'chromium-webgpu'];
const arg = (k, d) => {
  const i = process.argv.indexOf(`--${k}`);
  return i > 0 ? process.argv[i + 1] : d;
};
const batch = Number(arg('batch', 32));
const reps = Number(arg('reps', 3));
const threads = arg('threads') ? Number(arg('threads')) : undefined;
const tokDir = arg('tokenizer');
const weightsDir = tokDir ? resolve(tokDir) : fileURLToPath(SHIPPED_WEIGHTS);
// `--only wasm` / `--only webgpu` (the earlier spelling) mean the Node rows.
const only = (arg('only') ?? ALL.join(','))
  .split(',')
  .map((s) => (s === 'wasm' || s === 'webgpu' ? `node-${s}` : s));
for (const o of only)
  if (!ALL.includes(o)) throw new Error(`codec.mjs: --only takes ${ALL.join(', ')}; got '${o}'`);
for (const [k, v] of Object.entries({ batch, reps }))
  if (!Number.isInteger(v) || v < 1) throw new Error(`codec.mjs: --${k} must be a positive integer`);

const opts = { batch, reps, threads };
const loadTokenizer = () => ImageTokenizer.load(pathToFileURL(`${weightsDir}/`));

// ---- Chromium: bundle a page that runs the same `measure`, serve it with the weights ----
// (bundled before any Node measurement: esbuild fails to find its binary once the Node backends have run)
async function bundlePage() {
  const { build } = await import('esbuild');
  const here = fileURLToPath(new URL('.', import.meta.url));
  const bundle = await build({
    stdin: {
      contents: `import * as tensor from '@unif2ace/tensor';
import { ImageTokenizer } from '@unif2ace/vq';
import { measure } from './codec-measure.mjs';
window.bench = (backend, opts) =>
  measure(tensor, () => ImageTokenizer.load(new URL('/weights/', location.href)), backend, opts);
window.benchReady = true;`,
      resolveDir: here,
      loader: 'js',
    },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    // Node-only branches (file paths, the `webgpu` package) are imported lazily; the page never takes them.
    external: [...builtinModules, ...builtinModules.map((m) => `node:${m}`), 'webgpu', '@unif2ace/*/node'],
    logLevel: 'warning',
  });
  return bundle.outputFiles[0].contents;
}

async function chromiumRows(backends, js) {
  const { chromium } = await import('playwright');
  const headers = {
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-embedder-policy': 'require-corp',
  };
  const server = createServer(async (req, res) => {
    const path = new URL(req.url, 'http://localhost').pathname;
    if (path === '/')
      return res
        .writeHead(200, { 'content-type': 'text/html', ...headers })
        .end('<!doctype html><meta charset="utf-8"><script type="module" src="/bench.js"></script>');
    if (path === '/bench.js')
      return res.writeHead(200, { 'content-type': 'text/javascript', ...headers }).end(js);
    const name = path.startsWith('/weights/') ? path.slice('/weights/'.length) : '';
    if (!['config.json', 'model.safetensors'].includes(name)) return res.writeHead(404).end();
    const body = await readFile(join(weightsDir, name));
    const type = extname(name) === '.json' ? 'application/json' : 'application/octet-stream';
    res.writeHead(200, { 'content-type': type, ...headers }).end(body);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://localhost:${server.address().port}/`;
  let browser;
  try {
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true });
  } catch (e) {
    server.close();
    throw new Error(`cannot start Chromium at ${chromiumPath} (set UNIF2ACE_CHROMIUM): ${e.message}`);
  }
  const rows = [];
  try {
    for (const backend of backends) {
      // a fresh page per backend: one backend's buffers and workers do not stay around for the next
      const page = await browser.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(url);
      await page
        .waitForFunction(() => window.benchReady, undefined, { timeout: 60_000 })
        .catch(() => {
          throw new Error(`the bench page did not load${errors.length ? `: ${errors.join('; ')}` : ''}`);
        });
      const r = await page.evaluate(([b, o]) => window.bench(b, o), [backend, opts]);
      rows.push({ ...r, name: `chromium-${backend}`, where: `Chromium ${browser.version()}, ${r.where}` });
      await page.close();
    }
  } finally {
    await browser.close();
    server.close();
  }
  return rows;
}

const chromiumWanted = ['wasm', 'webgpu'].filter((b) => only.includes(`chromium-${b}`));
const page = chromiumWanted.length ? await bundlePage() : null;
const rows = [];
for (const b of ['wasm', 'webgpu'])
  if (only.includes(`node-${b}`)) {
    const r = await measure(tensor, loadTokenizer, b, opts);
    rows.push({ ...r, name: `node-${b}`, where: `Node ${process.version}, ${r.where}` });
  }
if (page) rows.push(...(await chromiumRows(chromiumWanted, page)));

console.log(
  `ImageTokenizer encode + decode, batch ${batch}, weights ${weightsDir}, median of ${reps}${threads ? `, ${threads} WASM threads asked` : ''}`,
);
for (const r of rows)
  console.log(
    `  ${r.name.padEnd(16)} ${r.ms.toFixed(0).padStart(6)} ms per batch, ${r.ips.toFixed(1).padStart(6)} images/s   checksum ${r.check.toFixed(3)}   ${r.where}`,
  );
const base = rows.find((r) => r.name === 'node-wasm');
if (base && rows.length > 1)
  console.log(
    `  throughput relative to node-wasm: ${rows.map((r) => `${r.name} ${(r.ips / base.ips).toFixed(2)}x`).join(', ')}`,
  );
