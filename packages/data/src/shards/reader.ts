// Streaming WebDataset reader for Node (files) and browsers (fetch). Deterministic for a seed, with a
// shuffle buffer whose state is saved in every sample's `position`, so `startAt: position` resumes with
// exactly the samples that had not been yielded yet, in the same order.

import { mix32, mulberry32 } from '@unif2ace/common';
import { isNode, nodeModules } from './node.js';
import { expandBraces, fnv1a, permutation } from './rng.js';
import { parseTar, ShardError } from './tar.js';
import { indexName } from './writer.js';

export interface ShardPosition {
  v: 1;
  /** Fingerprint of the shard list, seed and shuffle settings this position belongs to. */
  stream: string;
  /** Next unread sample: [index in shard order, sample index in that shard]. */
  next: [number, number];
  /** Samples held in the shuffle buffer, flat [shard, sample, shard, sample, ...] in slot order. */
  buffer: number[];
  rng: number;
  emitted: number;
}

export interface ShardSample {
  key: string;
  files: Record<string, Uint8Array>;
  /** The shard (path or URL) this sample came from. */
  shard: string;
  /** Pass as `startAt` to resume right after this sample. */
  position: ShardPosition;
}

const utf8 = new TextDecoder();

/**
 * The sample's JSON member (`<key>.json`, or another extension), parsed; a missing or invalid member is a
 * ShardError naming the shard and the member.
 */
export function sampleJson<T = unknown>(sample: ShardSample, ext = 'json'): T {
  const member = `${sample.key}.${ext}`;
  const bytes = sample.files[ext];
  if (!bytes) throw new ShardError(sample.shard, member, -1, `sample "${sample.key}" has no .${ext} member`);
  try {
    return JSON.parse(utf8.decode(bytes)) as T;
  } catch (e) {
    throw new ShardError(sample.shard, member, -1, `invalid JSON (${(e as Error).message})`);
  }
}

export interface ReadShardsOptions {
  /** Shard paths (Node) or URLs; brace notation is expanded. */
  urls?: string | string[];
  /** Node: a directory written by ShardWriter (its index, else every `*.tar`, sorted). */
  dir?: string;
  prefix?: string;
  /** Shuffle buffer size; 0 or 1 reads in order. */
  shuffleBuffer?: number;
  seed?: number;
  /** Shuffle shard order (default: when shuffleBuffer > 1). */
  shuffleShards?: boolean;
  /** Skip the rest of a corrupt shard (keeping samples read before the damage) instead of throwing. */
  skipCorrupt?: boolean;
  startAt?: ShardPosition;
  /**
   * Data-parallel split (DDP): this process's rank in [0, worldSize). The shard order (shuffled by `seed`,
   * the same on every rank) is dealt round-robin, so rank r reads the shards at positions r, r + worldSize,
   * ... and the ranks' samples are disjoint and together cover the set. Every rank needs at least one shard.
   * Default 0 of 1 (everything).
   */
  rank?: number;
  worldSize?: number;
  onSkip?: (error: ShardError) => void;
  fetch?: typeof fetch;
}

interface Held {
  s: number;
  j: number;
  sample: Omit<ShardSample, 'position'>;
}

export class ShardStream implements AsyncIterable<ShardSample> {
  /** Errors of shards skipped with `skipCorrupt`. */
  readonly skipped: ShardError[] = [];
  /** Shards in the order they are read (after resolve). */
  shards: string[] = [];

  constructor(private readonly opts: ReadShardsOptions) {}

  [Symbol.asyncIterator](): AsyncIterator<ShardSample> {
    return this.run();
  }

