#!/usr/bin/env node
// `pnpm gpu-info`: which WebGPU adapter the project gets here, through @unif2ace/tensor's built dist, and
// what the WASM backend gets (threads, FMA) and which backend `init({ backend: 'auto' })` picks, and why.
//   node tools/gpu-info/gpu-info.mjs            Node (Dawn via the `webgpu` package)
//   node tools/gpu-info/gpu-info.mjs --browser  headless Chromium (navigator.gpu), same flags as the vitest browser project
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
for (const a of args) {
  if (a !== '--browser') {
    console.error(`gpu-info: unknown argument '${a}'. Usage: gpu-info.mjs [--browser]`);
    process.exit(2);
  }
}

/** The built ESM entry of @unif2ace/tensor, or an error saying how to get it. */
async function importTensor() {
  try {
    return await import('@unif2ace/tensor');
  } catch (e) {
    const fix = e.message.includes("Cannot find package '@unif2ace/tensor'")
      ? 'Install the workspace first: pnpm install'
      : 'Build it first: pnpm turbo run build --filter @unif2ace/tensor';
    throw new Error(`cannot load @unif2ace/tensor's dist (${e.message}). ${fix}`);
  }
}

async function nodeInfo() {
  const { acquireGpu, formatGpuInfo } = await importTensor();
  const { info, device } = await acquireGpu();
  console.log(formatGpuInfo(info));
  console.log(
    `host:      node ${process.version} ${process.platform}-${process.arch}, webgpu ${dawnVersion()}`,
  );
  if (info.backend === 'vulkan') console.log(`vulkan:    ${vulkanLoader()}`);
  device.destroy();
  const { init } = await importTensor();
  const auto = await init({ backend: 'auto' });
  const w = (await init({ backend: 'wasm' })).wasm;
  console.log(formatWasm(w));
  console.log(`auto:      ${auto.backend.name} (${auto.reason})`);
}

/** The `wasm:` line: threads, FMA, and why either is off. */
function formatWasm(w) {
  return `wasm:      ${w.threads} thread${w.threads > 1 ? 's' : ''}, FMA ${w.fma ? 'on' : 'off'}, shared memory ${w.shared ? 'yes' : 'no'}${w.notes.length ? ` (${w.notes.join('; ')})` : ''}`;
}

/** Which libvulkan the process loaded (Linux), and the driver list if forced: says what the device used. */
function vulkanLoader() {
  let loader = '?';
  try {
    const line = readFileSync('/proc/self/maps', 'utf8')
      .split('\n')
      .find((l) => /\/libvulkan\.so/.test(l));
    loader = line ? line.slice(line.indexOf('/')) : 'not mapped';
  } catch {}
  const icd = process.env.VK_DRIVER_FILES ?? process.env.VK_ICD_FILENAMES;
  return `loader ${loader}${icd ? `, drivers ${icd}` : ''}`;
}

/** Version of the `webgpu` package (Dawn) that @unif2ace/tensor resolves. */
function dawnVersion() {
  try {
    const req = createRequire(import.meta.resolve('@unif2ace/tensor'));
    return JSON.parse(readFileSync(req.resolve('webgpu/package.json'), 'utf8')).version;
  } catch {
    return '?';
  }
}

const PAGE = `<!doctype html><meta charset="utf-8"><title>gpu-info</title>
<script type="module">
  try {
    const { acquireGpu, formatGpuInfo, init } = await import('/tensor/index.js');
    const { info, device } = await acquireGpu();
    device.destroy();
    const auto = await init({ backend: 'auto' });
    const { wasm } = await init({ backend: 'wasm' });
    window.__gpuInfo = { ok: true, text: formatGpuInfo(info), wasm, auto: \`\${auto.backend.name} (\${auto.reason})\`, isolated: crossOriginIsolated };
  } catch (e) {
    window.__gpuInfo = { ok: false, error: String(e && e.stack || e) };
  }
</script>`;

const MIME = {
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.map': 'application/json',
  '.json': 'application/json',
};

// Cross-origin isolation (SharedArrayBuffer): what lets the WASM backend run worker threads in a page.
const ISOLATION = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};

/**
 * Serves PAGE at / and the tensor dist folder at /tensor/ on http://localhost (a secure context), every
 * response with the COOP/COEP headers.
 */
async function serveTensorPage() {
  const distDir = dirname(fileURLToPath(import.meta.resolve('@unif2ace/tensor')));
  const server = createServer(async (req, res) => {
    const path = new URL(req.url, 'http://localhost').pathname;
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html', ...ISOLATION }).end(PAGE);
      return;
    }
    const rel = path.startsWith('/tensor/') ? normalize(path.slice('/tensor/'.length)) : null;
    if (!rel || rel.startsWith('..')) {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = await readFile(join(distDir, rel));
      res
        .writeHead(200, { 'content-type': MIME[extname(rel)] ?? 'application/octet-stream', ...ISOLATION })
        .end(body);
    } catch {
      res.writeHead(404).end(`not in ${distDir}: ${rel}`);
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://localhost:${server.address().port}/` };
}

async function browserInfo() {
  await importTensor(); // fails early, with the build hint, when dist is missing
  const { chromiumArgs, chromiumPath } = await import('../vitest/chromium.js');
  const { chromium } = await import('playwright-core');
  const { server, url } = await serveTensorPage();
  console.error(`gpu-info: ${chromiumPath} on ${url}`);
  let browser;
  try {
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true });
  } catch (e) {
    server.close();
    throw new Error(
      `cannot start Chromium at ${chromiumPath} (set UNIF2ACE_CHROMIUM to another one): ${e.message}`,
    );
  }
  try {
    const page = await browser.newPage();
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await page.goto(url);
    const handle = await page
      .waitForFunction(() => window.__gpuInfo, undefined, { timeout: 60_000 })
      .catch(() => {
        throw new Error(
          `page reported nothing within 60 s${pageErrors.length ? `: ${pageErrors.join('; ')}` : ''}`,
        );
      });
    const result = await handle.jsonValue();
    if (!result.ok) throw new Error(`in Chromium: ${result.error}`);
    console.log(result.text);
    console.log(`browser:   ${browser.version()}, cross-origin isolated ${result.isolated ? 'yes' : 'no'}`);
    console.log(formatWasm(result.wasm));
    console.log(`auto:      ${result.auto}`);
  } finally {
    await browser.close();
    server.close();
  }
}

try {
  await (args.includes('--browser') ? browserInfo() : nodeInfo());
} catch (e) {
  console.error(`gpu-info: ${e.message}`);
  process.exit(1);
}
