import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng, renderFace, sampleAttributes } from '@unif2ace/data';
import { FaceProbe } from '@unif2ace/eval';
import { safetensorsToTensors, seedInit } from '@unif2ace/nn';
import { loadLatestCheckpoint } from '@unif2ace/nn/node';
import { tensor, tidy } from '@unif2ace/tensor';
import { checkLeaks, DEVICE } from '@unif2ace/tensor/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { ImageTokenizer } from '../tokenizer.js';
import { chromaMse, innerFaceWeights, lumaGradientMse, type TrainOptions, train } from './train.js';

checkLeaks();

const root = mkdtempSync(join(tmpdir(), 'vq-train-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const base = (out: string): TrainOptions => ({
  out,
  render: 24,
  steps: 36,
  batch: 8,
  lr: 3e-3,
  warmup: 2,
  seed: 1,
  heldOut: 8,
  logEvery: 4,
  evalEvery: 1000,
  gridEvery: 12,
  checkpointEvery: 6,
  codec: {
    imageSize: 16,
    patchSize: 2,
    channels: 8,
    channelMult: [1, 2],
    resBlocks: 1,
    groups: 4,
    latentChannels: 3,
  },
  quantizer: { kind: 'fsq', levels: [5, 5, 5] },
  backend: DEVICE,
  quiet: true,
});

