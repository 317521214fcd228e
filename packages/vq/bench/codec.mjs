// Encode + decode throughput of the image tokenizer (the shipped weights when present, else the same
// architecture with random weights), images/s on the WASM and WebGPU backends in Node, side by side in
// one run. node packages/vq/bench/codec.mjs [--batch 32] [--reps 3] [--threads N] [--only wasm|webgpu]
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formatGpuInfo, init, randn, tidy } from '@unif2ace/tensor';
import { ImageTokenizer, SHIPPED_WEIGHTS } from '@unif2ace/vq';

const arg = (k, d) => {
  const i = process.argv.indexOf(`--${k}`);
  return i > 0 ? process.argv[i + 1] : d;
};
const B = Number(arg('batch', 32));
const reps = Number(arg('reps', 3));
const threads = arg('threads') ? Number(arg('threads')) : undefined;
const only = arg('only');
const shipped = existsSync(fileURLToPath(new URL('model.safetensors', SHIPPED_WEIGHTS)));
const FALLBACK = {
  codec: {
    imageSize: 64,
    patchSize: 2,
    channels: 32,
    channelMult: [1, 2],
    resBlocks: 1,
    groups: 8,
    latentChannels: 4,
  },
  quantizer: { kind: 'fsq', levels: [8, 5, 5, 5] },
};

async function measure(backend) {
  const r = await init({ backend, wasm: threads ? { threads } : undefined });
  const where =
    backend === 'wasm'
      ? `wasm (${r.wasm?.threads} threads, FMA ${r.wasm?.fma})`
      : `webgpu (${formatGpuInfo(r.gpu).split('\n')[0]})`;
  const tok = shipped
    ? await ImageTokenizer.load()
    : ImageTokenizer.create(FALLBACK.codec, FALLBACK.quantizer).eval();
  const s = tok.imageSize;
  const x = tidy(() => randn([B, 3, s, s], { seed: 1 }).tanh());
  const run = async () => {
    const codes = tok.encode(x);
    const y = tok.decode(codes);
    await y.data(); // wait for the device
    codes.dispose();
    y.dispose();
  };
  await run(); // warm-up (pipelines, V8 tiers)
  const times = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const ms = times[Math.floor(times.length / 2)];
  x.dispose();
  tok.dispose();
  return { where, ms, ips: (B * 1000) / ms };
}

const rows = [];
for (const be of ['wasm', 'webgpu']) if (!only || only === be) rows.push(await measure(be));
console.log(
  `ImageTokenizer encode + decode, batch ${B}, ${shipped ? 'shipped weights' : 'random weights (no shipped weights yet)'}, median of ${reps}`,
);
for (const r of rows)
  console.log(`  ${r.where}: ${r.ms.toFixed(0)} ms per batch, ${r.ips.toFixed(1)} images/s`);
if (rows.length === 2)
  console.log(`  WASM / WebGPU throughput ratio: ${(rows[0].ips / rows[1].ips).toFixed(2)}x`);
