// Regression guard for the shipped weights: they load and reconstruct a fixed held-out batch above a PSNR
// floor (set about 1 dB under what they measured when committed; see weights/README.md).
import { heldOutFaces, imagesToTensor } from '@unif2ace/eval';
import { checkLeaks, DEVICE, useBackend } from '@unif2ace/tensor/testing';
import { describe, expect, it } from 'vitest';
import { psnr } from './metrics.js';
import { codeStats } from './quantizer.js';
import { ImageTokenizer } from './tokenizer.js';

checkLeaks();

const PSNR_FLOOR = 28.0; // measured 28.72 dB on these 32 faces (256 held-out: 28.23 dB; the previous weights 28.88 here)

describe('shipped weights', () => {
  it('load and reconstruct 32 held-out faces above the PSNR floor', async () => {
    await useBackend(DEVICE);
    const tok = await ImageTokenizer.load();
    expect(tok.gridSize).toEqual([16, 16]);
    const faces = heldOutFaces(32, { size: tok.imageSize });
    const x = imagesToTensor(faces.map((f) => f.image));
    const codes = tok.encode(x);
    const y = tok.decode(codes);
    const p = await psnr(x, y);
    const mean = p.reduce((a, b) => a + b, 0) / p.length;
    expect(mean).toBeGreaterThan(PSNR_FLOOR);
    // no collapse on a small batch either: many distinct codes
    expect(codeStats(await codes.data(), tok.codebookSize).usage).toBeGreaterThan(0.3);
    for (const t of [x, codes, y]) t.dispose();
    tok.dispose();
  });
});
