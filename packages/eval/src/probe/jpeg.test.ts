import { describe, expect, it } from 'vitest';
import golden from '../fixtures/jpeg.json';
import { jpegBytes } from './augment.js';
import { heldOutFaces } from './faces.js';
import { jpegLossy, jpegQuantTables } from './jpeg.js';

const bytes = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
const diff = (a: Uint8Array, b: Uint8Array) => {
  let sum = 0;
  let big = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    sum += d;
    if (d > 4) big++;
  }
  return { mean: sum / a.length, big: big / a.length };
};

describe('jpegLossy (JPEG without the bytes)', () => {
  it('matches libjpeg round trips (tools/golden/jpeg.py) with 4:4:4 and 4:2:0 chroma', () => {
    for (const c of golden.cases) {
      const { width, height, rgb } = golden.images[c.image as keyof typeof golden.images];
      const input = { rgb: bytes(rgb), width, height };
      const want = bytes(c.rgb);
      const subsampling = c.subsampling as '4:4:4' | '4:2:0';
      const got = jpegLossy(input, c.quality, { subsampling }).rgb;
      const what = `${c.image} q${c.quality} ${c.subsampling}`;
      // They differ only in rounding (a float DCT against libjpeg's integer one): on the face, 0 or 1 level
      // nearly everywhere. The small synthetic pattern (6 or 12 blocks) is there for the edge padding of
      // sizes that are not whole blocks or MCUs; there one coefficient sitting on a rounding tie flips a
      // whole block, so it is held to a share of what JPEG changed (or 0.6 levels at quality 95, whose 1-3 level
      // steps make every precision difference a visible one).
      const d = diff(got, want);
      const changed = diff(input.rgb, want).mean;
      if (c.image === 'face64') {
        expect(d.mean, what).toBeLessThan(0.15);
        expect(d.big, what).toBeLessThan(0.002);
      } else expect(d.mean, what).toBeLessThan(Math.max(changed / 8, 0.6));
      // the other subsampling is a worse match, so the chroma path is what is being checked
      const other = jpegLossy(input, c.quality, { subsampling: subsampling === '4:2:0' ? '4:4:4' : '4:2:0' });
      expect(diff(other.rgb, want).mean, what).toBeGreaterThan(2 * d.mean);
    }
  });

  it('stays within a level of jpeg-js (4:4:4) on rendered faces', () => {
    for (const face of heldOutFaces(4).map((f) => f.image))
      for (const quality of [50, 75, 95]) {
        const d = diff(jpegLossy(face, quality).rgb, jpegBytes(face, quality).rgb);
        expect(d.mean, `quality ${quality}`).toBeLessThan(0.8); // jpeg-js truncates where libjpeg rounds
        expect(d.big, `quality ${quality}`).toBeLessThan(0.005);
      }
  });

  it('rejects bad input', () => {
    const img = { rgb: new Uint8Array(13 * 10 * 3), width: 13, height: 10 };
    expect(() => jpegLossy({ ...img, width: 14 }, 75)).toThrow(/width 14 x height 10/);
    expect(() => jpegLossy(img, 0)).toThrow(/quality 0/);
    expect(() => jpegLossy(img, 75.5)).toThrow(/quality 75.5/);
    // @ts-expect-error: checked at run time too
    expect(() => jpegLossy(img, 75, { subsampling: '4:2:2' })).toThrow(/4:2:2/);
  });

  it('scales the IJG tables as libjpeg does', () => {
    expect(jpegQuantTables(50).luma[0]).toBe(16); // quality 50 is the table itself
    expect(jpegQuantTables(75).luma[0]).toBe(8); // (16 * 50 + 50) / 100
    expect(jpegQuantTables(100).luma.every((v) => v === 1)).toBe(true);
    expect(jpegQuantTables(1).chroma.every((v) => v === 255)).toBe(true);
  });
});
