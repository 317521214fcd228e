import { tensor } from '@unif2ace/tensor';
import { checkLeaks, DEVICE, expectClose, useBackend } from '@unif2ace/tensor/testing';
import { describe, expect, it } from 'vitest';
import golden from '../fixtures/lfq.json';
import { LFQ } from './lfq.js';

checkLeaks();

describe('LFQ against the PyTorch golden values (tools/golden/lfq.py)', () => {
  for (const [name, c] of Object.entries(golden.cases)) {
    it(`${name}: codes, entropy terms, loss and its gradient`, async () => {
      await useBackend(DEVICE);
      const q = new LFQ({
        dim: c.shape[1],
        temperature: c.temperature,
        diversityGamma: c.diversityGamma,
        entropyWeight: c.entropyWeight,
        commitment: c.commitment,
      });
      const z = tensor(c.z, c.shape, { requiresGrad: true });
      const r = q.quantize(z);
      expect(Array.from(await r.codes.data())).toEqual(c.codes);
      expectClose(await r.stats.perSampleEntropy.data(), [c.perSampleEntropy], { atol: 1e-5, rtol: 1e-5 });
      expectClose(await r.stats.codebookEntropy.data(), [c.codebookEntropy], { atol: 1e-5, rtol: 1e-5 });
      expectClose(await r.stats.commitment.data(), [c.commitmentLoss], { atol: 1e-6, rtol: 1e-5 });
      expectClose(await r.loss.data(), [c.loss], { atol: 1e-6, rtol: 1e-5 });
      r.loss.backward();
      expectClose(await z.grad!.data(), c.gradZ, { atol: 1e-6, rtol: 1e-4 });
      // zq is the corner of each code, and codesToLatents gives it back
      const back = q.codesToLatents(r.codes);
      const zq = Array.from(await r.zq.data());
      expect(zq.every((v) => v === 1 || v === -1)).toBe(true);
      expect(Array.from(await back.data())).toEqual(zq);
      for (const t of [z, z.grad!, r.codes, r.zq, r.loss, back, ...Object.values(r.stats)]) t.dispose();
      q.dispose();
    });
  }
});
