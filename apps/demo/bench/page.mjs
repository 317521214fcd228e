#!/usr/bin/env node
// The demo page's speed and memory, in headless Chromium, per backend, side by side in one run:
// - first face: from navigation to the first generated face (page + worker start, backend init, weights
//   download and parse, then generation with the given steps), as a user who clicks Generate the moment the
//   model is ready would see it;
// - load (backend init + weights) and generation separately, ms per step (partial-picture decoding, which
//   the page also does after each step, reported on its own), ms per answered question;
// - memory: the peak resident memory of the page's renderer process (its workers included) and of the GPU
//   process (where WebGPU buffers live), sampled every 50 ms from /proc, and the tensor runtime's own peak;
// - what the page downloads: its files and the model folder.
// Usage: pnpm build && node bench/page.mjs [--model DIR] [--backends wasm,webgpu] [--steps 18] [--webgpu-steps N] [--questions 3]
//        [--json FILE]
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { chromiumArgs, chromiumPath } from '../../../tools/vitest/chromium.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    backends: { type: 'string', default: 'wasm,webgpu' },
    steps: { type: 'string', default: '18' },
    // SwiftShader (WebGPU without a GPU) takes tens of seconds per step: measure it over fewer
    'webgpu-steps': { type: 'string' },
    questions: { type: 'string', default: '3' },
    prompt: {
      type: 'string',
      default: 'A young woman with long red hair, round glasses and a blue background.',
    },
    json: { type: 'string' },
  },
});
const backends = values.backends.split(',');
const stepsFor = (backend) =>
  Number(backend === 'webgpu' && values['webgpu-steps'] ? values['webgpu-steps'] : values.steps);
const QUESTIONS = [
  'What color is the background?',
  'Is she wearing glasses?',
  'What color is her hair?',
  'Is she smiling?',
  'What kind of glasses is she wearing?',
].slice(0, Number(values.questions));

// ---- the server: the real `pnpm demo` entry, on a free port ----
const demo = fileURLToPath(new URL('../dist/demo.js', import.meta.url));
const server = spawn(
  process.execPath,
  [demo, '--port', '0', ...(values.model ? ['--model', values.model] : [])],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
let serverOut = '';
const url = await new Promise((resolve, reject) => {
  server.stdout.on('data', (d) => {
    serverOut += d;
    const out = serverOut;
    process.stdout.write(d);
    const m = /UniF2ace demo: (http:\/\/\S+)/.exec(out);
    if (m) resolve(m[1]);
  });
  server.on('exit', (code) => reject(new Error(`the demo server exited with ${code}`)));
});

// ---- memory sampling from /proc ----
const PAGE = 4096;
function rssOf(pid) {
  try {
    return Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * PAGE;
  } catch {
    return 0;
  }
}
function children(root) {
  const byParent = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!byParent.has(ppid)) byParent.set(ppid, []);
      byParent.get(ppid).push(Number(d));
    } catch {}
  }
  const out = [];
  const stack = [root];
  while (stack.length) {
    const p = stack.pop();
    for (const c of byParent.get(p) ?? []) {
      out.push(c);
      stack.push(c);
    }
  }
  return out;
}
function kindOf(pid) {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return /--type=([\w-]+)/.exec(cmd)?.[1] ?? 'browser';
  } catch {
    return 'gone';
  }
}

const browser = await chromium.launch({
  executablePath: chromiumPath,
  args: chromiumArgs,
});
// Chromium runs as children of this process (playwright starts it): its renderer and GPU processes are found
// there by their --type= flag.
const browserPid = process.pid;

const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length
    ? s.length % 2
      ? s[(s.length - 1) / 2]
      : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
    : NaN;
};

