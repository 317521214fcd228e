import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { faceSeed, Rng } from '../random.js';
import { sampleAttributes } from '../taxonomy/index.js';
import { fnv1aHex, renderCaseHashes } from './determinism.js';
import { renderFace } from './index.js';
import { cos, sin } from './math.js';

const FIXTURE = new URL('./fixtures/render-hashes.json', import.meta.url);
const attrs = (i: number) => sampleAttributes(Rng.derive(faceSeed(42, i), 'attributes'));

describe('renderFace', () => {
  it('matches the pinned pixel hashes (the Chromium test checks the same file)', () => {
    const hashes = renderCaseHashes();
    if (process.env.UPDATE_RENDER_FIXTURE === '1' || !existsSync(FIXTURE)) {
      writeFileSync(
        FIXTURE,
        `${JSON.stringify({ note: 'FNV-1a of renderFace RGB; see determinism.ts', hashes }, null, 2)}\n`,
      );
    }
    expect(hashes).toEqual(JSON.parse(readFileSync(FIXTURE, 'utf8')).hashes);
  });

  it('is a pure function of attributes and seed', () => {
    const a = renderFace(attrs(1), { size: 64, seed: 7 });
    const b = renderFace(attrs(1), { size: 64, seed: 7 });
    expect(fnv1aHex(a.rgb)).toBe(fnv1aHex(b.rgb));
    expect(fnv1aHex(renderFace(attrs(1), { size: 64, seed: 8 }).rgb)).not.toBe(fnv1aHex(a.rgb));
    expect(fnv1aHex(renderFace(attrs(2), { size: 64, seed: 7 }).rgb)).not.toBe(fnv1aHex(a.rgb));
  });

  it('renders any size, with the face in the middle and the background at the corners', () => {
    for (const size of [16, 64, 128, 200]) {
      const { rgb, width, height } = renderFace(attrs(3), { size, seed: 1 });
      expect([width, height, rgb.length]).toEqual([size, size, size * size * 3]);
    }
    // Same scene at 64 and 128: downsampling the 128 image 2x gives nearly the 64 image.
    const small = renderFace(attrs(4), { size: 64, seed: 2 }).rgb;
    const big = renderFace(attrs(4), { size: 128, seed: 2 }).rgb;
    let err = 0;
    for (let y = 0; y < 64; y++) {
      for (let x = 0; x < 64; x++) {
        for (let c = 0; c < 3; c++) {
          const o = (2 * y * 128 + 2 * x) * 3 + c;
          const avg = (big[o] + big[o + 3] + big[o + 384] + big[o + 387]) / 4;
          err += Math.abs(avg - small[(y * 64 + x) * 3 + c]);
        }
      }
    }
    expect(err / (64 * 64 * 3)).toBeLessThan(12);
  });

  it('anti-aliases edges (intermediate values along the face outline)', () => {
    const { rgb } = renderFace(attrs(5), { size: 64, seed: 3 });
    const levels = new Set<number>();
    for (let i = 0; i < rgb.length; i += 3) levels.add(rgb[i]);
    expect(levels.size).toBeGreaterThan(120);
  });

  it('rejects bad sizes with a clear error', () => {
    expect(() => renderFace(attrs(0), { size: 8, seed: 0 })).toThrow(
      /size must be an integer in \[16, 4096\], got 8/,
    );
  });

  it('uses engine-independent sin/cos accurate to 1e-7', () => {
    for (let x = -20; x <= 20; x += 0.01) {
      expect(Math.abs(sin(x) - Math.sin(x))).toBeLessThan(1e-7);
      expect(Math.abs(cos(x) - Math.cos(x))).toBeLessThan(1e-7);
    }
  });
});
