// Worker thread of `generateDataset`: renders, captions, questions and encodes a range of faces.
// Messages in: { id, start, end, skipUpTo }; out: { id, items } with the PNG and JSON bytes transferred.
import { parentPort, workerData } from 'node:worker_threads';
import { deflateSync } from 'node:zlib';
import { faceSeed } from '../random.js';
import { encodeFaceSample, makeFaceSample } from '../record.js';
import { type Split, splitOf } from '../splits.js';

export interface WorkerJob {
  id: number;
  start: number;
  end: number;
  /** Per split, the last index already written (faces up to it are skipped). */
  skipUpTo: Record<Split, number>;
}

export interface WorkerItem {
  index: number;
  key: string;
  split: Split;
  png: Uint8Array;
  json: Uint8Array;
}

export interface WorkerResult {
  id: number;
  items: WorkerItem[];
  error?: string;
}

export interface WorkerConfig {
  seed: number;
  size: number;
}

/** Renders faces [start, end) that are not yet written; used by workers and by the in-process path. */
export function renderRange(
  config: WorkerConfig,
  job: WorkerJob,
  deflate?: (d: Uint8Array) => Uint8Array,
): WorkerItem[] {
  const items: WorkerItem[] = [];
  for (let index = job.start; index < job.end; index++) {
    const split = splitOf(faceSeed(config.seed, index));
    if (index <= job.skipUpTo[split]) continue;
    const sample = makeFaceSample(config.seed, index, config.size);
    const { png, json } = encodeFaceSample(sample, deflate);
    items.push({ index, key: sample.key, split, png, json });
  }
  return items;
}

// Native zlib is about twice as fast as fflate here; level 4 is within 3 % of level 6 in size.
const nodeDeflate = (d: Uint8Array): Uint8Array => deflateSync(d, { level: 4 });

if (parentPort && workerData?.unif2aceFaces) {
  const port = parentPort;
  const config = workerData.unif2aceFaces as WorkerConfig;
  port.on('message', (job: WorkerJob) => {
    try {
      const items = renderRange(config, job, nodeDeflate);
      const transfer = items.flatMap((it) => [it.png.buffer, it.json.buffer]) as ArrayBuffer[];
      port.postMessage({ id: job.id, items } satisfies WorkerResult, transfer);
    } catch (e) {
      port.postMessage({
        id: job.id,
        items: [],
        error: (e as Error).stack ?? String(e),
      } satisfies WorkerResult);
    }
  });
}
