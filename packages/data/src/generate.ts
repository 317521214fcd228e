// Generates the synthetic dataset: faces [0, count) rendered over worker threads, written in index order
// to WebDataset shards per split (DIR/train, DIR/validation, DIR/test). Re-running on the same DIR
// resumes: each split's shard index says which faces are already written, and only the rest are
// rendered. A face depends only on (seed, index), so a resumed run writes exactly what one run would.

import { faceSeed } from './random.js';
import type { WorkerConfig, WorkerItem, WorkerJob, WorkerResult } from './renderer/worker.js';
import { renderRange } from './renderer/worker.js';
import { readShardIndex, ShardWriter } from './shards/index.js';
import { SPLITS, type Split, splitOf } from './splits.js';
import { TAXONOMY_VERSION } from './taxonomy/taxonomy.js';

export interface GenerateOptions {
  out: string;
  count: number;
  size?: number;
  seed?: number;
  /** Worker threads (default: available cores); 0 renders in the calling thread. */
  workers?: number;
  samplesPerShard?: number;
  /** Faces per job sent to a worker (default 64). */
  jobSize?: number;
  onProgress?: (p: GenerateProgress) => void;
  /** URL of the built worker module (default: renderer/worker.js next to this module). */
  workerUrl?: URL;
}

export interface GenerateProgress {
  done: number;
  total: number;
  /** Faces found already written when the run started. */
  resumed: number;
  elapsedMs: number;
}

export interface GenerateSummary {
  out: string;
  count: number;
  /** Faces rendered by this run (count minus those already present). */
  rendered: number;
  skipped: number;
  splits: Record<Split, { samples: number; shards: number }>;
  elapsedMs: number;
}

/** Parameters that must match when a run resumes in an existing directory. */
interface RunParams {
  format: 'unif2ace-faces';
  version: 1;
  taxonomy: string;
  seed: number;
  size: number;
  samplesPerShard: number;
}

const PARAMS_FILE = 'generate.json';
const MANIFEST_FILE = 'dataset.json';

export async function generateDataset(options: GenerateOptions): Promise<GenerateSummary> {
  const t0 = Date.now();
  const { out, count } = options;
  const size = options.size ?? 64;
  const seed = (options.seed ?? 0) >>> 0;
  const samplesPerShard = options.samplesPerShard ?? 1000;
  const jobSize = options.jobSize ?? 64;
  if (!(Number.isInteger(count) && count >= 0))
    throw new Error(`generate: --count must be a non-negative integer, got ${count}`);
  if (!(Number.isInteger(size) && size >= 16 && size <= 1024))
    throw new Error(`generate: --size must be in [16, 1024], got ${size}`);
  const { readFile } = await import('node:fs/promises');
  const { cpus } = await import('node:os');
  const { makeDir, writeFileAtomic } = await import('@unif2ace/common/node');
  await makeDir(out);

  const params: RunParams = {
    format: 'unif2ace-faces',
    version: 1,
    taxonomy: TAXONOMY_VERSION,
    seed,
    size,
    samplesPerShard,
  };
  const previous = await readFile(`${out}/${PARAMS_FILE}`, 'utf8').then(
    (t) => {
      try {
        return JSON.parse(t) as RunParams;
      } catch (e) {
        throw new Error(
          `generate: ${out}/${PARAMS_FILE} is not valid JSON (${(e as Error).message}); remove it or use another --out`,
        );
      }
    },
    () => undefined,
  );
  if (previous) {
    for (const k of Object.keys(params) as (keyof RunParams)[]) {
      if (previous[k] !== params[k]) {
        throw new Error(
          `generate: ${out} was generated with ${k}=${JSON.stringify(previous[k])}, not ${JSON.stringify(params[k])}; ` +
            'use the same options to resume, or another --out',
        );
      }
    }
  } else {
    await writeFileAtomic(`${out}/${PARAMS_FILE}`, `${JSON.stringify(params, null, 2)}\n`);
  }

  // Resume: per split, the last face index already in a complete shard.
  const skipUpTo = {} as Record<Split, number>;
  const writers = {} as Record<Split, ShardWriter>;
  for (const split of SPLITS) {
    const dir = `${out}/${split}`;
    await makeDir(dir);
    const index = await readShardIndex(dir, 'faces');
    const last = index?.shards.at(-1)?.lastKey;
    skipUpTo[split] = last === undefined ? -1 : Number(last);
    writers[split] = new ShardWriter({ dir, prefix: 'faces', samplesPerShard, resume: true });
  }
  let resumed = 0;
  let firstTodo = count;
  for (let i = 0; i < count; i++) {
    if (i <= skipUpTo[splitOf(faceSeed(seed, i))]) resumed++;
    else if (firstTodo === count) firstTodo = i;
  }

  const total = count;
  let done = resumed;
  let rendered = 0;
  const report = () => options.onProgress?.({ done, total, resumed, elapsedMs: Date.now() - t0 });
  report();
  const write = async (items: WorkerItem[]) => {
    for (const it of items) {
      await writers[it.split].add(it.key, { png: it.png, json: it.json });
    }
    rendered += items.length;
  };

  const config: WorkerConfig = { seed, size };
  const jobs: WorkerJob[] = [];
  for (let s = firstTodo, id = 0; s < count; s += jobSize, id++) {
    jobs.push({ id, start: s, end: Math.min(count, s + jobSize), skipUpTo });
  }
  const progressOf = (job: WorkerJob) => {
    done += job.end - job.start - countSkipped(seed, job);
    report();
  };
  const nWorkers = Math.min(options.workers ?? cpus().length, jobs.length);
  try {
    if (nWorkers <= 0) {
      for (const job of jobs) {
        await write(renderRange(config, job));
        progressOf(job);
      }
    } else {
      await runWorkers(
        nWorkers,
        config,
        jobs,
        options.workerUrl ?? new URL('./renderer/worker.js', import.meta.url),
        async (job, items) => {
          await write(items);
          progressOf(job);
        },
      );
    }
  } finally {
    for (const split of SPLITS) await writers[split].close();
  }

  const splits = {} as GenerateSummary['splits'];
  for (const split of SPLITS) {
    const index = await readShardIndex(`${out}/${split}`, 'faces');
    splits[split] = { samples: index?.samples ?? 0, shards: index?.shards.length ?? 0 };
  }
  const manifest = { ...params, count, splits };
  await writeFileAtomic(`${out}/${MANIFEST_FILE}`, `${JSON.stringify(manifest, null, 2)}\n`);
  return { out, count, rendered, skipped: resumed, splits, elapsedMs: Date.now() - t0 };
}

