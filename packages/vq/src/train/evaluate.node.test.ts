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
    // the background and lighting groups are easy: the probe reads them as well after reconstruction
    expect(r.probe.groups.find((g) => g.group === 'background')!.ratio).toBeGreaterThan(0.9);
    const skipped = await evaluateTokenizer({ count: 4, probe: null, backend: DEVICE });
    expect(skipped.probe).toEqual({ unavailable: 'skipped (--probe none)' });
  });
});
