import { seedInit } from '@unif2ace/nn';
import { randn, type Tensor, tensor, tidy } from '@unif2ace/tensor';
import { checkLeaks, DEVICE, expectClose, useBackend } from '@unif2ace/tensor/testing';
import { describe, expect, it } from 'vitest';
import type { CodecConfig } from './codec.js';
import { ImageTokenizer } from './tokenizer.js';

checkLeaks();

const codec: CodecConfig = {
  imageSize: 8,
  patchSize: 2,
  channels: 8,
  channelMult: [1, 2],
  resBlocks: 1,
  groups: 4,
  latentChannels: 3,
};

describe('straight-through gradient', () => {
  it('equals finite differences of the encoder with the quantizer frozen', async () => {
    await useBackend(DEVICE);
    seedInit(3);
    // LFQ's zq = z + sg(q - z): frozen, the quantizer is z + c with c = q(z0) - z0 from the unperturbed
    // pass, which is what the straight-through estimator differentiates (FSQ's bound is tested in fsq.test.ts).
    const tok = ImageTokenizer.create(codec, { kind: 'lfq', dim: 3 });
    const x = randn([2, 3, 8, 8], { seed: 5 });
    const c = tidy(() => {
      const z0 = tok.encoder.forward(x);
      return tok.quantizer.quantize(z0).zq.sub(z0).detach();
    });
    const frozenLoss = () =>
      tidy(() => tok.decoder.forward(tok.encoder.forward(x).add(c)).sub(x).square().mean());
    // analytic: backward through the real quantizer
    tidy(() => {
      const r = tok.reconstruct(x);
      r.recon.sub(x).square().mean().backward();
    });
    const w = tok.encoder.convIn.weight;
    const grad = Array.from(await w.grad!.data());
    const base = Array.from(await w.data());
    const eps = 1e-2;
    const checks = [0, 7, 20, 33, 50, 71, 90];
    const fd: number[] = [];
    for (const i of checks) {
      const at = async (v: number) => {
        const vals = Float32Array.from(base);
        vals[i] = v;
        const t = tensor(vals, w.shape);
        w.copy_(t);
        t.dispose();
        const l = frozenLoss();
        const out = (await l.data())[0];
        l.dispose();
        return out;
      };
      fd.push(((await at(base[i] + eps)) - (await at(base[i] - eps))) / (2 * eps));
    }
    expectClose(
      fd,
      checks.map((i) => grad[i]),
      { atol: 2e-4, rtol: 3e-2 },
    );
    expect(fd.some((v) => Math.abs(v) > 1e-3)).toBe(true);
    for (const p of tok.parameters()) {
      p.grad?.dispose();
      p.grad = null;
    }
    for (const t of [x, c] as Tensor[]) t.dispose();
    tok.dispose();
  });
});

