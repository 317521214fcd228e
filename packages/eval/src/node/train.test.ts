import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { init } from '@unif2ace/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaceProbe } from '../probe/probe.js';
import { type TrainProbeOptions, trainProbe } from './train.js';

let dir: string;
beforeAll(async () => {
  await init({ backend: 'wasm' });
  dir = mkdtempSync(join(tmpdir(), 'probe-train-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const options = (): TrainProbeOptions => ({
  out: join(dir, 'run'),
  count: 48,
  steps: 60,
  batch: 8,
  lr: 3e-3,
  warmup: 5,
  heldOut: 24,
  evalCount: 16,
  evalEvery: 30,
  checkpointEvery: 20,
  net: { channels: [8, 16, 16], features: 32 },
});

describe('trainProbe', () => {
  it('reduces the loss, logs metrics, checkpoints, writes a loadable model folder, and resumes', async () => {
    const lines: string[] = [];
    const r = await trainProbe({ ...options(), log: (l) => lines.push(l) });
    const metrics = readFileSync(join(dir, 'run', 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(metrics.map((m) => m.step)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    const mean = (a: { loss: number }[]) => a.reduce((s, m) => s + m.loss, 0) / a.length;
    expect(mean(metrics.slice(-10))).toBeLessThan(0.8 * mean(metrics.slice(0, 10)));
    expect(metrics[29].evalOverall).toBeGreaterThan(0);
    expect(readdirSync(join(dir, 'run', 'checkpoints'))).toEqual(['step-00000040', 'step-00000060']);
    expect(r.accuracy.attributes.length).toBe(29);
    expect(r.accuracy.overall).toBeGreaterThan(0.3);
    // the model folder loads, and the excluded attributes are the ones below the bar, by name
    const loaded = await FaceProbe.load(r.modelDir);
    expect(loaded.unreliable.map((u) => u.name)).toEqual(r.unreliable.map((u) => u.name));
    for (const a of r.accuracy.attributes) {
      const bad = a.accuracy < 0.98 || a.visibleAccuracy < 0.98;
      expect(loaded.unreliable.some((u) => u.name === a.name)).toBe(bad);
    }
    loaded.dispose();
    r.probe.dispose();
    // the same command again resumes from the last checkpoint (nothing left to train)
    const again = await trainProbe({ ...options(), log: (l) => lines.push(l) });
    expect(lines.some((l) => /resumed from .*step-00000060 \(step 60\)/.test(l))).toBe(true);
    expect(again.steps).toBe(60);
    again.probe.dispose();
    // other options on the same folder are refused
    await expect(trainProbe({ ...options(), lr: 1e-3 })).rejects.toThrow(/was written with other options/);
    expect(existsSync(join(dir, 'run', 'face-probe', 'model.safetensors'))).toBe(true);
    expect(readFileSync(join(dir, 'run', 'face-probe', 'README.md'), 'utf8')).toMatch(
      /# FaceProbe weights[\s\S]*\| hairColor /,
    );
  });
});