  private async *run(): AsyncGenerator<ShardSample> {
    const o = this.opts;
    const { rank, worldSize } = checkSplit(o);
    const sources = await resolveSources(o);
    const B = Math.max(1, Math.floor(o.shuffleBuffer ?? 0));
    const seed = (o.seed ?? 0) >>> 0;
    const shuffleShards = o.shuffleShards ?? B > 1;
    const all = shuffleShards ? permutation(sources.length, seed) : sources.map((_, i) => i);
    const order = all.filter((_, i) => i % worldSize === rank);
    // One reader with no shards reads nothing (an empty split); a data-parallel rank without a shard is a
    // mistake: the ranks would run different numbers of steps.
    if (order.length === 0 && worldSize > 1) {
      throw new Error(
        `readShards: rank ${rank} of ${worldSize} gets no shard (${sources.length} shards for ${worldSize} ranks; write at least one shard per rank)`,
      );
    }
    this.shards = order.map((i) => sources[i]);
    const split = worldSize > 1 ? `|${rank}/${worldSize}` : '';
    const stream = fnv1a(`${this.shards.map(baseName).join('\n')}|${seed}|${B}${split}`);

    // each rank shuffles its buffer with its own stream (rank 0 of 1 keeps the single-process one)
    let rng = Math.imul(worldSize > 1 ? mix32(seed, rank) : seed, 0x9e3779b1) >>> 0;
    let emitted = 0;
    let next: [number, number] = [0, 0];
    const buf: Held[] = [];
    const restore = new Map<string, number>();
    let first = 0;
    const p = o.startAt;
    if (p) {
      if (p.v !== 1 || p.stream !== stream) {
        throw new Error(
          `readShards: startAt belongs to another stream (${p.stream}, this one is ${stream}: same shards, seed and shuffleBuffer needed)`,
        );
      }
      rng = p.rng;
      emitted = p.emitted;
      next = [p.next[0], p.next[1]];
      first = next[0];
      for (let k = 0; k < p.buffer.length; k += 2) {
        restore.set(`${p.buffer[k]}:${p.buffer[k + 1]}`, k / 2);
        first = Math.min(first, p.buffer[k]);
      }
      buf.length = p.buffer.length / 2;
    }
    const position = (): ShardPosition => {
      const flat: number[] = new Array(buf.length * 2);
      for (let k = 0; k < buf.length; k++) [flat[2 * k], flat[2 * k + 1]] = [buf[k].s, buf[k].j];
      return { v: 1, stream, next: [next[0], next[1]], buffer: flat, rng, emitted };
    };
    const checkRestored = (): void => {
      if (restore.size === 0) return;
      for (const [id, slot] of restore) {
        if (!buf[slot])
          throw new Error(`readShards: cannot resume, buffered sample ${id} (shard:index) is gone`);
      }
      restore.clear();
    };
    const rand = (n: number): number => {
      const [u, s] = mulberry32(rng);
      rng = s;
      return Math.floor(u * n);
    };

    for (let s = first; s < order.length; s++) {
      let j = 0;
      for await (const sample of this.samplesOf(this.shards[s])) {
        const held: Held = { s, j, sample };
        j++;
        if (s < next[0] || (s === next[0] && j - 1 < next[1])) {
          const slot = restore.get(`${s}:${j - 1}`);
          if (slot !== undefined) buf[slot] = held;
          continue;
        }
        checkRestored();
        next = [s, j];
        if (B === 1) {
          emitted++;
          yield { ...sample, position: position() };
        } else if (buf.length < B) {
          buf.push(held);
        } else {
          const k = rand(B);
          const out = buf[k];
          buf[k] = held;
          emitted++;
          yield { ...out.sample, position: position() };
        }
      }
    }
    checkRestored();
    next = [order.length, 0];
    while (buf.length > 0) {
      const k = rand(buf.length);
      const out = buf[k];
      buf[k] = buf[buf.length - 1];
      buf.pop();
      emitted++;
      yield { ...out.sample, position: position() };
    }
  }

  /** Complete samples of one shard; corrupt shards throw, or are skipped and recorded. */
  private async *samplesOf(shard: string): AsyncGenerator<Omit<ShardSample, 'position'>> {
    let cur: Omit<ShardSample, 'position'> | undefined;
    try {
      for await (const m of parseTar(await openSource(shard, this.opts.fetch), shard)) {
        const slash = m.name.lastIndexOf('/') + 1;
        const dot = m.name.indexOf('.', slash);
        if (dot <= slash)
          throw new ShardError(shard, m.name, m.offset, 'member name has no key.extension form');
        const key = m.name.slice(0, dot);
        const ext = m.name.slice(dot + 1);
        if (cur && cur.key === key) {
          if (ext in cur.files) {
            throw new ShardError(shard, m.name, m.offset, `repeated extension "${ext}" in sample "${key}"`);
          }
          cur.files[ext] = m.data;
          continue;
        }
        if (cur) yield cur;
        cur = { key, files: { [ext]: m.data }, shard };
      }
      if (cur) yield cur;
    } catch (e) {
      const err =
        e instanceof ShardError ? e : new ShardError(shard, '(whole shard)', 0, (e as Error).message);
      if (!this.opts.skipCorrupt) throw err;
      this.skipped.push(err);
      this.opts.onSkip?.(err);
    }
  }
}

