import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShardError, ShardSample } from './index.js';
import { buildTar, readShardIndex, readShards, ShardWriter } from './index.js';

const enc = new TextEncoder();
const key = (i: number) => String(i).padStart(6, '0');
// Varying lengths exercise the 512-byte padding (0, exact multiple, odd).
const png = (i: number) => Uint8Array.from({ length: (i * 97) % 1100 }, (_, k) => (k * 31 + i) & 255);
const json = (i: number) => enc.encode(JSON.stringify({ id: i, caption: `face ${i}` }));

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'shards-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function writeSet(dir: string, n: number, perShard: number) {
  const w = new ShardWriter({ dir, prefix: 'faces', samplesPerShard: perShard });
  for (let i = 0; i < n; i++) await w.add(key(i), { png: png(i), json: json(i) });
  return w.close();
}

async function collect(it: AsyncIterable<ShardSample>, limit = Number.POSITIVE_INFINITY) {
  const out: ShardSample[] = [];
  for await (const s of it) {
    out.push(s);
    if (out.length >= limit) break;
  }
  return out;
}

describe('ShardWriter + readShards', () => {
  it('round-trips samples, writes an index and leaves no temp files', async () => {
    const dir = join(root, 'rt');
    const index = await writeSet(dir, 25, 10);
    expect(index.pattern).toBe('faces-{000000..000002}.tar');
    expect(index.samples).toBe(25);
    expect(index.shards.map((s) => [s.name, s.samples, s.firstKey, s.lastKey])).toEqual([
      ['faces-000000.tar', 10, '000000', '000009'],
      ['faces-000001.tar', 10, '000010', '000019'],
      ['faces-000002.tar', 5, '000020', '000024'],
    ]);
    expect(await readShardIndex(dir)).toEqual(index);
    expect((await readdir(dir)).sort()).toEqual([
      'faces-000000.tar',
      'faces-000001.tar',
      'faces-000002.tar',
      'faces-index.json',
    ]);
    const got = await collect(readShards({ dir }));
    expect(got.map((s) => s.key)).toEqual(Array.from({ length: 25 }, (_, i) => key(i)));
    for (const [i, s] of got.entries()) {
      expect(Object.keys(s.files)).toEqual(['png', 'json']);
      expect(s.files.png).toEqual(png(i));
      expect(s.files.json).toEqual(json(i));
    }
    // Same samples through brace notation.
    const viaBraces = await collect(readShards({ urls: join(dir, index.pattern) }));
    expect(viaBraces.map((s) => s.key)).toEqual(got.map((s) => s.key));
  });

  it('writes tar files that GNU tar reads', async () => {
    const dir = join(root, 'rt');
    let list: string;
    try {
      list = execFileSync('tar', ['-tf', join(dir, 'faces-000001.tar')], { encoding: 'utf8' });
    } catch {
      return; // no tar binary on this machine
    }
    expect(list.trim().split('\n').slice(0, 4)).toEqual([
      '000010.png',
      '000010.json',
      '000011.png',
      '000011.json',
    ]);
    const body = execFileSync('tar', ['-xOf', join(dir, 'faces-000001.tar'), '000013.png']);
    expect(new Uint8Array(body)).toEqual(png(13));
  });

  it('reads shards written by GNU tar', async () => {
    const src = join(root, 'gnu-src');
    await mkdir(src, { recursive: true });
    for (let i = 0; i < 3; i++) {
      await writeFile(join(src, `${key(i)}.png`), png(i + 5));
      await writeFile(join(src, `${key(i)}.meta.json`), json(i));
    }
    const names = [0, 1, 2].flatMap((i) => [`${key(i)}.png`, `${key(i)}.meta.json`]);
    try {
      execFileSync('tar', ['-cf', join(root, 'gnu.tar'), '-C', src, ...names]);
    } catch {
      return; // no tar binary on this machine
    }
    const got = await collect(readShards({ urls: join(root, 'gnu.tar') }));
    expect(got.map((s) => [s.key, Object.keys(s.files)])).toEqual(
      [0, 1, 2].map((i) => [key(i), ['png', 'meta.json']]),
    );
    expect(got[2].files.png).toEqual(png(7));
  });

  it('rejects bad keys, extensions and duplicates', async () => {
    const w = new ShardWriter({ dir: join(root, 'bad'), samplesPerShard: 5 });
    await expect(w.add('a.b', { png: png(1) })).rejects.toThrow('invalid key "a.b"');
    await expect(w.add('a', {})).rejects.toThrow('sample "a" has no files');
    await expect(w.add('a', { 'x/y': png(1) })).rejects.toThrow('invalid extension "x/y"');
    await w.add('a', { png: png(1) });
    await expect(w.add('a', { png: png(1) })).rejects.toThrow('duplicate key "a" in faces-000000.tar');
    await w.close();
    await expect(w.add('b', { png: png(1) })).rejects.toThrow('add("b") after close()');
  });

  it('only complete shards are visible after a crash', async () => {
    const dir = join(root, 'crash');
    const w = new ShardWriter({ dir, samplesPerShard: 10 });
    for (let i = 0; i < 15; i++) await w.add(key(i), { json: json(i) });
    // No close(): the second shard is still a hidden temp file.
    const files = await readdir(dir);
    expect(files.filter((f) => !f.startsWith('.')).sort()).toEqual(['faces-000000.tar', 'faces-index.json']);
    expect(files.filter((f) => f.startsWith('.faces-000001.tar.tmp-'))).toHaveLength(1);
    expect((await collect(readShards({ dir }))).map((s) => s.key)).toEqual(
      Array.from({ length: 10 }, (_, i) => key(i)),
    );
    await w.abort();
    expect((await readdir(dir)).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('resume appends after the indexed shards and removes torn temp files', async () => {
    const dir = join(root, 'resume');
    const w = new ShardWriter({ dir, samplesPerShard: 4 });
    for (let i = 0; i < 6; i++) await w.add(key(i), { json: json(i) });
    // Crash: shard 1 (samples 4, 5) is torn. The caller resumes after the last indexed key.
    const index = await readShardIndex(dir);
    expect(index?.shards.map((s) => s.lastKey)).toEqual(['000003']);
    const w2 = new ShardWriter({ dir, samplesPerShard: 4, resume: true });
    for (let i = 4; i < 10; i++) await w2.add(key(i), { json: json(i) });
    const done = await w2.close();
    expect(done.shards.map((s) => [s.name, s.firstKey, s.lastKey])).toEqual([
      ['faces-000000.tar', '000000', '000003'],
      ['faces-000001.tar', '000004', '000007'],
      ['faces-000002.tar', '000008', '000009'],
    ]);
    expect((await readdir(dir)).filter((f) => f.startsWith('.'))).toEqual([]);
    const keys = (await collect(readShards({ dir }))).map((s) => s.key);
    expect(keys).toEqual(Array.from({ length: 10 }, (_, i) => key(i)));
    // Resuming with nothing to add keeps the index as it is.
    expect(await new ShardWriter({ dir, samplesPerShard: 4, resume: true }).close()).toEqual(done);
  });
});

describe('shuffle and resume', () => {
  const dir = () => join(root, 'rt');
  const opts = () => ({ dir: dir(), shuffleBuffer: 7, seed: 42 });

  it('is a deterministic permutation for a seed', async () => {
    const a = (await collect(readShards(opts()))).map((s) => s.key);
    const b = (await collect(readShards(opts()))).map((s) => s.key);
    const c = (await collect(readShards({ ...opts(), seed: 43 }))).map((s) => s.key);
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
    expect([...a].sort()).toEqual(Array.from({ length: 25 }, (_, i) => key(i)));
    expect(a).not.toEqual([...a].sort());
  });

  it.each([1, 3, 7, 8, 12, 20, 24, 25])(
    'resumes after %i samples with exactly the rest, in order',
    async (k) => {
      const all = await collect(readShards(opts()));
      const head = await collect(readShards(opts()), k);
      const saved = JSON.parse(JSON.stringify(head[k - 1].position));
      const rest = await collect(readShards({ ...opts(), startAt: saved }));
      expect(rest.map((s) => s.key)).toEqual(all.slice(k).map((s) => s.key));
      for (const [i, s] of rest.entries()) expect(s.files).toEqual(all[k + i].files);
    },
  );

  it('resumes an unshuffled stream', async () => {
    const all = await collect(readShards({ dir: dir() }));
    const rest = await collect(readShards({ dir: dir(), startAt: all[13].position }));
    expect(rest.map((s) => s.key)).toEqual(all.slice(14).map((s) => s.key));
  });

  it('refuses a position from another stream', async () => {
    const [first] = await collect(readShards(opts()), 1);
    await expect(collect(readShards({ ...opts(), seed: 5, startAt: first.position }))).rejects.toThrow(
      'startAt belongs to another stream',
    );
  });
});

describe('rank / worldSize split (data-parallel training)', () => {
  // 7 shards of 3 samples: an uneven deal (3 ranks get 3, 2, 2 shards)
  const dir = () => join(root, 'split');
  beforeAll(async () => {
    await writeSet(dir(), 21, 3);
  });
  const keysOf = async (o: Parameters<typeof readShards>[0]) =>
    (await collect(readShards(o))).map((s) => s.key);

  it.each([
    [{ shuffleBuffer: 0 }, 2],
    [{ shuffleBuffer: 5, seed: 9 }, 3],
    [{ shuffleBuffer: 1, seed: 3, shuffleShards: true }, 7],
  ])('ranks read disjoint shards that cover the set, deterministically (%o, %i ranks)', async (o, world) => {
    const all = await keysOf({ dir: dir(), ...o });
    const parts: string[][] = [];
    const shardLists: string[][] = [];
    for (let rank = 0; rank < world; rank++) {
      const s = readShards({ dir: dir(), ...o, rank, worldSize: world });
      parts.push((await collect(s)).map((x) => x.key));
      shardLists.push(s.shards);
      expect(await keysOf({ dir: dir(), ...o, rank, worldSize: world })).toEqual(parts[rank]);
    }
    const flat = parts.flat();
    expect(new Set(flat).size).toBe(flat.length);
    expect([...flat].sort()).toEqual([...all].sort());
    // whole shards per rank, dealt round-robin from the (seeded) shard order of a single reader
    const single = readShards({ dir: dir(), ...o });
    await collect(single);
    shardLists.forEach((list, rank) => {
      expect(list).toEqual(single.shards.filter((_, i) => i % world === rank));
    });
    // without shuffling, each rank's samples come in shard order, and worldSize 1 is the plain reader
    if (!o.shuffleBuffer) {
      expect(parts[0]).toEqual([
        '000000',
        '000001',
        '000002',
        '000006',
        '000007',
        '000008',
        '000012',
        '000013',
        '000014',
        '000018',
        '000019',
        '000020',
      ]);
    }
    expect(await keysOf({ dir: dir(), ...o, rank: 0, worldSize: 1 })).toEqual(all);
  });

  it("resumes within a rank and refuses another rank's position", async () => {
    const o = { dir: dir(), shuffleBuffer: 4, seed: 1, rank: 1, worldSize: 2 };
    const all = await collect(readShards(o));
    const rest = await collect(readShards({ ...o, startAt: all[4].position }));
    expect(rest.map((s) => s.key)).toEqual(all.slice(5).map((s) => s.key));
    await expect(collect(readShards({ ...o, rank: 0, startAt: all[4].position }))).rejects.toThrow(
      'startAt belongs to another stream',
    );
  });

  it('rejects a bad rank or worldSize, and a rank with no shard', async () => {
    expect(() => readShards({ dir: dir(), rank: 2, worldSize: 2 })).toThrow(
      'readShards: rank must be an integer in [0, 2) (worldSize 2), got 2',
    );
    expect(() => readShards({ dir: dir(), rank: -1, worldSize: 2 })).toThrow('got -1');
    expect(() => readShards({ dir: dir(), worldSize: 0 })).toThrow(
      'readShards: worldSize must be a positive integer, got 0',
    );
    expect(() => readShards({ dir: dir(), rank: 0.5, worldSize: 2 })).toThrow('got 0.5');
    await expect(collect(readShards({ dir: dir(), rank: 7, worldSize: 8 }))).rejects.toThrow(
      'readShards: rank 7 of 8 gets no shard (7 shards for 8 ranks; write at least one shard per rank)',
    );
  });
});

describe('corrupt shards', () => {
  // 3 samples x (png + json) per shard; member offsets are known from the sizes.
  async function threeShards(name: string) {
    const dir = join(root, name);
    await writeSet(dir, 9, 3);
    return dir;
  }
  const shard1 = (dir: string) => join(dir, 'faces-000001.tar');
  // Shard 1 holds samples 3,4,5; png(3) is 291 bytes -> header 512 + 512 data.
  const offsetOfJson3 = 1024;

  it('names shard and member on a checksum error, and skipCorrupt skips the rest of that shard', async () => {
    const dir = await threeShards('cks');
    const bytes = await readFile(shard1(dir));
    const stored = Number.parseInt(
      new TextDecoder().decode(bytes.subarray(offsetOfJson3 + 148, offsetOfJson3 + 154)),
      8,
    );
    bytes[offsetOfJson3 + 7] ^= 0x20; // 000003.json -> 000003.Json
    await writeFile(shard1(dir), bytes);
    const member = '000003.Json';
    await expect(collect(readShards({ dir }))).rejects.toThrow(
      `shard ${shard1(dir)}, member 000003.Json (offset 1024): header checksum mismatch (stored ${stored}, computed ${stored - 32})`,
    );
    const skipped: ShardError[] = [];
    const s = readShards({ dir, skipCorrupt: true, onSkip: (e) => skipped.push(e) });
    const keys = (await collect(s)).map((x) => x.key);
    expect(keys).toEqual(['000000', '000001', '000002', '000006', '000007', '000008']);
    expect(s.skipped).toHaveLength(1);
    expect(skipped[0].shard).toBe(shard1(dir));
    expect(skipped[0].member).toBe(member);
  });

  it('reports truncated data with the member name', async () => {
    const dir = await threeShards('trunc');
    // png(4) is 388 bytes at offset 2048 + 512: cut 100 bytes into its data.
    await truncate(shard1(dir), 2048 + 512 + 100);
    await expect(collect(readShards({ dir }))).rejects.toThrow(
      `shard ${shard1(dir)}, member 000004.png (offset 2048): truncated data (100 of 388 bytes)`,
    );
    const s = readShards({ dir, skipCorrupt: true });
    // Sample 3 was still open (more members could follow) when the damage came, so it goes too.
    expect((await collect(s)).map((x) => x.key)).toEqual([
      '000000',
      '000001',
      '000002',
      '000006',
      '000007',
      '000008',
    ]);
    expect(s.skipped.map((e) => e.reason)).toEqual(['truncated data (100 of 388 bytes)']);
  });

  it('reports a missing end-of-archive marker and a torn header', async () => {
    const dir = await threeShards('eoa');
    const size = (await readFile(shard1(dir))).length;
    await truncate(shard1(dir), size - 1024);
    await expect(collect(readShards({ dir }))).rejects.toThrow(
      `shard ${shard1(dir)}, member 000005.json (offset ${size - 1024}): truncated: missing end-of-archive marker`,
    );
    await truncate(shard1(dir), 2048 + 100);
    await expect(collect(readShards({ dir }))).rejects.toThrow(
      `shard ${shard1(dir)}, member (header after 000003.json) (offset 2048): truncated header (100 of 512 bytes)`,
    );
  });

  it('rejects a repeated extension inside one sample', async () => {
    const tar = buildTar([
      { name: 'a.png', data: png(1) },
      { name: 'a.json', data: json(1) },
      { name: 'a.png', data: png(2) },
    ]);
    await writeFile(join(root, 'rep.tar'), tar);
    await expect(collect(readShards({ urls: join(root, 'rep.tar') }))).rejects.toThrow(
      `shard ${join(root, 'rep.tar')}, member a.png (offset 2048): repeated extension "png" in sample "a"`,
    );
  });

  it('a missing shard is an error naming it, skipped with skipCorrupt', async () => {
    const dir = await threeShards('missing');
    const urls = [join(dir, 'faces-000000.tar'), join(dir, 'nope.tar')];
    await expect(collect(readShards({ urls }))).rejects.toThrow(`shard ${urls[1]}, member (whole shard)`);
    const s = readShards({ urls, skipCorrupt: true });
    expect(await collect(s)).toHaveLength(3);
    expect(s.skipped).toHaveLength(1);
  });
});
