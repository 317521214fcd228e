import { AdamW } from '@unif2ace/nn';
import type { Tensor } from '@unif2ace/tensor';
import { checkLeaks, DEVICE, expectClose } from '@unif2ace/tensor/testing';
import { describe, expect, it } from 'vitest';
import { CAPTIONS, codesFor, tinyModel } from './test-helpers.js';

checkLeaks();

const batch = {
  t2i: CAPTIONS.map((caption, i) => ({ caption, codes: codesFor(i) })),
  mmu: [
    { codes: codesFor(0), question: 'What color are the eyes?', answer: 'Green.' },
    { codes: codesFor(1), question: 'What color are the eyes?', answer: 'Brown.' },
    { codes: codesFor(2), question: 'Describe this face in detail.', answer: CAPTIONS[2] },
  ],
};

async function scalars(parts: Record<string, Tensor>): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [k, t] of Object.entries(parts)) out[k] = (await t.data())[0];
  return out;
}

describe(`UniF2ace (${DEVICE})`, () => {
  it('a few AdamW steps on a mixed batch lower both task losses; the loss is reproducible from its seed', async () => {
    const m = tinyModel();
    const opt = new AdamW(m.parameters(), { lr: 5e-3 });
    const first: Record<string, number>[] = [];
    const losses: Record<string, number>[] = [];
    for (let step = 0; step < 6; step++) {
      // the same seed each step: the same masks and dropout, so the losses are comparable
      const r = m.loss(batch, { seed: 7, cfgDropout: 0 });
      const vals = await scalars({ total: r.total, ...r.parts });
      losses.push(vals);
      if (step === 0) {
        const again = m.loss(batch, { seed: 7, cfgDropout: 0 });
        first.push(await scalars({ total: again.total, ...again.parts }));
        for (const t of [again.total, ...Object.values(again.parts)]) t.dispose();
      }
      r.total.backward();
      opt.update();
      m.zeroGrad();
      for (const t of [r.total, ...Object.values(r.parts)]) t.dispose();
    }
    expect(first[0].total).toBeCloseTo(losses[0].total, 5);
    const a = losses[0];
    const z = losses.at(-1)!;
    expect(Number.isFinite(a.t2i) && Number.isFinite(a.mmu)).toBe(true);
    expect(a.t2i).toBeGreaterThan(1); // ~ log 16 at init
    expect(z.t2i).toBeLessThan(a.t2i * 0.9); // 6 steps: about 3.0 -> 2.6
    expect(z.mmu).toBeLessThan(a.mmu * 0.7); // about 5.6 -> 3.1
    expect(a.balance).toBeGreaterThan(0);
    opt.dispose();
    m.dispose();
  });

  it('objectives: mask = the t2i part under objective "mask"; one task alone works', async () => {
    const m = tinyModel();
    const d = m.loss({ t2i: batch.t2i, mmu: [] }, { seed: 3, objective: 'mask' });
    const v = await scalars({ t2i: d.parts.t2i, mask: d.parts.mask, mmu: d.parts.mmu });
    expect(v.t2i).toBeCloseTo(v.mask, 5);
    expect(v.mmu).toBe(0);
    for (const t of [d.total, ...Object.values(d.parts)]) t.dispose();
    const u = m.loss({ t2i: [], mmu: batch.mmu }, { seed: 3 });
    expect((await u.parts.t2i.data())[0]).toBe(0);
    for (const t of [u.total, ...Object.values(u.parts)]) t.dispose();
    expect(() => m.loss({ t2i: [], mmu: [] }, { seed: 1 })).toThrow(/batch is empty/);
    expect(() => m.loss({ t2i: [{ caption: 'x', codes: Int32Array.of(1) }], mmu: [] }, { seed: 1 })).toThrow(
      /batch\.t2i\[0\]\.codes must be an Int32Array of 16/,
    );
    expect(() => m.loss(batch, { seed: -1 })).toThrow(/seed/);
    m.dispose();
  });

  it('generate: same seed, same codes (and image); onStep reports progress; answer and describe decode text', async () => {
    const m = tinyModel();
    const steps: number[] = [];
    const a = await m.generate(CAPTIONS[1], {
      seed: 5,
      steps: 4,
      cfg: 2,
      onStep: (s) => void steps.push(s.step),
    });
    const b = await m.generate(CAPTIONS[1], { seed: 5, steps: 4, cfg: 2 });
    expect(steps).toEqual([0, 1, 2, 3]);
    expect(a.codes).toEqual(b.codes);
    expect(a.codes.every((c) => c >= 0 && c < 16)).toBe(true);
    expect(a.image.width).toBe(16);
    expect(a.image.rgb).toEqual(b.image.rgb);
    const img = a.image;
    const ans = await m.answer(img, 'What color are the eyes?', { maxTokens: 3 });
    expect(typeof ans).toBe('string');
    expect(await m.answer(img, 'What color are the eyes?', { maxTokens: 3 })).toBe(ans);
    const d1 = await m.describe(img, { maxTokens: 4, temperature: 1, seed: 2 });
    const d2 = await m.describe(img, { maxTokens: 4, temperature: 1, seed: 2 });
    expect(d1).toBe(d2);
    const stats = await m.routingStats();
    expect(stats.layers).toHaveLength(2);
    expect(stats.layers[0].seq.groups[1].sequences).toBe(1);
    m.forgetRouting();
    m.dispose();
  });

  it('KV-cache decoding equals full recomputation: same tokens, close logits at every step', async () => {
    const m = tinyModel(11);
    // untrained: the logits are random but not flat (no greedy ties), and <|eos|> is unlikely to end early
    for (const temperature of [0, 1.5]) {
      const runs: { tokens: number[]; logits: Float32Array[]; text: string }[] = [];
      for (const kvCache of [true, false]) {
        const tokens: number[] = [];
        const logits: Float32Array[] = [];
        const text = await m.answer(codesFor(2), 'What color are the eyes?', {
          maxTokens: 6,
          kvCache,
          temperature,
          seed: 4,
          onToken: (s) => {
            tokens.push(s.token);
            logits.push(s.logits);
          },
        });
        runs.push({ tokens, logits, text });
      }
      expect(runs[0].tokens).toEqual(runs[1].tokens);
      expect(runs[0].text).toBe(runs[1].text);
      expect(runs[0].tokens.length).toBe(6);
      for (const [i, l] of runs[0].logits.entries())
        expectClose(l, runs[1].logits[i], { atol: 1e-4, rtol: 1e-4, label: `step ${i}` });
    }
    m.dispose();
  });

  it('inference inputs get clear errors naming the argument', async () => {
    const m = tinyModel();
    await expect(m.generate('a face', { cfg: -1 })).rejects.toThrow(/generate: cfg must be >= 0, got -1/);
    await expect(m.answer(codesFor(0), 'q?', { temperature: -1 })).rejects.toThrow(
      /temperature must be >= 0/,
    );
    await expect(m.answer(Int32Array.of(1, 2), 'q?')).rejects.toThrow(
      /answer: 2 image codes, the model reads 16/,
    );
    await expect(m.describe(Int32Array.from({ length: 16 }, () => 16))).rejects.toThrow(
      /code 16 at 0 is outside the codebook \[0, 16\)/,
    );
    await expect(m.decodeCodes([Int32Array.of(1)])).rejects.toThrow(
      /decodeCodes: codes\[0\] has 1 codes, expected 16/,
    );
    await expect(m.encodeImages([{ rgb: new Uint8Array(12), width: 2, height: 2 }])).rejects.toThrow(
      /encodeImages: images\[0\] is 2x2; the image tokenizer reads 16x16/,
    );
    m.dispose();
  });
});