/** Streams samples `{ key, files, shard, position }` from WebDataset tar shards. */
export function readShards(opts: ReadShardsOptions): ShardStream {
  if (!opts.urls && !opts.dir) throw new Error('readShards: give `urls` or `dir`');
  checkSplit(opts);
  return new ShardStream(opts);
}

function checkSplit(o: ReadShardsOptions): { rank: number; worldSize: number } {
  const worldSize = o.worldSize ?? 1;
  const rank = o.rank ?? 0;
  if (!Number.isInteger(worldSize) || worldSize < 1) {
    throw new RangeError(`readShards: worldSize must be a positive integer, got ${worldSize}`);
  }
  if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize) {
    throw new RangeError(
      `readShards: rank must be an integer in [0, ${worldSize}) (worldSize ${worldSize}), got ${rank}`,
    );
  }
  return { rank, worldSize };
}

const baseName = (s: string): string => s.slice(s.lastIndexOf('/') + 1);
const isUrl = (s: string): boolean => /^(https?|blob|data):/i.test(s);

async function resolveSources(o: ReadShardsOptions): Promise<string[]> {
  if (o.urls) {
    const list = (Array.isArray(o.urls) ? o.urls : [o.urls]).flatMap(expandBraces);
    if (list.length === 0) throw new Error('readShards: `urls` is empty');
    return list;
  }
  if (!isNode()) throw new Error('readShards: `dir` needs Node; in a browser pass `urls`');
  const { fs, path } = await nodeModules();
  const dir = o.dir as string;
  const indexFile = path.join(dir, indexName(o.prefix ?? 'faces'));
  let text: string | undefined;
  try {
    text = await fs.readFile(indexFile, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new Error(`readShards: ${indexFile}: ${(e as Error).message}`);
  }
  if (text !== undefined) {
    let idx: { shards?: unknown };
    try {
      idx = JSON.parse(text);
    } catch (e) {
      throw new Error(`readShards: ${indexFile} is not valid JSON (${(e as Error).message})`);
    }
    if (!Array.isArray(idx.shards)) throw new Error(`readShards: ${indexFile} has no "shards" list`);
    return (idx.shards as { name: string }[]).map((s) => path.join(dir, s.name));
  }
  const listing = await fs.readdir(dir).catch((e: NodeJS.ErrnoException) => {
    throw new Error(`readShards: cannot list ${dir} (${e.code ?? e.message})`);
  });
  const names = listing.filter((n) => n.endsWith('.tar') && !n.startsWith('.')).sort();
  if (names.length === 0) throw new Error(`readShards: no .tar shards in ${dir}`);
  return names.map((n) => path.join(dir, n));
}

async function openSource(src: string, fetchFn?: typeof fetch): Promise<AsyncIterable<Uint8Array>> {
  if (isNode() && !isUrl(src)) {
    const { fs } = await nodeModules();
    const file = src.startsWith('file:') ? new URL(src) : src;
    const fh = await fs.open(file, 'r');
    return (async function* () {
      try {
        for (;;) {
          const buf = new Uint8Array(1 << 20);
          const { bytesRead } = await fh.read(buf, 0, buf.length, null);
          if (bytesRead === 0) return;
          yield buf.subarray(0, bytesRead);
        }
      } finally {
        await fh.close();
      }
    })();
  }
  const res = await (fetchFn ?? fetch)(src);
  if (!res.ok || !res.body) throw new Error(`fetch failed: HTTP ${res.status} ${res.statusText}`);
  const reader = res.body.getReader();
  return (async function* () {
    let finished = false;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) {
          finished = true;
          return;
        }
        yield value;
      }
    } finally {
      if (!finished) await reader.cancel().catch(() => undefined);
    }
  })();
}
