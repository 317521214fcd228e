import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { safetensorsToTensors } from '@unif2ace/nn';
import { init, memoryStats } from '@unif2ace/tensor';
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

  it('keeps an EMA of the weights: checkpointed, resumed, evaluated, and saved instead of the raw weights', async () => {
    // a known start (w0) so the average can be recomputed from the per-step checkpoints (w1, w2)
    const net = { channels: [8, 16, 16], features: 32 };
    const start = FaceProbe.create(net);
    const initDir = join(dir, 'init');
    mkdirSync(initDir, { recursive: true });
    writeFileSync(join(initDir, 'config.json'), JSON.stringify(start.config));
    const w0bytes = await start.saveWeights({ dtype: 'f32' });
    writeFileSync(join(initDir, 'model.safetensors'), w0bytes);
    start.dispose();
    const d = 0.5;
    const opts = (): TrainProbeOptions => ({
      ...options(),
      out: join(dir, 'ema'),
      steps: 2,
      lr: 0.05,
      warmup: 0,
      evalEvery: 1,
      checkpointEvery: 1,
      init: initDir,
      ema: d,
    });
    const lines: string[] = [];
    const live0 = memoryStats().liveTensors;
    const r = await trainProbe({ ...opts(), log: (l) => lines.push(l) });
    const read = async (bytes: Uint8Array) => {
      const m = safetensorsToTensors(bytes);
      const out = new Map<string, Float32Array>();
      for (const [k, t] of m) {
        out.set(k, Float32Array.from(await t.data()));
        t.dispose();
      }
      return out;
    };
    const ck = (step: number, file: string) =>
      new Uint8Array(readFileSync(join(dir, 'ema', 'checkpoints', `step-0000000${step}`, file)));
    const w0 = await read(w0bytes);
    const w1 = await read(ck(1, 'model.safetensors'));
    const w2 = await read(ck(2, 'model.safetensors'));
    const shadow = await read(ck(2, 'ema.safetensors'));
    const saved = await read(await r.probe.saveWeights({ dtype: 'f32' }));
    // shadow_2 = d^2 w0 + d (1 - d) w1 + (1 - d) w2
    let maxErr = 0;
    let maxFromRaw = 0;
    for (const [k, a] of w0) {
      const b = w1.get(k) as Float32Array;
      const c = w2.get(k) as Float32Array;
      for (let i = 0; i < a.length; i++) {
        const want = d * d * a[i] + d * (1 - d) * b[i] + (1 - d) * c[i];
        maxErr = Math.max(maxErr, Math.abs((shadow.get(k) as Float32Array)[i] - want));
        maxErr = Math.max(maxErr, Math.abs((saved.get(k) as Float32Array)[i] - want));
        maxFromRaw = Math.max(maxFromRaw, Math.abs(c[i] - want));
      }
    }
    expect(maxErr).toBeLessThan(1e-5);
    expect(maxFromRaw).toBeGreaterThan(1e-3); // the average is not the raw weights: the check can fail
    const metrics = readFileSync(join(dir, 'ema', 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(metrics.every((m) => m.evalEmaOverall > 0 && m.evalOverall > 0)).toBe(true);
    expect(lines.some((l) => /raw weights on 24 held-out faces: [\d.]+ %/.test(l))).toBe(true);
    expect(r.rawAccuracy?.attributes.length).toBe(29);
    const cfg = JSON.parse(readFileSync(join(r.modelDir, 'config.json'), 'utf8'));
    expect(cfg.training.ema).toBe(d);
    expect(cfg.training.raw.heldOutOverall).toBe(r.rawAccuracy?.overall);
    r.probe.dispose();
    // resuming restores the average from the checkpoint (a fresh one would restart at w2)
    const again = await trainProbe({ ...opts(), log: (l) => lines.push(l) });
    expect(lines.some((l) => /resumed from .*step-00000002 \(step 2\)/.test(l))).toBe(true);
    const resumed = await read(await again.probe.saveWeights({ dtype: 'f32' }));
    for (const [k, a] of saved) expect(resumed.get(k), k).toEqual(a);
    again.probe.dispose();
    // nothing is left behind, per run or per step (the EMA's temporaries once filled the 2 GB WASM heap)
    const live2 = memoryStats().liveTensors;
    (await trainProbe({ ...opts(), out: join(dir, 'ema8'), steps: 8 })).probe.dispose();
    const live8 = memoryStats().liveTensors;
    expect(live2).toBe(live0);
    expect(live8).toBe(live0);
    await expect(trainProbe({ ...opts(), out: join(dir, 'bad'), ema: 1 })).rejects.toThrow(
      /ema = 1 must be a decay in \(0, 1\)/,
    );
  });

  it('weighs the heads by name, records the weights, and refuses unknown names', async () => {
    const opts = (): TrainProbeOptions => ({
      ...options(),
      out: join(dir, 'weighted'),
      steps: 4,
      lossWeights: { expression: 3, age: 2 },
    });
    const r = await trainProbe(opts());
    const cfg = JSON.parse(readFileSync(join(r.modelDir, 'config.json'), 'utf8'));
    expect(cfg.training.lossWeights).toEqual({ expression: 3, age: 2 });
    r.probe.dispose();
    // other weights on the same folder are other options
    await expect(trainProbe({ ...opts(), lossWeights: { expression: 2 } })).rejects.toThrow(
      /was written with other options/,
    );
    await expect(
      trainProbe({ ...opts(), out: join(dir, 'bad2'), lossWeights: { smile: 2 } }),
    ).rejects.toThrow(/"smile" is not a probe head/);
  });
});