async function run(backend) {
  const context = await browser.newContext();
  const page = await context.newPage();
  // sample renderer and GPU process memory while the page runs (the renderer the page gets is new)
  const peak = { renderer: 0, gpu: 0 };
  const sampler = setInterval(() => {
    if (!browserPid) return;
    let renderer = 0;
    let gpu = 0;
    for (const pid of children(browserPid)) {
      const kind = kindOf(pid);
      // the page's renderer (its workers included) is the largest; spare renderers hold a few MB
      if (kind === 'renderer') renderer = Math.max(renderer, rssOf(pid));
      else if (kind === 'gpu-process') gpu += rssOf(pid);
    }
    peak.renderer = Math.max(peak.renderer, renderer);
    peak.gpu = Math.max(peak.gpu, gpu);
  }, 50);
  const t0 = performance.now();
  await page.goto(`${url}?backend=${backend}`);
  await page.waitForFunction(
    () => ['ready', 'error', 'none'].includes(document.body.dataset.model ?? ''),
    null,
    {
      timeout: 300_000,
    },
  );
  const state = await page.evaluate(() => document.body.dataset.model);
  if (state !== 'ready')
    throw new Error(`${backend}: the model did not load: ${await page.textContent('#status')}`);
  const tReady = performance.now();
  const rendererAtReady = peak.renderer;
  await page.fill('#prompt', values.prompt);
  const steps = stepsFor(backend);
  await page.fill('#steps', String(steps));
  await page.click('#generate');
  await page.waitForSelector('#face[data-done]', { timeout: 600_000 });
  const tFace = performance.now();
  const timing = JSON.parse((await page.getAttribute('#face', 'data-timing')) ?? '{}');
  const info = (await page.textContent('#backend-info')) ?? '';
  const loadMs = Number(await page.evaluate(() => document.body.dataset.loadMs));
  const tensorBytesLoaded = Number(await page.evaluate(() => document.body.dataset.tensorBytes));
  const answers = [];
  for (const q of QUESTIONS) {
    await page.fill('#question', q);
    await page.click('#ask');
    await page.waitForSelector(`#answers li:nth-child(${answers.length + 1})[data-done]`, {
      timeout: 300_000,
    });
    const li = page.locator(`#answers li:nth-child(${answers.length + 1})`);
    answers.push({
      q,
      a: await li.locator('.a').textContent(),
      ms: Number(await li.getAttribute('data-ms')),
    });
  }
  clearInterval(sampler);
  await context.close();
  return {
    backend,
    info,
    steps,
    firstFaceMs: tFace - t0,
    pageToReadyMs: tReady - t0,
    loadMs,
    generateMs: timing.ms,
    stepMsMedian: median(timing.stepMs),
    stepMs: timing.stepMs,
    decodeMs: timing.decodeMs,
    tensorPeakBytes: timing.peakBytes,
    tensorBytesLoaded,
    answers,
    answerMsMedian: median(answers.map((a) => a.ms)),
    rendererPeakBytes: peak.renderer,
    rendererAtReadyBytes: rendererAtReady,
    gpuProcessPeakBytes: peak.gpu,
  };
}

/** Bytes of every file under `dir`. */
function folderBytes(dir) {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = `${dir}/${e.name}`;
    total += e.isDirectory() ? folderBytes(p) : statSync(p).size;
  }
  return total;
}
const pageDir = fileURLToPath(new URL('../dist/page/', import.meta.url));
const pageBytes = readdirSync(pageDir)
  .filter((f) => !f.endsWith('.map'))
  .reduce((n, f) => n + statSync(`${pageDir}${f}`).size, 0);
const modelDir = /demo: model (.+) \(/.exec(serverOut)?.[1];
const modelBytes = modelDir ? folderBytes(modelDir) : 0;

const results = [];
try {
  for (const b of backends) {
    process.stdout.write(`running ${b} (${stepsFor(b)} steps)…\n`);
    try {
      results.push(await run(b));
    } catch (e) {
      console.error(`${b}: ${e.message.split('\n')[0]}`);
    }
  }
} finally {
  await browser.close();
  server.kill('SIGTERM');
}

const MB = (b) => `${(b / 2 ** 20).toFixed(1)} MB`;
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
console.log(
  `\nthe page downloads ${MB(pageBytes + modelBytes)}: its files ${(pageBytes / 1024).toFixed(0)} KiB (source maps not counted), the model ${MB(modelBytes)}`,
);
console.log(
  `prompt: "${values.prompt}"; machine load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
);
for (const r of results) {
  console.log(`\n${r.backend}, ${r.steps} steps: ${r.info}`);
  console.log(
    `  first face            ${s(r.firstFaceMs)} (page to model ready ${s(r.pageToReadyMs)}, of which backend + weights ${s(r.loadMs)}; generation ${s(r.generateMs)})`,
  );
  console.log(
    `  per step (median)     ${r.stepMsMedian.toFixed(0)} ms; partial-picture decoding ${(r.decodeMs / r.stepMs.length).toFixed(0)} ms per step on top`,
  );
  console.log(
    `  per answered question ${r.answerMsMedian.toFixed(0)} ms (median of ${r.answers.length}: ${r.answers.map((a) => `"${a.q}" → "${a.a}" ${a.ms.toFixed(0)} ms`).join('; ')})`,
  );
  console.log(
    `  peak memory           renderer ${MB(r.rendererPeakBytes)} RSS (${MB(r.rendererAtReadyBytes)} once the model was loaded), GPU process ${MB(r.gpuProcessPeakBytes)} RSS; tensors ${MB(r.tensorPeakBytes)} (${MB(r.tensorBytesLoaded)} once loaded)`,
  );
}
if (results.length === 2) {
  const [a, b] = results;
  console.log(
    `\n${b.backend} / ${a.backend}: ${a.steps === b.steps ? `first face ${(b.firstFaceMs / a.firstFaceMs).toFixed(2)}×, ` : ''}per step ${(b.stepMsMedian / a.stepMsMedian).toFixed(2)}×, per question ${(b.answerMsMedian / a.answerMsMedian).toFixed(2)}×`,
  );
}
if (values.json)
  writeFileSync(values.json, `${JSON.stringify({ pageBytes, modelBytes, results }, null, 2)}\n`);
