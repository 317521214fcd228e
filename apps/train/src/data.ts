// The run's data: faces rendered into shards under the run folder (resumable, via data's generateDataset),
// or shards someone made with `unif2ace-data generate` / `ingest` (--data DIR). Records are read into memory
// (captions and questions are small); images are decoded only where they are needed (encoding to codes,
// validation samples).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  decodePng,
  type FaceRecord,
  generateDataset,
  readShardIndex,
  readShards,
  type Split,
  sampleJson,
} from '@unif2ace/data';
import type { RgbImage } from '@unif2ace/eval';
import type { DataConfig } from './config.js';
import type { Log } from './log.js';

/** The question that turns captioning into understanding (DESIGN.md §2). */
export const CAPTION_QUESTION = 'Describe this face in detail.';

export interface FaceItem {
  record: FaceRecord;
  /** Decoded image (only when asked for). */
  image?: RgbImage;
}

/** Renders the run's dataset (or checks the given folder) and returns the dataset folder. */
export async function prepareData(
  cfg: DataConfig,
  runDir: string,
  dataDir: string | undefined,
  log: Log,
): Promise<string> {
  if (dataDir) {
    for (const split of ['train', 'validation'] as const) {
      const index = await readShardIndex(join(dataDir, split), 'faces');
      if (!index || index.samples === 0)
        throw new Error(
          `--data ${dataDir}: no shards in ${join(dataDir, split)} (make them with 'unif2ace-data generate' or 'unif2ace-data ingest')`,
        );
    }
    return dataDir;
  }
  const out = join(runDir, 'data');
  const t0 = Date.now();
  let lastLine = 0;
  const summary = await generateDataset({
    out,
    count: cfg.faces,
    size: cfg.size,
    seed: cfg.seed,
    samplesPerShard: cfg.shardSize,
    workers: cfg.workers,
    onProgress: (p) => {
      if (Date.now() - lastLine < 2000 && p.done < p.total) return;
      lastLine = Date.now();
      log.status(`rendering faces ${p.done}/${p.total}${p.resumed ? ` (${p.resumed} already there)` : ''}`);
    },
  });
  log.line(
    `data: ${summary.count} faces in ${out} (${summary.rendered} rendered now, ${summary.splits.train.samples} train, ${summary.splits.validation.samples} validation) in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  return out;
}

/** Up to `max` faces of DIR/<split>, in shard order; images decoded when `images`. */
export async function readSplit(
  dir: string,
  split: Split,
  { images = false, max = Number.POSITIVE_INFINITY }: { images?: boolean; max?: number } = {},
): Promise<FaceItem[]> {
  const out: FaceItem[] = [];
  if (max <= 0) return out;
  const splitDir = join(dir, split);
  if (!existsSync(splitDir)) throw new Error(`data: ${splitDir} does not exist`);
  for await (const s of readShards({ dir: splitDir, prefix: 'faces' })) {
    const record = sampleJson<FaceRecord>(s);
    if (typeof record.caption !== 'string' || !Array.isArray(record.qa))
      throw new Error(`data: ${s.shard} sample ${s.key} has no caption or qa list`);
    const item: FaceItem = { record };
    if (images) {
      const png = s.files.png;
      if (!png) throw new Error(`data: ${s.shard} sample ${s.key} has no .png member`);
      const d = decodePng(png, `${s.shard}:${s.key}.png`);
      item.image = { rgb: d.rgb, width: d.width, height: d.height };
    }
    out.push(item);
    if (out.length >= max) break;
  }
  return out;
}

/** Every text the BPE tokenizer should know: captions, questions, answers and the caption question. */
export function* tokenizerTexts(items: readonly FaceItem[]): Generator<string> {
  yield CAPTION_QUESTION;
  for (const { record } of items) {
    yield record.caption;
    for (const qa of record.qa) {
      yield qa.q;
      yield qa.a;
    }
  }
}
