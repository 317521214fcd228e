// Writes 7 small shards and the keys readShards yields per rank for a few option sets, for
// parity/check_shards.py (the Python reader must yield the same keys). Run: node parity/dump_shards.mjs <dir>
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readShards, ShardWriter } from '@unif2ace/data';

const dir = process.argv[2];
if (!dir) throw new Error('usage: node parity/dump_shards.mjs <output dir>');
const w = new ShardWriter({ dir, prefix: 'faces', samplesPerShard: 3 });
for (let i = 0; i < 20; i++) {
  const key = String(i).padStart(6, '0');
  await w.add(key, { json: new TextEncoder().encode(JSON.stringify({ i })), bin: Uint8Array.of(i, 255 - i) });
}
await w.close();
const runs = [];
for (const o of [
  { shuffleBuffer: 0 },
  { shuffleBuffer: 5, seed: 9 },
  { shuffleBuffer: 1, seed: 3, shuffleShards: true },
  { shuffleBuffer: 16, seed: 123456789 },
]) {
  for (const worldSize of [1, 2, 3]) {
    for (let rank = 0; rank < worldSize; rank++) {
      const keys = [];
      for await (const s of readShards({ dir, ...o, rank, worldSize })) keys.push(s.key);
      runs.push({ options: o, rank, worldSize, keys });
    }
  }
}
writeFileSync(join(dir, 'runs.json'), JSON.stringify(runs));
console.log(`wrote ${runs.length} runs to ${dir}`);
