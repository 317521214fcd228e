// Regression guard for the shipped weights: they load and reconstruct a fixed held-out batch above a PSNR
// floor (set about 1 dB under what they measured when committed; see weights/README.md and
// weights/32x32/README.md).
import { heldOutFaces, imagesToTensor } from '@unif2ace/eval';
import { checkLeaks, DEVICE, useBackend } from '@unif2ace/tensor/testing';
import { describe, expect, it } from 'vitest';
import { psnr } from './metrics.js';
import { codeStats } from './quantizer.js';
import { ImageTokenizer, SHIPPED_WEIGHTS_32X32 } from './tokenizer.js';

checkLeaks();

const CASES = [
  // measured 28.72 dB on these 32 faces (256 held-out: 28.23 dB; the previous weights 28.88 here)
  { name: 'default (16x16)', url: undefined, grid: [16, 16], floor: 28.0 },
  // measured 29.85 dB on these 32 faces (256 held-out: 29.50 dB)
  { name: '32x32', url: SHIPPED_WEIGHTS_32X32, grid: [32, 32], floor: 28.8 },
] as const;

describe('shipped weights', () => {
  for (const c of CASES)
    it(`${c.name}: load and reconstruct 32 held-out faces above the PSNR floor`, async () => {
      await useBackend(DEVICE);
      const tok = await ImageTokenizer.load(c.url);
      expect(tok.gridSize).toEqual(c.grid);
      const faces = heldOutFaces(32, { size: tok.imageSize });
      const x = imagesToTensor(faces.map((f) => f.image));
      const codes = tok.encode(x);
      const y = tok.decode(codes);
      const p = await psnr(x, y);
      const mean = p.reduce((a, b) => a + b, 0) / p.length;
      expect(mean).toBeGreaterThan(c.floor);
      // no collapse on a small batch either: many distinct codes
      expect(codeStats(await codes.data(), tok.codebookSize).usage).toBeGreaterThan(0.3);
      for (const t of [x, codes, y]) t.dispose();
      tok.dispose();
    });
});
