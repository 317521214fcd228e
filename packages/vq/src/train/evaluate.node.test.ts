import { FaceProbe, headLayout } from '@unif2ace/eval';
import { checkLeaks, DEVICE } from '@unif2ace/tensor/testing';
import { describe, expect, it } from 'vitest';
import { evaluateTokenizer } from './evaluate.js';

checkLeaks();

describe('unif2ace-vq evaluate', () => {
  it('measures the shipped tokenizer with the shipped probe: PSNR, usage, per-group probe ratios', async () => {
    const r = await evaluateTokenizer({ count: 24, backend: DEVICE });
    expect(r.images).toBe(24);
    expect(r.psnr).toBeGreaterThan(24);
    expect(r.usage).toBeGreaterThan(0.1);
    if (!('groups' in r.probe)) throw new Error(`probe unavailable: ${r.probe.unavailable}`);
    const names = r.probe.groups.map((g) => g.group);
    expect(names).toEqual(expect.arrayContaining(['hair', 'eyes', 'accessories', 'facial-hair']));
    for (const g of r.probe.groups) {
      expect(g.original).toBeGreaterThan(0);
      expect(g.ratio).toBeCloseTo(g.reconstructed / g.original, 12);
    }
    expect(r.probe.minRatio).toBe(Math.min(...r.probe.groups.map((g) => g.ratio)));
    // per attribute, with the probe's own unreliable list: a group's ratio is the mean of its attributes' accuracies,
    // its judged ratio the same over the judged ones only (null where the probe judges none, e.g. age)
    const probe = await FaceProbe.load();
    const unreliable = new Set(probe.unreliable.map((u) => u.name));
    probe.dispose();
    expect(r.probe.attributes.map((x) => x.name)).toEqual(headLayout().heads.map((h) => h.name));
    for (const x of r.probe.attributes) expect(x.judged).toBe(!unreliable.has(x.name));
    const mean = (v: number[]) => v.reduce((p, q) => p + q, 0) / v.length;
    for (const g of r.probe.groups) {
      const xs = r.probe.attributes.filter((x) => x.group === g.group);
      expect(g.reconstructed).toBeCloseTo(mean(xs.map((x) => x.reconstructed)), 12);
      const judged = xs.filter((x) => x.judged);
      if (!judged.length) expect(g.judged).toBeNull();
      else {
        expect(g.judged!.original).toBeCloseTo(mean(judged.map((x) => x.original)), 12);
        expect(g.judged!.ratio).toBeCloseTo(g.judged!.reconstructed / g.judged!.original, 12);
      }
    }
    expect(r.probe.groups.find((g) => g.group === 'age')!.judged).toBeNull(); // the shipped probe does not judge age
    expect(r.probe.minJudgedRatio).toBe(
      Math.min(...r.probe.groups.flatMap((g) => (g.judged ? [g.judged.ratio] : []))),
    );
    // the background and lighting groups are easy: the probe reads them as well after reconstruction
    expect(r.probe.groups.find((g) => g.group === 'background')!.ratio).toBeGreaterThan(0.9);
    const skipped = await evaluateTokenizer({ count: 4, probe: null, backend: DEVICE });
    expect(skipped.probe).toEqual({ unavailable: 'skipped (--probe none)' });
    // another base seed, other faces
    const other = await evaluateTokenizer({ count: 4, seed: 7, probe: null, backend: DEVICE });
    expect(other.psnr).not.toBe(skipped.psnr);
  });
});