describe('ImageTokenizer', () => {
  for (const quantizer of [
    { kind: 'fsq' as const, levels: [5, 4, 3] },
    { kind: 'lfq' as const, dim: 3 },
    { kind: 'vq-ema' as const, dim: 3, codebookSize: 16 },
  ]) {
    it(`${quantizer.kind}: encode/decode shapes and a fromBytes round trip`, async () => {
      await useBackend(DEVICE);
      seedInit(1);
      const tok = ImageTokenizer.create(codec, quantizer).eval();
      expect(tok.gridSize).toEqual([2, 2]);
      const x = tidy(() => randn([3, 3, 8, 8], { seed: 2 }).tanh());
      const codes = tok.encode(x);
      expect(codes.shape).toEqual([3, 2, 2]);
      expect(codes.dtype).toBe('i32');
      const cs = Array.from(await codes.data());
      expect(cs.every((v) => v >= 0 && v < tok.codebookSize)).toBe(true);
      const y = tok.decode(codes);
      expect(y.shape).toEqual([3, 3, 8, 8]);
      const ys = Array.from(await y.data());
      expect(ys.every((v) => v >= -1 && v <= 1)).toBe(true);
      const files = await tok.toFiles();
      const back = ImageTokenizer.fromBytes(
        JSON.parse(new TextDecoder().decode(files['config.json'])),
        files['model.safetensors'],
      );
      const codes2 = back.encode(x);
      const y2 = back.decode(codes2);
      expect(Array.from(await codes2.data())).toEqual(cs);
      expectClose(await y2.data(), ys, { atol: 1e-6 });
      for (const t of [x, codes, y, codes2, y2]) t.dispose();
      tok.dispose();
      back.dispose();
    });
  }

  it('a decoder wider and deeper than the encoder: its own layers, same interface, fromBytes round trip', async () => {
    await useBackend(DEVICE);
    seedInit(4);
    const wide: CodecConfig = {
      ...codec,
      patchSize: 4,
      channelMult: [1],
      decoderChannels: 12,
      decoderResBlocks: 2,
    };
    const tok = ImageTokenizer.create(wide, { kind: 'fsq', levels: [5, 4, 3] }).eval();
    const narrow = ImageTokenizer.create(
      { ...wide, decoderChannels: undefined, decoderResBlocks: undefined },
      {
        kind: 'fsq',
        levels: [5, 4, 3],
      },
    );
    // encoder: 8 channels, 1 block; decoder: 12 channels, 2 blocks
    expect(tok.encoder.convIn.weight.shape).toEqual([8, 3, 4, 4]);
    expect(tok.decoder.convIn.weight.shape).toEqual([12, 3, 3, 3]);
    expect(tok.decoder.blocks.length).toBe(2);
    expect(tok.decoder.convOut.weight.shape).toEqual([48, 12, 3, 3]);
    expect(narrow.decoder.blocks.length).toBe(1);
    expect(tok.encoder.numParameters()).toBe(narrow.encoder.numParameters());
    expect(tok.decoder.numParameters()).toBeGreaterThan(2 * narrow.decoder.numParameters());
    expect(tok.gridSize).toEqual([2, 2]);
    const x = tidy(() => randn([2, 3, 8, 8], { seed: 6 }).tanh());
    const codes = tok.encode(x);
    const y = tok.decode(codes);
    expect(y.shape).toEqual([2, 3, 8, 8]);
    const files = await tok.toFiles();
    const cfg = JSON.parse(new TextDecoder().decode(files['config.json']));
    expect(cfg.codec.decoderChannels).toBe(12);
    expect(cfg.codec.decoderResBlocks).toBe(2);
    const back = ImageTokenizer.fromBytes(cfg, files['model.safetensors']);
    const y2 = back.decode(codes);
    expectClose(await y2.data(), await y.data(), { atol: 1e-6 });
    expect(() =>
      ImageTokenizer.create({ ...codec, decoderChannels: 6 }, { kind: 'fsq', levels: [5, 5, 5] }),
    ).toThrow(/decoder level 0 has 6 channels, not divisible by groups 4/);
    expect(() =>
      ImageTokenizer.create({ ...codec, decoderResBlocks: -1 }, { kind: 'fsq', levels: [5, 5, 5] }),
    ).toThrow(/decoderResBlocks must be an integer >= 0, got -1/);
    for (const t of [x, codes, y, y2]) t.dispose();
    for (const t of [tok, narrow, back]) t.dispose();
  });

  it('rejects bad configs and inputs with errors naming the problem', async () => {
    await useBackend(DEVICE);
    expect(() =>
      ImageTokenizer.create({ ...codec, imageSize: 10 }, { kind: 'fsq', levels: [5, 5, 5] }),
    ).toThrow(/imageSize 10 is not divisible by the downsampling factor 4/);
    expect(() => ImageTokenizer.create(codec, { kind: 'fsq', levels: [5, 5] })).toThrow(
      /2 channels, codec.latentChannels is 3/,
    );
    expect(() => ImageTokenizer.create(codec, { kind: 'nope' } as never)).toThrow(
      /unknown kind "nope"; valid: fsq, lfq, vq-ema/,
    );
    expect(() =>
      ImageTokenizer.fromBytes(
        {
          _class: 'ImageTokenizer',
          _version: 1,
          codec,
          quantizer: { kind: 'fsq', levels: [5, 5, 5] },
          extra: 1,
        },
        new Uint8Array(),
      ),
    ).toThrow(/unknown key 'extra'/);
    const tok = ImageTokenizer.create(codec, { kind: 'fsq', levels: [5, 5, 5] });
    const bad = randn([1, 3, 16, 16]);
    expect(() => tok.encode(bad)).toThrow(/expected images \[B, 3, 8, 8\]/);
    bad.dispose();
    tok.dispose();
  });
});
