// Crash-safe WebDataset shard writer (Node). Each shard is written under a hidden temporary name in the
// destination directory, fsynced, renamed to `<prefix>-NNNNNN.tar`, and the directory fsynced; the index
// JSON is rewritten the same way after every completed shard, so it always lists only complete shards.
import type { Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { nodeModules } from './node.js';
import { BLOCK, endOfArchive, padding, tarHeader } from './tar.js';

const join = (dir: string, name: string): string => (dir.endsWith('/') ? dir + name : `${dir}/${name}`);
const tmpName = async (name: string): Promise<string> =>
  `.${name}.tmp-${process.pid}-${(await nodeModules()).crypto.randomBytes(4).toString('hex')}`;

export interface ShardInfo {
  name: string;
  samples: number;
  bytes: number;
  firstKey: string;
  lastKey: string;
  sha256: string;
}

export interface ShardIndex {
  format: 'webdataset-tar';
  version: 1;
  prefix: string;
  /** Brace pattern of all shards, e.g. `faces-{000000..000129}.tar`. */
  pattern: string;
  samples: number;
  shards: ShardInfo[];
}

export interface ShardWriterOptions {
  dir: string;
  prefix?: string;
  samplesPerShard?: number;
  /** tar mtime of every member (seconds); fixed so output is byte-reproducible. */
  mtime?: number;
  /**
   * Append to the shards listed in an existing `<prefix>-index.json` in `dir`: keep them, number new
   * shards after them, and delete temp files of torn shards. Without it, shards are numbered from 0.
   */
  resume?: boolean;
}

const KEY_RE = /^[A-Za-z0-9_-]+$/;
const EXT_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export const shardName = (prefix: string, i: number): string => `${prefix}-${String(i).padStart(6, '0')}.tar`;
export const indexName = (prefix: string): string => `${prefix}-index.json`;

export async function readShardIndex(dir: string, prefix = 'faces'): Promise<ShardIndex | undefined> {
  let text: string;
  try {
    text = await (await nodeModules()).fs.readFile(join(dir, indexName(prefix)), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  let idx: ShardIndex;
  try {
    idx = JSON.parse(text) as ShardIndex;
  } catch (e) {
    throw new Error(`${join(dir, indexName(prefix))} is not valid JSON (${(e as Error).message})`);
  }
  if (idx.format !== 'webdataset-tar' || !Array.isArray(idx.shards)) {
    throw new Error(`${join(dir, indexName(prefix))}: not a shard index (format ${String(idx.format)})`);
  }
  return idx;
}

interface OpenShard {
  fh: FileHandle;
  tmp: string;
  name: string;
  samples: number;
  bytes: number;
  firstKey: string;
  lastKey: string;
  keys: Set<string>;
  hash: Hash;
}

export class ShardWriter {
  readonly dir: string;
  readonly prefix: string;
  readonly samplesPerShard: number;
  private readonly mtime: number;
  private readonly shards: ShardInfo[] = [];
  private cur: OpenShard | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly resume: boolean;
  private started = false;

  constructor(opts: ShardWriterOptions) {
    this.dir = opts.dir;
    this.prefix = opts.prefix ?? 'faces';
    this.samplesPerShard = opts.samplesPerShard ?? 1000;
    this.mtime = opts.mtime ?? 0;
    this.resume = opts.resume ?? false;
    if (!KEY_RE.test(this.prefix)) throw new Error(`ShardWriter: invalid prefix "${this.prefix}"`);
    if (!(Number.isInteger(this.samplesPerShard) && this.samplesPerShard > 0)) {
      throw new Error(`ShardWriter: samplesPerShard must be a positive integer, got ${this.samplesPerShard}`);
    }
  }

  /** Completed shards so far. */
  get completed(): readonly ShardInfo[] {
    return this.shards;
  }

  /** Adds one sample: `files` maps extension (`png`, `json`, `cls.txt`…) to bytes. Calls are serialized. */
  add(key: string, files: Record<string, Uint8Array>): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`ShardWriter: add("${key}") after close()`));
    if (!KEY_RE.test(key)) {
      return Promise.reject(
        new Error(`ShardWriter: invalid key "${key}" (letters, digits, _ and - only; no dots)`),
      );
    }
    const exts = Object.keys(files);
    if (exts.length === 0) return Promise.reject(new Error(`ShardWriter: sample "${key}" has no files`));
    for (const ext of exts) {
      if (!EXT_RE.test(ext))
        return Promise.reject(new Error(`ShardWriter: sample "${key}": invalid extension "${ext}"`));
      if (!(files[ext] instanceof Uint8Array)) {
        return Promise.reject(new Error(`ShardWriter: sample "${key}".${ext} is not a Uint8Array`));
      }
    }
    return this.enqueue(() => this.write(key, files));
  }

  /** Finishes the open shard and writes the index. */
  close(): Promise<ShardIndex> {
    this.closed = true;
    return this.enqueue(async () => {
      await this.start();
      await this.finishShard();
      return this.writeIndex();
    });
  }

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.queue.then(fn);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /** With `resume`: adopt the shards of the existing index and remove torn temp files. */
  private async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    if (!this.resume) return;
    const { fs } = await nodeModules();
    const index = await readShardIndex(this.dir, this.prefix);
    if (index) this.shards.push(...index.shards);
    let names: string[] = [];
    try {
      names = await fs.readdir(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    for (const n of names) {
      if (n.startsWith(`.${this.prefix}-`) && n.includes('.tmp-')) await fs.unlink(join(this.dir, n));
    }
  }

  private async write(key: string, files: Record<string, Uint8Array>): Promise<void> {
    await this.start();
    if (!this.cur) await this.openShard();
    const s = this.cur as OpenShard;
    if (s.keys.has(key)) throw new Error(`ShardWriter: duplicate key "${key}" in ${s.name}`);
    const parts: Uint8Array[] = [];
    for (const [ext, data] of Object.entries(files)) {
      parts.push(tarHeader(`${key}.${ext}`, data.length, this.mtime), data);
      const pad = padding(data.length);
      if (pad) parts.push(new Uint8Array(pad));
    }
    await this.append(s, parts);
    s.keys.add(key);
    if (s.samples === 0) s.firstKey = key;
    s.lastKey = key;
    s.samples++;
    if (s.samples >= this.samplesPerShard) await this.finishShard();
  }

  private async append(s: OpenShard, parts: Uint8Array[]): Promise<void> {
    for (const p of parts) s.hash.update(p);
    const { bytesWritten } = await s.fh.writev(parts);
    s.bytes += bytesWritten;
  }

  private async openShard(): Promise<void> {
    const { fs, crypto, files } = await nodeModules();
    await files.makeDir(this.dir);
    const name = shardName(this.prefix, this.shards.length);
    const tmp = join(this.dir, await tmpName(name));
    const fh = await fs.open(tmp, 'w');
    const hash = crypto.createHash('sha256');
    this.cur = { fh, tmp, name, samples: 0, bytes: 0, firstKey: '', lastKey: '', keys: new Set(), hash };
  }

  private async finishShard(): Promise<void> {
    const s = this.cur;
    if (!s) return;
    this.cur = undefined;
    try {
      await this.append(s, [endOfArchive()]);
      await s.fh.sync();
    } finally {
      await s.fh.close();
    }
    if (s.bytes % BLOCK !== 0)
      throw new Error(`ShardWriter: ${s.name} has ${s.bytes} bytes, not whole blocks`);
    const { fs, files } = await nodeModules();
    await fs.rename(s.tmp, join(this.dir, s.name));
    await files.fsyncDir(this.dir);
    const { name, samples, bytes, firstKey, lastKey } = s;
    this.shards.push({ name, samples, bytes, firstKey, lastKey, sha256: s.hash.digest('hex') });
    await this.writeIndex();
  }

  private async writeIndex(): Promise<ShardIndex> {
    const { files } = await nodeModules();
    await files.makeDir(this.dir);
    const n = this.shards.length;
    const index: ShardIndex = {
      format: 'webdataset-tar',
      version: 1,
      prefix: this.prefix,
      pattern: n === 0 ? '' : `${this.prefix}-{${'0'.repeat(6)}..${String(n - 1).padStart(6, '0')}}.tar`,
      samples: this.shards.reduce((a, s) => a + s.samples, 0),
      shards: this.shards.slice(),
    };
    await files.writeFileAtomic(
      join(this.dir, indexName(this.prefix)),
      `${JSON.stringify(index, null, 2)}\n`,
    );
    return index;
  }

  /** Removes the temporary file of an unfinished shard (after an error). */
  async abort(): Promise<void> {
    this.closed = true;
    const s = this.cur;
    this.cur = undefined;
    if (s) {
      await s.fh.close().catch(() => undefined);
      await (await nodeModules()).fs.unlink(s.tmp).catch(() => undefined);
    }
  }
}
