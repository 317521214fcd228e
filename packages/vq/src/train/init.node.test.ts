import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tensor } from '@unif2ace/tensor';
import { checkLeaks, DEVICE, expectClose, useBackend } from '@unif2ace/tensor/testing';
import { afterAll, describe, expect, it } from 'vitest';
import type { CodecConfig } from '../codec.js';
import { ImageTokenizer } from '../tokenizer.js';
import { decoderBlockMap, initFromTokenizer } from './init.js';

checkLeaks();

const root = mkdtempSync(join(tmpdir(), 'vq-init-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const codec: CodecConfig = {
  imageSize: 16,
  patchSize: 2,
  channels: 8,
  channelMult: [1, 2],
  resBlocks: 1,
  groups: 4,
  latentChannels: 3,
};
const fsq = { kind: 'fsq' as const, levels: [5, 4, 3] };

describe('initFromTokenizer (train --init)', () => {
  it('maps each level of a shallower decoder onto the first blocks of the deeper one', () => {
    // r1: [res(L1) 0, up 1, conv 2, res(L0) 3]; r2: [res 0, res 1, up 2, conv 3, res 4, res 5]
    const { map, fresh } = decoderBlockMap(codec, { ...codec, decoderResBlocks: 2 });
    expect([...map]).toEqual([
      [0, 0],
      [2, 3],
      [3, 4],
    ]);
    expect(fresh).toEqual([1, 5]);
    const same = decoderBlockMap(codec, codec);
    expect([...same.map]).toEqual([
      [0, 0],
      [2, 2],
      [3, 3],
    ]);
    expect(same.fresh).toEqual([]);
  });

  it('a deeper decoder starts as the identity: it decodes every code as the source does', async () => {
    await useBackend(DEVICE);
    const src = ImageTokenizer.create(codec, fsq);
    const dir = join(root, 'src');
    await src.save(dir);
    const grown = ImageTokenizer.create({ ...codec, decoderResBlocks: 3 }, fsq);
    expect(initFromTokenizer(grown, dir).fresh).toEqual([1, 2, 6, 7]);
    grown.eval();
    const codes = tensor(
      Array.from({ length: 2 * 16 }, (_, i) => (i * 37) % 60),
      [2, 4, 4],
      { dtype: 'i32' },
    );
    const a = src.decode(codes);
    const b = grown.decode(codes);
    expectClose(await b.data(), await a.data(), { atol: 1e-5 });
    // and the encoder is the source's
    const x = tensor(
      Array.from({ length: 2 * 3 * 16 * 16 }, (_, i) => Math.sin(i * 0.37)),
      [2, 3, 16, 16],
    );
    const ca = src.encode(x);
    const cb = grown.encode(x);
    expect(Array.from(await cb.data())).toEqual(Array.from(await ca.data()));
    for (const t of [codes, a, b, x, ca, cb]) t.dispose();
    src.dispose();
    grown.dispose();
  });

  it('an FSQ quantizer with more levels keeps the codes: old code c reads as c plus the new digits', async () => {
    await useBackend(DEVICE);
    const src = ImageTokenizer.create(codec, fsq);
    const dir = join(root, 'src3');
    await src.save(dir);
    const levels = [5, 4, 3, 4, 2];
    const grown = ImageTokenizer.create({ ...codec, latentChannels: 5 }, { kind: 'fsq', levels });
    const init = initFromTokenizer(grown, dir);
    expect(init).toEqual({ fresh: [], freshLatents: [3, 4] });
    grown.eval();
    const x = tensor(
      Array.from({ length: 2 * 3 * 16 * 16 }, (_, i) => Math.sin(i * 0.37)),
      [2, 3, 16, 16],
    );
    const caT = src.encode(x);
    const ca = Array.from(await caT.data());
    const cbT = grown.encode(x);
    const cb = Array.from(await cbT.data());
    // The old channels keep their mixed-radix places; the new channels' digits sit above them.
    expect(cb.map((c) => c % 60)).toEqual(ca);
    expect(new Set(cb.map((c) => Math.floor(c / 60))).size).toBeGreaterThan(1);
    // The decoder reads the new channels through zeroed weights: any new digits decode as the source does.
    const codes = tensor(
      Array.from({ length: 32 }, (_, i) => (i * 37) % 60),
      [2, 4, 4],
      { dtype: 'i32' },
    );
    const moved = tensor(
      Array.from({ length: 32 }, (_, i) => ((i * 37) % 60) + 60 * (i % 8)),
      [2, 4, 4],
      { dtype: 'i32' },
    );
    const a = src.decode(codes);
    const b = grown.decode(moved);
    expectClose(await b.data(), await a.data(), { atol: 1e-5 });
    for (const t of [x, caT, cbT, codes, moved, a, b]) t.dispose();
    src.dispose();
    grown.dispose();
  });

  it('rejects a source that does not fit, naming the field', async () => {
    await useBackend(DEVICE);
    const src = ImageTokenizer.create({ ...codec, decoderResBlocks: 2 }, fsq);
    const dir = join(root, 'src2');
    await src.save(dir);
    src.dispose();
    const cases: [CodecConfig, typeof fsq | { kind: 'fsq'; levels: number[] }, RegExp][] = [
      [{ ...codec, channels: 16 }, fsq, /codec\.channels is 8 there, 16 here/],
      [{ ...codec, decoderResBlocks: 2, decoderChannels: 16 }, fsq, /decoder channels are 8 there, 16 here/],
      [codec, fsq, /2 residual blocks per level there, 1 here \(it may only grow\)/],
      [{ ...codec, decoderResBlocks: 2 }, { kind: 'fsq', levels: [5, 5, 3] }, /quantizer .* there, .* here/],
      [
        { ...codec, decoderResBlocks: 2, latentChannels: 4 },
        { kind: 'fsq', levels: [5, 5, 3, 2] },
        /FSQ may only add levels after the source's/,
      ],
    ];
    for (const [c, q, re] of cases) {
      const tok = ImageTokenizer.create(c, q);
      expect(() => initFromTokenizer(tok, dir)).toThrow(re);
      tok.dispose();
    }
  });
});