function countSkipped(seed: number, job: WorkerJob): number {
  let n = 0;
  for (let i = job.start; i < job.end; i++) if (i <= job.skipUpTo[splitOf(faceSeed(seed, i))]) n++;
  return n;
}

/**
 * Sends jobs to worker threads (two in flight per worker) and hands results to `onResult` strictly in
 * job order, so shards are written in index order whatever order workers finish in.
 */
async function runWorkers(
  n: number,
  config: WorkerConfig,
  jobs: WorkerJob[],
  url: URL,
  onResult: (job: WorkerJob, items: WorkerItem[]) => Promise<void>,
): Promise<void> {
  const { Worker } = await import('node:worker_threads');
  // A larger young generation: rendering makes many short-lived numbers, and fewer scavenges save ~10 %.
  const workers = Array.from(
    { length: n },
    () =>
      new Worker(url, {
        workerData: { unif2aceFaces: config },
        resourceLimits: { maxYoungGenerationSizeMb: 64 },
      }),
  );
  const results = new Map<number, WorkerItem[]>();
  let next = 0; // next job to dispatch
  let cursor = 0; // next job to write
  const maxAhead = n * 4; // bound on finished-but-unwritten jobs kept in memory
  try {
    await new Promise<void>((resolve, reject) => {
      let writing = false;
      let failed = false;
      const fail = (e: Error) => {
        if (!failed) {
          failed = true;
          reject(e);
        }
      };
      const dispatch = (w: (typeof workers)[number]) => {
        if (failed || next >= jobs.length || next - cursor >= maxAhead) return false;
        w.postMessage(jobs[next++]);
        return true;
      };
      const idle = new Set<(typeof workers)[number]>();
      const drain = async () => {
        if (writing) return;
        writing = true;
        try {
          while (results.has(cursor)) {
            const items = results.get(cursor) as WorkerItem[];
            results.delete(cursor);
            await onResult(jobs[cursor], items);
            cursor++;
            for (const w of [...idle]) if (dispatch(w)) idle.delete(w);
          }
        } catch (e) {
          fail(e as Error);
        } finally {
          writing = false;
        }
        if (cursor >= jobs.length) resolve();
      };
      for (const w of workers) {
        w.on('message', (r: WorkerResult) => {
          if (r.error)
            return fail(
              new Error(
                `generate: worker failed on job ${r.id} (faces ${jobs[r.id].start}..${jobs[r.id].end - 1}):\n${r.error}`,
              ),
            );
          results.set(r.id, r.items);
          if (!dispatch(w)) idle.add(w);
          void drain();
        });
        w.on('error', (e) => fail(e));
        w.on('exit', (code) => {
          if (code !== 0 && cursor < jobs.length)
            fail(new Error(`generate: worker exited with code ${code}`));
        });
        // Two jobs in flight per worker.
        if (!dispatch(w) || !dispatch(w)) idle.add(w);
      }
      if (jobs.length === 0) resolve();
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
