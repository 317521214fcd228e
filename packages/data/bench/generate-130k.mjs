// Benchmark: the full synthetic set (default 130,000 faces at 64 px, captions, ~1M QA pairs, sharded)
// with K worker threads (default 2). Run after `pnpm build`:
//   node bench/generate-130k.mjs [--count 130000] [--workers 2] [--size 64] [--out DIR] [--keep]
// Prints images/s, wall and CPU time, and the projected time for 130K.
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateDataset, readShards } from '../dist/index.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '130000' },
    workers: { type: 'string', default: '2' },
    size: { type: 'string', default: '64' },
    out: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const count = Number(values.count);
const workers = Number(values.workers);
const out = values.out ?? (await mkdtemp(join(tmpdir(), 'unif2ace-130k-')));
const load0 = loadavg()[0];
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let lastPrint = 0;
const summary = await generateDataset({
  out,
  count,
  size: Number(values.size),
  seed: 0,
  workers,
  onProgress: (p) => {
    const now = performance.now();
    if (now - lastPrint > 10_000 || p.done === p.total) {
      lastPrint = now;
      console.error(
        `  ${p.done}/${p.total} ${(((p.done - p.resumed) * 1000) / Math.max(p.elapsedMs, 1)).toFixed(0)} img/s`,
      );
    }
  },
});
const wall = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuS = (cpu.user + cpu.system) / 1e6;

// Count QA pairs and shard bytes by reading everything back.
let qa = 0;
let samples = 0;
const dec = new TextDecoder();
for (const split of ['train', 'validation', 'test']) {
  for await (const s of readShards({ dir: join(out, split), prefix: 'faces' })) {
    qa += JSON.parse(dec.decode(s.files.json)).qa.length;
    samples++;
  }
}
const rate = summary.rendered / wall;
const result = {
  count,
  size: Number(values.size),
  workers,
  cores: availableParallelism(),
  loadAverageAtStart: Number(load0.toFixed(2)),
  loadAverageAtEnd: Number(loadavg()[0].toFixed(2)),
  rendered: summary.rendered,
  samplesReadBack: samples,
  qaPairs: qa,
  shards: summary.splits,
  wallSeconds: Number(wall.toFixed(1)),
  imagesPerSecond: Number(rate.toFixed(1)),
  projectedSecondsFor130k: Number((130000 / rate).toFixed(0)),
  cpuSecondsAllThreads: Number(cpuS.toFixed(1)),
  cpuMsPerImage: Number(((cpuS * 1000) / summary.rendered).toFixed(2)),
  projectedSecondsFor130kOnTwoIdleCores: Number((((cpuS / summary.rendered) * 130000) / 2).toFixed(0)),
  node: process.version,
};
console.log(JSON.stringify(result, null, 2));
if (!values.keep && !values.out) await rm(out, { recursive: true, force: true });
