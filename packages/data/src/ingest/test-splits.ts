// Test helper for the ingest tests (here and in cli/; not exported from the package).
import { join } from 'node:path';
import { expect } from 'vitest';
import { readShards } from '../shards/index.js';

/** Samples of all three split folders under `out`, sorted by key, each checked to sit in its record's split. */
export async function readSplits(out: string) {
  const all = [];
  for (const split of ['train', 'validation', 'test']) {
    for await (const s of readShards({ dir: join(out, split) })) {
      expect(JSON.parse(new TextDecoder().decode(s.files.json)).split).toBe(split);
      all.push(s);
    }
  }
  return all.sort((a, b) => (a.key < b.key ? -1 : 1));
}
