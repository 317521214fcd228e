// Runs in Chromium (and in Node): shards are read through fetch() of Blob URLs.
import { describe, expect, it } from 'vitest';
import type { ShardSample } from './index.js';
import { buildTar, readShards } from './index.js';

const enc = new TextEncoder();
const key = (i: number) => String(i).padStart(6, '0');

function shardUrl(from: number, to: number, corruptAt = -1): string {
  const members = [];
  for (let i = from; i < to; i++) {
    members.push({
      name: `${key(i)}.png`,
      data: Uint8Array.from({ length: 100 + i * 13 }, (_, k) => (k + i) & 255),
    });
    members.push({ name: `${key(i)}.json`, data: enc.encode(JSON.stringify({ i })) });
  }
  const tar = buildTar(members);
  if (corruptAt >= 0) tar[corruptAt] ^= 1;
  return URL.createObjectURL(new Blob([tar as Uint8Array<ArrayBuffer>]));
}

async function collect(it: AsyncIterable<ShardSample>, limit = Number.POSITIVE_INFINITY) {
  const out: ShardSample[] = [];
  for await (const s of it) {
    out.push(s);
    if (out.length >= limit) break;
  }
  return out;
}

describe('readShards over fetch', () => {
  const urls = [shardUrl(0, 6), shardUrl(6, 12), shardUrl(12, 15)];

  it('reads every sample in order', async () => {
    const got = await collect(readShards({ urls }));
    expect(got.map((s) => s.key)).toEqual(Array.from({ length: 15 }, (_, i) => key(i)));
    expect(JSON.parse(new TextDecoder().decode(got[9].files.json))).toEqual({ i: 9 });
    expect(got[9].files.png.length).toBe(100 + 9 * 13);
    expect(got[9].shard).toBe(urls[1]);
  });

  it('shuffles deterministically and resumes from a saved position', async () => {
    const opts = { urls, shuffleBuffer: 4, seed: 7 };
    const all = (await collect(readShards(opts))).map((s) => s.key);
    expect([...all].sort()).toEqual(Array.from({ length: 15 }, (_, i) => key(i)));
    const head = await collect(readShards(opts), 5);
    const rest = await collect(
      readShards({ ...opts, startAt: JSON.parse(JSON.stringify(head[4].position)) }),
    );
    expect([...head.map((s) => s.key), ...rest.map((s) => s.key)]).toEqual(all);
  });

  it('names the shard and member of a corrupt header, or skips it', async () => {
    // Flip a bit in the mode field of the second member's header (000020.json, offset 1024).
    const bad = shardUrl(20, 23, 1024 + 101);
    await expect(collect(readShards({ urls: [bad] }))).rejects.toThrow(
      `shard ${bad}, member 000020.json (offset 1024): header checksum mismatch`,
    );
    const s = readShards({ urls: [bad, urls[2]], skipCorrupt: true });
    expect((await collect(s)).map((x) => x.key)).toEqual(['000012', '000013', '000014']);
    expect(s.skipped.map((e) => e.member)).toEqual(['000020.json']);
  });
});
