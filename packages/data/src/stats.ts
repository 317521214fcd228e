// Statistics of a generated dataset: attribute histograms (with how often each attribute is hidden),
// caption lengths and mentions, QA counts by kind and answer, and a contact sheet of the first faces.
import { gridImage } from './contact-sheet.js';
import { decodePng } from './png/decode.js';
import type { FaceRecord } from './record.js';
import type { RenderedFace } from './renderer/render.js';
import { readShards, sampleJson } from './shards/index.js';
import { SPLITS, type Split } from './splits.js';
import { ATTRIBUTE_NAMES } from './taxonomy/taxonomy.js';

export interface DatasetStats {
  samples: number;
  splits: Record<Split, number>;
  /** attribute -> value (or "hidden") -> count. */
  attributes: Record<string, Record<string, number>>;
  captionWords: { mean: number; min: number; max: number; histogram: Record<string, number> };
  mentionedPerCaption: { mean: number; min: number; max: number };
  qa: { total: number; perImage: number; byKind: Record<string, number>; yes: number; no: number };
}

export interface StatsOptions {
  /** Faces in the contact sheet (default 64, 0 for none). */
  sheet?: number;
}

export async function datasetStats(
  dir: string,
  options: StatsOptions = {},
): Promise<{ stats: DatasetStats; sheet: RenderedFace | null }> {
  const sheetN = options.sheet ?? 64;
  const stats: DatasetStats = {
    samples: 0,
    splits: { train: 0, validation: 0, test: 0 },
    attributes: Object.fromEntries(ATTRIBUTE_NAMES.map((n) => [n, {}])),
    captionWords: { mean: 0, min: Number.POSITIVE_INFINITY, max: 0, histogram: {} },
    mentionedPerCaption: { mean: 0, min: Number.POSITIVE_INFINITY, max: 0 },
    qa: { total: 0, perImage: 0, byKind: {}, yes: 0, no: 0 },
  };
  const faces: RenderedFace[] = [];
  let words = 0;
  let mentions = 0;
  for (const split of SPLITS) {
    const { existsSync } = await import('node:fs');
    if (!existsSync(`${dir}/${split}/faces-index.json`)) continue;
    for await (const sample of readShards({ dir: `${dir}/${split}`, prefix: 'faces' })) {
      const rec = sampleJson<FaceRecord>(sample);
      stats.samples++;
      stats.splits[split]++;
      for (const n of ATTRIBUTE_NAMES) {
        const v = rec.attributes[n];
        const key = v === null ? 'hidden' : String(v);
        const h = stats.attributes[n];
        h[key] = (h[key] ?? 0) + 1;
      }
      const w = rec.caption.split(/\s+/).length;
      words += w;
      stats.captionWords.min = Math.min(stats.captionWords.min, w);
      stats.captionWords.max = Math.max(stats.captionWords.max, w);
      const bucket = `${Math.floor(w / 10) * 10}-${Math.floor(w / 10) * 10 + 9}`;
      stats.captionWords.histogram[bucket] = (stats.captionWords.histogram[bucket] ?? 0) + 1;
      const m = rec.mentioned.length;
      mentions += m;
      stats.mentionedPerCaption.min = Math.min(stats.mentionedPerCaption.min, m);
      stats.mentionedPerCaption.max = Math.max(stats.mentionedPerCaption.max, m);
      for (const qa of rec.qa) {
        stats.qa.total++;
        stats.qa.byKind[qa.kind] = (stats.qa.byKind[qa.kind] ?? 0) + 1;
        if (qa.a === 'yes') stats.qa.yes++;
        if (qa.a === 'no') stats.qa.no++;
      }
      if (faces.length < sheetN && sample.files.png) {
        const im = decodePng(sample.files.png, `${sample.shard}:${sample.key}.png`);
        faces.push({ rgb: im.rgb, width: im.width, height: im.height });
      }
    }
  }
  if (stats.samples === 0) throw new Error(`stats: no samples found under ${dir}/{${SPLITS.join(',')}}`);
  stats.captionWords.mean = words / stats.samples;
  stats.mentionedPerCaption.mean = mentions / stats.samples;
  stats.qa.perImage = stats.qa.total / stats.samples;
  const sheet = faces.length
    ? gridImage(faces, { columns: Math.ceil(Math.sqrt(faces.length)), gap: 2 })
    : null;
  return { stats, sheet };
}

/** A plain-text report with bar histograms. */
export function formatStats(s: DatasetStats): string {
  const bar = (n: number, total: number) => '#'.repeat(Math.round((30 * n) / Math.max(total, 1)));
  const lines: string[] = [];
  lines.push(
    `samples: ${s.samples} (train ${s.splits.train}, validation ${s.splits.validation}, test ${s.splits.test})`,
  );
  lines.push(
    `caption words: mean ${s.captionWords.mean.toFixed(1)}, min ${s.captionWords.min}, max ${s.captionWords.max}; ` +
      `attributes mentioned per caption: mean ${s.mentionedPerCaption.mean.toFixed(1)} (min ${s.mentionedPerCaption.min}, max ${s.mentionedPerCaption.max})`,
  );
  lines.push(
    `qa: ${s.qa.total} pairs, ${s.qa.perImage.toFixed(2)} per image; yes ${s.qa.yes} / no ${s.qa.no}; ` +
      Object.entries(s.qa.byKind)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
  );
  lines.push('', 'caption length (words):');
  const hist = Object.entries(s.captionWords.histogram).sort(
    (a, b) => Number.parseInt(a[0], 10) - Number.parseInt(b[0], 10),
  );
  for (const [k, v] of hist) lines.push(`  ${k.padStart(7)} ${String(v).padStart(7)} ${bar(v, s.samples)}`);
  for (const [name, h] of Object.entries(s.attributes)) {
    lines.push('', `${name}:`);
    for (const [v, n] of Object.entries(h).sort((a, b) => b[1] - a[1])) {
      lines.push(
        `  ${v.padEnd(12)} ${String(n).padStart(7)} ${((100 * n) / s.samples).toFixed(1).padStart(5)}% ${bar(n, s.samples)}`,
      );
    }
  }
  return lines.join('\n');
}