const rows = (out: string) =>
  readFileSync(join(out, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

describe('unif2ace-vq train', () => {
  it('a tiny run lowers the reconstruction error and writes metrics, grids, checkpoints and the final folder', async () => {
    const out = join(root, 'a');
    const r = await train(base(out));
    expect(r.step).toBe(36);
    const train_ = rows(out).filter((m) => m.kind === undefined);
    expect(train_.length).toBe(9);
    expect(train_.at(-1).mse).toBeLessThan(train_[0].mse * 0.7);
    for (const m of train_) expect(m.imagesPerSec).toBeGreaterThan(0);
    expect(rows(out).filter((m) => m.kind === 'eval').length).toBe(1);
    expect(
      readFileSync(join(out, 'grids', 'step-000012.png'))
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
    expect(loadLatestCheckpoint(join(out, 'checkpoints'))?.step).toBe(36);
    const tok = await ImageTokenizer.load(join(out, 'final'));
    expect(tok.gridSize).toEqual([4, 4]);
    tok.dispose();
  });

  it('weights the loss terms as asked (MSE alone still trains) and rejects a negative weight', async () => {
    const out = join(root, 'c');
    await train({ ...base(out), steps: 12, l1Weight: 0, mseWeight: 4 });
    const m = rows(out).filter((r) => r.kind === undefined);
    // with l1Weight 0 the logged loss is 4 * mse exactly (FSQ has no quantizer loss)
    for (const r of m) expect(r.loss).toBeCloseTo(4 * r.mse, 5);
    expect(m.at(-1).mse).toBeLessThan(m[0].mse);
    expect(JSON.parse(readFileSync(join(out, 'hparams.json'), 'utf8')).mseWeight).toBe(4);
    await expect(train({ ...base(join(root, 'd')), mseWeight: -1 })).rejects.toThrow(
      /mseWeight must be a number >= 0, got -1/,
    );
  });

  it('chromaMse: BT.601 Cb/Cr of a difference, zero for a grey one', async () => {
    // [1, 3, 1, 2]: a pure red difference at pixel 0, a grey one (equal in R, G, B) at pixel 1
    const d = tensor([1, 0.5, 0, 0.5, 0, 0.5], [1, 3, 1, 2]);
    const cb = -0.168736;
    const cr = 0.5;
    const grey = tensor([0.3, 0.3, 0.3], [1, 3, 1, 1]);
    const [a, b] = tidy(() => [chromaMse(d), chromaMse(grey)]);
    expect(await a.item()).toBeCloseTo(0.5 * ((cb * cb) / 2 + (cr * cr) / 2), 6);
    expect(await b.item()).toBeCloseTo(0, 7);
    for (const t of [d, grey, a, b]) t.dispose();
    await expect(train({ ...base(join(root, 'e')), chromaWeight: -1 })).rejects.toThrow(
      /chromaWeight must be a number >= 0, got -1/,
    );
  });

  it('lumaGradientMse: squared neighbour differences of Y, zero for a flat difference', async () => {
    // [1, 3, 2, 2]: luma 0.299 * R at pixel (0, 1) only (R = 1 there, G = B = 0)
    const d = tensor([0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [1, 3, 2, 2]);
    const flat = tensor(new Array(12).fill(0.4), [1, 3, 2, 2]);
    const [a, b] = tidy(() => [lumaGradientMse(d), lumaGradientMse(flat)]);
    const y = 0.299;
    // horizontal: row 0 differs by y, row 1 by 0 -> mean y^2 / 2; vertical: column 1 differs by y -> y^2 / 2
    expect(await a.item()).toBeCloseTo(0.5 * ((y * y) / 2 + (y * y) / 2), 6);
    expect(await b.item()).toBeCloseTo(0, 7);
    for (const t of [d, flat, a, b]) t.dispose();
    await expect(train({ ...base(join(root, 'e2')), edgeWeight: Number.NaN })).rejects.toThrow(
      /edgeWeight must be a number >= 0, got NaN/,
    );
  });

  it('innerFaceWeights: mean 1 over the image, and the pixels that eye colour, lips, nose and expression change lie inside', async () => {
    const w = innerFaceWeights(64);
    const v = Array.from(await w.data());
    w.dispose();
    expect(v.reduce((a, b) => a + b, 0) / v.length).toBeCloseTo(1, 5);
    const share = v.filter((x) => x > 0).length / v.length;
    expect(share).toBeGreaterThan(0.08);
    expect(share).toBeLessThan(0.15);
    // Render each face twice, differing in one attribute; weigh where the pixels differ.
    const changes = {
      eyeColor: ['brown', 'blue'],
      lipstick: ['none', 'red'],
      lipFullness: ['thin', 'full'],
      noseSize: ['small', 'large'],
      expression: ['neutral', 'laughing'],
      eyebrows: ['thin', 'thick'],
    } as const;
    for (const [name, [a, b]] of Object.entries(changes)) {
      let inside = 0;
      let total = 0;
      for (let seed = 0; seed < 60; seed++) {
        const attrs = {
          ...sampleAttributes(Rng.derive(seed, 'attributes')),
          glasses: 'none',
          faceMask: false,
        } as const;
        const A = renderFace({ ...attrs, [name]: a }, { size: 64, seed }).rgb;
        const B = renderFace({ ...attrs, [name]: b }, { size: 64, seed }).rgb;
        for (let p = 0; p < 64 * 64; p++) {
          const d =
            Math.abs(A[3 * p] - B[3 * p]) +
            Math.abs(A[3 * p + 1] - B[3 * p + 1]) +
            Math.abs(A[3 * p + 2] - B[3 * p + 2]);
          total += d;
          if (v[p] > 0) inside += d;
        }
      }
      expect(total, name).toBeGreaterThan(0);
      // brows reach past the ellipse at their outer ends (measured 0.92 on 300 faces; the rest 0.99-1.00)
      expect(inside / total, name).toBeGreaterThan(name === 'eyebrows' ? 0.88 : 0.97);
    }
  });

  it.each([
    ['chromaWeight', 5],
    ['edgeWeight', 5],
    ['faceWeight', 3],
  ] as const)('%s adds its term to the loss and is saved with the run', async (name, weight) => {
    const out = join(root, name);
    await train({ ...base(out), steps: 8, l1Weight: 0, mseWeight: 1, [name]: weight });
    const m = rows(out).filter((r) => r.kind === undefined);
    // the term is there: the loss exceeds the MSE alone (FSQ has no quantizer loss)
    for (const r of m) expect(r.loss).toBeGreaterThan(r.mse * 1.01);
    expect(JSON.parse(readFileSync(join(out, 'hparams.json'), 'utf8'))[name]).toBe(weight);
  });

  it('perceptualWeight adds the face network term (the folder and the image size checked) and is saved with the run', async () => {
    const dir = join(root, 'percep-net');
    mkdirSync(dir);
    seedInit(2);
    const probe = FaceProbe.create({ size: 16, channels: [8, 16], features: 8 });
    writeFileSync(join(dir, 'config.json'), probe.configJson());
    writeFileSync(join(dir, 'model.safetensors'), await probe.saveWeights({ dtype: 'f32' }));
    probe.dispose();
    const out = join(root, 'percep');
    await train({ ...base(out), steps: 8, l1Weight: 0, mseWeight: 1, perceptual: dir, perceptualWeight: 2 });
    for (const r of rows(out).filter((r) => r.kind === undefined))
      expect(r.loss).toBeGreaterThan(r.mse * 1.01);
    const hp = JSON.parse(readFileSync(join(out, 'hparams.json'), 'utf8'));
    expect([hp.perceptual, hp.perceptualWeight]).toEqual([dir, 2]);
    await expect(train({ ...base(join(root, 'percep-b')), perceptualWeight: 1 })).rejects.toThrow(
      /perceptualWeight needs perceptual/,
    );
    await expect(train({ ...base(join(root, 'percep-d')), attributeWeight: 1 })).rejects.toThrow(
      /attributeWeight needs perceptual/,
    );
    // the attribute term alone: the same network's heads, and it is in the loss
    const attr = join(root, 'percep-attr');
    await train({ ...base(attr), steps: 8, l1Weight: 0, mseWeight: 1, perceptual: dir, attributeWeight: 50 });
    for (const r of rows(attr).filter((r) => r.kind === undefined))
      expect(r.loss).toBeGreaterThan(r.mse * 1.001);
    expect(JSON.parse(readFileSync(join(attr, 'hparams.json'), 'utf8')).attributeWeight).toBe(50);
    await expect(
      train({
        ...base(join(root, 'percep-c')),
        codec: { ...base('').codec, imageSize: 32 },
        perceptual: dir,
        perceptualWeight: 1,
      }),
    ).rejects.toThrow(/takes 16 px images, codec.imageSize is 32/);
  });

  it('resumes exactly: stopped at step 10 and resumed, the weights equal an uninterrupted run', async () => {
    const out = join(root, 'b');
    await train({ ...base(out), stopAt: 10 });
    expect(loadLatestCheckpoint(join(out, 'checkpoints'))?.step).toBe(10);
    // The pause leaves a loadable tokenizer holding the step-10 weights, and no final/.
    expect(existsSync(join(out, 'final'))).toBe(false);
    const paused = await ImageTokenizer.load(join(out, 'latest'));
    const ckpt = join(out, 'checkpoints', 'step-00000010', 'model.safetensors');
    const saved = safetensorsToTensors(readFileSync(ckpt), ckpt);
    const mine = new Map(paused.namedParameters());
    expect(saved.size).toBeGreaterThan(0);
    for (const [name, t] of saved) {
      expect(Array.from(await (mine.get(name) as typeof t).data()), name).toEqual(Array.from(await t.data()));
      t.dispose();
    }
    paused.dispose();
    await expect(train(base(out))).rejects.toThrow(/already holds checkpoints; pass --resume/);
    await train({ ...base(out), resume: true });
    const a = readFileSync(join(root, 'a', 'final', 'model.safetensors'));
    const b = readFileSync(join(out, 'final', 'model.safetensors'));
    expect(Buffer.compare(a, b)).toBe(0);
  });

  it('--init with --freeze-encoder trains the decoder alone from the given weights', async () => {
    const from = join(root, 'a', 'final');
    const out = join(root, 'e');
    await train({ ...base(out), steps: 8, init: from, freezeEncoder: true });
    const load = (dir: string) => {
      const f = join(dir, 'model.safetensors');
      return safetensorsToTensors(readFileSync(f), f);
    };
    const a = load(from);
    const b = load(join(out, 'final'));
    let encoderSame = 0;
    let decoderMoved = 0;
    for (const [k, t] of a) {
      const x = await t.data();
      const y = await b.get(k)!.data();
      const same = x.every((v, i) => v === y[i]);
      if (k.startsWith('encoder.') && same) encoderSame++;
      if (k.startsWith('decoder.') && !same) decoderMoved++;
    }
    expect(encoderSame).toBe([...a.keys()].filter((k) => k.startsWith('encoder.')).length);
    expect(decoderMoved).toBeGreaterThan(10);
    for (const t of [...a.values(), ...b.values()]) t.dispose();
    // the first step starts from the trained weights: its error is the trained run's, not a fresh init's
    const first = rows(out).filter((r) => r.kind === undefined)[0];
    const fresh = rows(join(root, 'a')).filter((r) => r.kind === undefined)[0];
    expect(first.mse).toBeLessThan(fresh.mse * 0.7);
    const hp = JSON.parse(readFileSync(join(out, 'hparams.json'), 'utf8'));
    expect([hp.init, hp.freezeEncoder]).toEqual([from, true]);
  });

  it('--code-entropy-weight adds the FSQ entropy term (FSQ only, encoder trainable)', async () => {
    const out = join(root, 'f');
    await train({ ...base(out), steps: 8, codeEntropyWeight: 0.05 });
    const m = rows(out).filter((r) => r.kind === undefined);
    for (const r of m) {
      expect(r.softPerplexity).toBeGreaterThan(1);
      expect(r.softPerplexity).toBeLessThanOrEqual(125);
      // loss = l1 + mse + 0.05 (perSample - codebook), and the codebook term is the larger: below l1 + mse
      expect(r.loss).toBeLessThan(r.l1 + r.mse);
    }
    await expect(
      train({
        ...base(join(root, 'g')),
        codeEntropyWeight: 0.05,
        quantizer: { kind: 'vq-ema', dim: 3, codebookSize: 16 },
      }),
    ).rejects.toThrow(/codeEntropyWeight is for FSQ/);
    await expect(
      train({ ...base(join(root, 'h')), codeEntropyWeight: 0.05, freezeEncoder: true }),
    ).rejects.toThrow(/needs a trainable encoder/);
    await expect(train({ ...base(join(root, 'i')), codeEntropyWeight: -1 })).rejects.toThrow(
      /codeEntropyWeight must be a number >= 0/,
    );
  });
});
