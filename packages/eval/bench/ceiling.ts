// Which labels can the 64 px pixels show at all? For N random train-split faces and every attribute that
// the taxonomy calls visible on that face, re-render the face with each other value of the attribute (same
// seed: same jitter, colours, freckle positions; everything else unchanged) and measure how far the image
// moves. A face whose label has an alternative value that draws (nearly) the same picture is one no probe
// can judge from pixels: the fraction of such faces per attribute bounds the reachable accuracy (the
// Bayes ceiling, before priors). A sizing script, not a test.
// Run: esbuild bench/ceiling.ts --bundle --platform=node --format=esm --packages=external \
//        --outfile=.bench/ceiling.mjs && N=1000 node .bench/ceiling.mjs [--json out.json]
// Difference of two renders: max |Δ| over pixels and channels (grey levels) and the count of pixels whose
// largest channel difference is >= 8 (a clearly visible change). Thresholds (env): SAME_MAX (default 2
// grey levels: identical up to anti-aliasing noise), FAINT_PIXELS (default 3: fewer clearly changed pixels
// than this counts as near-identical — the change would not survive blur σ 0.5 or JPEG q75).
import { writeFileSync } from 'node:fs';
import {
  ATTRIBUTE_NAMES,
  type AttributeName,
  attributeSpec,
  type FaceAttributes,
  Rng,
  renderFace,
  sampleAttributes,
  visibleAttributes,
} from '@unif2ace/data';
import { splitSeeds } from '../src/probe/faces.js';
import { samplerAllows } from '../src/probe/identifiability.js';

const N = Number(process.env.N ?? 500);
const SAME_MAX = Number(process.env.SAME_MAX ?? 2);
const FAINT_PIXELS = Number(process.env.FAINT_PIXELS ?? 3);
const jsonOut = process.argv.indexOf('--json') > 0 ? process.argv[process.argv.indexOf('--json') + 1] : null;

interface Diff {
  max: number;
  changed: number;
}
function diff(a: Uint8Array, b: Uint8Array): Diff {
  let max = 0;
  let changed = 0;
  for (let p = 0; p < a.length; p += 3) {
    const d = Math.max(Math.abs(a[p] - b[p]), Math.abs(a[p + 1] - b[p + 1]), Math.abs(a[p + 2] - b[p + 2]));
    if (d > max) max = d;
    if (d >= 8) changed++;
  }
  return { max, changed };
}

interface Row {
  visible: number;
  /** Faces whose value has an alternative drawing an identical image (max |Δ| <= SAME_MAX). */
  same: number;
  /** ... or a near-identical one (fewer than FAINT_PIXELS clearly changed pixels). */
  faint: number;
  /** Confusable value pairs with an example context: "a~b" -> count and a few seeds. */
  pairs: Record<string, { count: number; seeds: number[] }>;
  /** The other attributes' values most common among the near-identical faces ("name=value" -> count). */
  contexts: Record<string, number>;
  /** Median over faces of the smallest clearly-changed pixel count to any alternative. */
  minChanged: number[];
}
const rows = new Map<AttributeName, Row>(
  ATTRIBUTE_NAMES.map((n) => [n, { visible: 0, same: 0, faint: 0, pairs: {}, contexts: {}, minChanged: [] }]),
);

const seeds = splitSeeds(0, 'train', N);
const t0 = Date.now();
for (const [i, seed] of seeds.entries()) {
  const attrs = sampleAttributes(Rng.derive(seed, 'attributes'));
  const vis = visibleAttributes(attrs);
  const base = renderFace(attrs, { size: 64, seed }).rgb;
  for (const name of ATTRIBUTE_NAMES) {
    if (vis[name] === null) continue;
    const row = rows.get(name) as Row;
    row.visible++;
    let minMax = Infinity;
    let minChanged = Infinity;
    let closest = '';
    for (const v of attributeSpec(name).values) {
      if (v === attrs[name]) continue;
      const alt = { ...attrs, [name]: v } as FaceAttributes;
      if (!samplerAllows(alt)) continue; // the sampler never draws it: the label is certain there
      const d = diff(base, renderFace(alt, { size: 64, seed }).rgb);
      if (d.changed < minChanged || (d.changed === minChanged && d.max < minMax)) {
        minChanged = d.changed;
        minMax = d.max;
        closest = String(v);
      }
    }
    if (minChanged === Infinity) continue; // no alternative the sampler can draw: the label is certain
    row.minChanged.push(minChanged);
    if (minMax <= SAME_MAX) row.same++;
    if (minMax <= SAME_MAX || minChanged < FAINT_PIXELS) {
      row.faint++;
      const key = `${attrs[name]}~${closest}`;
      row.pairs[key] ??= { count: 0, seeds: [] };
      const p = row.pairs[key];
      p.count++;
      if (p.seeds.length < 3) p.seeds.push(seed);
      for (const other of ATTRIBUTE_NAMES)
        if (other !== name) {
          const k = `${other}=${attrs[other]}`;
          row.contexts[k] = (row.contexts[k] ?? 0) + 1;
        }
    }
  }
  if (i % 100 === 99) console.error(`${i + 1}/${N} faces (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
}

const pct = (a: number, b: number) => (b ? ((100 * a) / b).toFixed(2) : '—');
console.log(
  `${N} train-split faces (base seed 0); identical: max |Δ| <= ${SAME_MAX}; near-identical: < ${FAINT_PIXELS} pixels change by >= 8 grey levels\n`,
);
console.log(
  '| attribute | visible | identical % | near-identical % | median changed px (closest alt.) | most confusable pairs (value~closest: faces) |',
);
console.log('|---|--:|--:|--:|--:|---|');
const out: Record<string, unknown> = {};
for (const [name, r] of rows) {
  const sorted = [...r.minChanged].sort((a, b) => a - b);
  const med = sorted.length ? sorted[Math.floor(sorted.length / 2)] : Number.NaN;
  const pairs = Object.entries(r.pairs)
    .sort((a, b) => b[1].count - a[1].count)
    .slice(0, 4)
    .map(([k, v]) => `${k}: ${v.count}`)
    .join(', ');
  console.log(
    `| ${name} | ${r.visible} | ${pct(r.same, r.visible)} | ${pct(r.faint, r.visible)} | ${med} | ${pairs} |`,
  );
  const ctx = Object.entries(r.contexts)
    .filter(([, c]) => c >= Math.max(2, 0.8 * r.faint))
    .sort((a, b) => b[1] - a[1])
    .map(([k, c]) => `${k} ${c}/${r.faint}`);
  if (ctx.length) console.error(`${name}: near-identical faces share ${ctx.join(', ')}`);
  out[name] = {
    visible: r.visible,
    same: r.same,
    faint: r.faint,
    medianChanged: med,
    pairs: r.pairs,
    contexts: ctx,
  };
}
if (jsonOut)
  writeFileSync(jsonOut, `${JSON.stringify({ N, SAME_MAX, FAINT_PIXELS, attributes: out }, null, 1)}\n`);
