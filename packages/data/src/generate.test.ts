import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from './cli.js';
import { generateDataset } from './generate.js';
import { decodePng } from './png/index.js';
import type { FaceRecord } from './record.js';
import { makeFaceSample } from './record.js';
import { readShards } from './shards/index.js';
import { SPLITS } from './splits.js';

let root = '';
const dir = async (name: string) => {
  root ||= await mkdtemp(join(tmpdir(), 'unif2ace-gen-'));
  return join(root, name);
};
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

/** Every sample of a dataset as "split/key:sha of files", in shard order. */
async function contents(out: string): Promise<string[]> {
  const { createHash } = await import('node:crypto');
  const rows: string[] = [];
  for (const split of SPLITS) {
    for await (const s of readShards({ dir: join(out, split), prefix: 'faces' })) {
      const h = createHash('sha256').update(s.files.png).update(s.files.json).digest('hex').slice(0, 16);
      rows.push(`${split}/${s.key}:${h}`);
    }
  }
  return rows;
}

describe('generateDataset', () => {
  it('writes records that match the renderer, split by seed range', async () => {
    const out = await dir('basic');
    const summary = await generateDataset({ out, count: 120, seed: 5, workers: 0, samplesPerShard: 40 });
    expect(summary.rendered).toBe(120);
    const total = Object.values(summary.splits).reduce((n, s) => n + s.samples, 0);
    expect(total).toBe(120);
    const dec = new TextDecoder();
    let n = 0;
    for await (const s of readShards({ dir: join(out, 'train'), prefix: 'faces' })) {
      const rec = JSON.parse(dec.decode(s.files.json)) as FaceRecord;
      expect(rec.split).toBe('train');
      expect(rec.heldout).toBeUndefined();
      if (n++ < 5) {
        const ref = makeFaceSample(5, rec.index, 64);
        expect(rec).toEqual(ref.record);
        expect(decodePng(s.files.png).rgb).toEqual(ref.rgb);
      }
    }
    const manifest = JSON.parse(await readFile(join(out, 'dataset.json'), 'utf8'));
    expect(manifest).toMatchObject({ seed: 5, size: 64, count: 120, taxonomy: '1.1.0' });
  });

  it('resumes after an interruption and ends with exactly what one run writes', async () => {
    const once = await dir('once');
    await generateDataset({ out: once, count: 300, seed: 2, workers: 0, samplesPerShard: 25 });

    const resumed = await dir('resumed');
    // Interrupt the first run part-way through (the error propagates; complete shards stay).
    await expect(
      generateDataset({
        out: resumed,
        count: 300,
        seed: 2,
        workers: 0,
        samplesPerShard: 25,
        jobSize: 16,
        onProgress: (p) => {
          if (p.done >= 140) throw new Error('interrupted');
        },
      }),
    ).rejects.toThrow('interrupted');
    const partial = await contents(resumed);
    expect(partial.length).toBeGreaterThan(100);
    expect(partial.length).toBeLessThan(300);

    const second = await generateDataset({
      out: resumed,
      count: 300,
      seed: 2,
      workers: 0,
      samplesPerShard: 25,
    });
    expect(second.skipped).toBeGreaterThan(0);
    expect(second.rendered + second.skipped).toBe(300);
    expect((await contents(resumed)).sort()).toEqual((await contents(once)).sort());

    // A third run has nothing left to do; no temporary files remain.
    const third = await generateDataset({
      out: resumed,
      count: 300,
      seed: 2,
      workers: 0,
      samplesPerShard: 25,
    });
    expect(third.rendered).toBe(0);
    for (const split of SPLITS)
      expect((await readdir(join(resumed, split))).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('refuses to resume with different options', async () => {
    const out = await dir('mismatch');
    await generateDataset({ out, count: 10, seed: 1, workers: 0 });
    await expect(generateDataset({ out, count: 10, seed: 2, workers: 0 })).rejects.toThrow(
      /was generated with seed=1, not 2; use the same options to resume, or another --out/,
    );
  });
});

describe('generateDataset with worker threads', () => {
  it('writes results in index order whatever order workers finish in', async () => {
    // A stand-in worker speaking the same protocol, answering after random delays, so the test exercises
    // dispatch, reordering and back-pressure without a build of the real worker.
    const { writeFile } = await import('node:fs/promises');
    const { pathToFileURL } = await import('node:url');
    const out = await dir('workers');
    const fake = join(root, 'fake-worker.mjs');
    await writeFile(
      fake,
      `import { parentPort } from 'node:worker_threads';
parentPort.on('message', (job) => {
  const items = [];
  for (let i = job.start; i < job.end; i++) {
    const split = i % 7 === 0 ? 'test' : 'train';
    if (i <= job.skipUpTo[split]) continue;
    items.push({ index: i, key: String(i).padStart(8, '0'), split,
      png: new Uint8Array([i & 255]), json: new TextEncoder().encode(JSON.stringify({ i })) });
  }
  setTimeout(() => parentPort.postMessage({ id: job.id, items }), Math.random() * 20);
});
`,
    );
    const summary = await generateDataset({
      out,
      count: 500,
      workers: 3,
      jobSize: 7,
      samplesPerShard: 30,
      workerUrl: pathToFileURL(fake),
    });
    expect(summary.rendered).toBe(500);
    const keys: Record<string, number[]> = { train: [], test: [] };
    for (const split of ['train', 'test']) {
      for await (const s of readShards({ dir: join(out, split), prefix: 'faces' }))
        keys[split].push(Number(s.key));
    }
    const all = Array.from({ length: 500 }, (_, i) => i);
    expect(keys.test).toEqual(all.filter((i) => i % 7 === 0));
    expect(keys.train).toEqual(all.filter((i) => i % 7 !== 0));
  });

  it('reports a worker error with the faces of the job', async () => {
    const { writeFile } = await import('node:fs/promises');
    const { pathToFileURL } = await import('node:url');
    const fake = join(root || (await dir('x')), 'failing-worker.mjs');
    await writeFile(
      fake,
      `import { parentPort } from 'node:worker_threads';
parentPort.on('message', (job) => parentPort.postMessage({ id: job.id, items: [], error: 'boom' }));
`,
    );
    await expect(
      generateDataset({
        out: await dir('failing'),
        count: 20,
        workers: 1,
        jobSize: 10,
        workerUrl: pathToFileURL(fake),
      }),
    ).rejects.toThrow(/worker failed on job 0 \(faces 0\.\.9\):\nboom/);
  });
});

describe('unif2ace-data CLI', () => {
  it('generate then stats', async () => {
    const out = await dir('cli');
    const log: string[] = [];
    const orig = console.log;
    console.log = (...a: unknown[]) => log.push(a.join(' '));
    try {
      expect(
        await main(['generate', '--count', '80', '--out', out, '--workers', '0', '--seed', '3', '--quiet']),
      ).toBe(0);
      expect(await main(['stats', out, '--sheet', '16'])).toBe(0);
    } finally {
      console.log = orig;
    }
    expect(log[0]).toMatch(/^generated 80 faces in \d+s \([\d.]+ img\/s\), 0 already present; train \d+/);
    const text = log.join('\n');
    expect(text).toMatch(/samples: 80 \(train \d+, validation \d+, test \d+\)/);
    expect(text).toMatch(/qa: 640 pairs, 8.00 per image/);
    expect(text).toContain('hairColor:');
    const stats = JSON.parse(await readFile(join(out, 'stats.json'), 'utf8'));
    expect(stats.samples).toBe(80);
    const sheet = decodePng(await readFile(join(out, 'contact-sheet.png')));
    expect([sheet.width, sheet.height]).toEqual([4 * 64 + 5 * 2, 4 * 64 + 5 * 2]);
  });

  it('reports unknown commands and missing options', async () => {
    const err: string[] = [];
    const orig = console.error;
    console.error = (...a: unknown[]) => err.push(a.join(' '));
    try {
      expect(await main(['nope'])).toBe(1);
      expect(await main(['generate', '--count', '5'])).toBe(1);
    } finally {
      console.error = orig;
    }
    expect(err[0]).toContain('unknown command "nope"');
    expect(err[0]).toMatch(/generate .*\n\s+stats/);
    expect(err[1]).toContain('--count and --out are required');
  });
});
