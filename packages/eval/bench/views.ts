// Test-time views for FaceProbe, side by side in one run on the same held-out faces: one view (the plain
// arg-max), the five-view cross the shipped config uses, and a 3x3 block of shifts — accuracy overall and on the
// hardest attributes, and the cost per face. A benchmark script, not a test.
// Run: esbuild bench/views.ts --bundle --platform=node --format=esm --packages=external --outfile=.bench/views.mjs
//      N=2000 SEED=2 node .bench/views.mjs          (PROBE=DIR for another probe)
import { init } from '@unif2ace/tensor';
import { probeAccuracy } from '../src/probe/accuracy.js';
import { heldOutFaces } from '../src/probe/faces.js';
import { FaceProbe } from '../src/probe/probe.js';
import { CROSS_VIEWS, type View } from '../src/probe/views.js';

const N = Number(process.env.N ?? 2000);
const SEED = Number(process.env.SEED ?? 2);
await init({ backend: 'auto', wasm: { threads: Number(process.env.THREADS ?? 1) } });
const probe = await FaceProbe.load(process.env.PROBE);
const faces = heldOutFaces(N, { seed: SEED, size: probe.config.net.size });
const images = faces.map((f) => f.image);
const records = faces.map((f) => f.record);
const block: View[] = [];
for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) block.push([dx, dy]);
const HARD = ['age', 'expression', 'eyebrows', 'lipFullness', 'noseSize', 'skinTexture'];
const rows: { views: string; n: number; overall: number; msPerFace: number; hard: Record<string, number> }[] =
  [];
await probe.predict(images.slice(0, 64), { views: [[0, 0]] }); // warm up
for (const [name, views] of [
  ['one view', [[0, 0]] as View[]],
  ['cross (5, shipped)', [...CROSS_VIEWS]],
  ['3x3 block (9)', block],
] as const) {
  const t0 = performance.now();
  const preds = await probe.predict(images, { views });
  const ms = (performance.now() - t0) / N;
  const a = probeAccuracy(preds, records, probe.layout);
  const hard = Object.fromEntries(
    a.attributes.filter((x) => HARD.includes(x.name)).map((x) => [x.name, x.accuracy]),
  );
  rows.push({ views: name, n: views.length, overall: a.overall, msPerFace: ms, hard });
}
probe.dispose();
const pct = (x: number) => (100 * x).toFixed(2);
console.log(`${N} held-out faces (test split, base seed ${SEED}); accuracy over all (face, attribute) pairs`);
console.log(`| views | overall % | ${HARD.join(' | ')} | ms per face | vs one view |`);
console.log(`|---|--:|${HARD.map(() => '--:|').join('')}--:|--:|`);
for (const r of rows)
  console.log(
    `| ${r.views} | ${pct(r.overall)} | ${HARD.map((h) => pct(r.hard[h])).join(' | ')} | ${r.msPerFace.toFixed(2)} | ${(r.msPerFace / rows[0].msPerFace).toFixed(1)}x |`,
  );
