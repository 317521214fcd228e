import { describe, expect, it } from 'vitest';
import { jpegBytes } from './augment.js';
import { heldOutFaces } from './faces.js';
import { jpegLossy, jpegQuantTables } from './jpeg.js';

describe('jpegLossy (JPEG without the bytes)', () => {
  const faces = heldOutFaces(6).map((f) => f.image);

  it('matches jpeg-js round trips to within a level on average, at low, middle and high quality', () => {
    for (const quality of [50, 75, 95]) {
      let sum = 0;
      let big = 0;
      let count = 0;
      let changed = 0;
      for (const face of faces) {
        const real = jpegBytes(face, quality).rgb;
        const fast = jpegLossy(face, quality).rgb;
        for (let i = 0; i < real.length; i++) {
          const d = Math.abs(real[i] - fast[i]);
          sum += d;
          if (d > 4) big++;
          if (fast[i] !== face.rgb[i]) changed++;
          count++;
        }
      }
      // the two differ only in rounding (float vs integer inverse DCT): nearly always 0 or 1 level
      expect(sum / count, `quality ${quality}`).toBeLessThan(0.6);
      expect(big / count, `quality ${quality}`).toBeLessThan(0.002);
      // and it is lossy: most bytes change
      expect(changed / count, `quality ${quality}`).toBeGreaterThan(0.3);
    }
  });

  it('works on sizes that are not multiples of 8 and rejects bad input', () => {
    const w = 13;
    const h = 10;
    const rgb = new Uint8Array(w * h * 3);
    for (let i = 0; i < rgb.length; i++) rgb[i] = (i * 37) % 256;
    const img = { rgb, width: w, height: h };
    const real = jpegBytes(img, 90).rgb;
    const fast = jpegLossy(img, 90).rgb;
    expect(fast.length).toBe(w * h * 3);
    let sum = 0;
    for (let i = 0; i < real.length; i++) sum += Math.abs(real[i] - fast[i]);
    expect(sum / real.length).toBeLessThan(1);
    expect(() => jpegLossy({ rgb, width: 14, height: 10 }, 75)).toThrow(/width 14 x height 10/);
    expect(() => jpegLossy(img, 0)).toThrow(/quality 0/);
    expect(() => jpegLossy(img, 75.5)).toThrow(/quality 75.5/);
  });

  it('scales the IJG tables as libjpeg does', () => {
    expect(jpegQuantTables(50).luma[0]).toBe(16); // quality 50 is the table itself
    expect(jpegQuantTables(75).luma[0]).toBe(8); // (16 * 50 + 50) / 100
    expect(jpegQuantTables(100).luma.every((v) => v === 1)).toBe(true);
    expect(jpegQuantTables(1).chroma.every((v) => v === 255)).toBe(true);
  });
});
