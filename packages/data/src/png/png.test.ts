import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Rng } from '../random.js';
import { decodePng, encodePng } from './index.js';

const noise = (n: number, seed: number) => {
  const r = new Rng(seed);
  return Uint8Array.from({ length: n }, (_, i) => (i % 7 === 0 ? r.int(256) : (i * 3) & 255));
};

describe('PNG', () => {
  it('round-trips RGB and RGBA of odd sizes', () => {
    for (const [w, h, ch] of [
      [1, 1, 3],
      [17, 5, 3],
      [64, 64, 3],
      [9, 13, 4],
    ] as const) {
      const px = noise(w * h * ch, w * h);
      const png = encodePng(px, w, h, { channels: ch });
      const dec = decodePng(png);
      expect([dec.width, dec.height]).toEqual([w, h]);
      if (ch === 3) {
        expect(dec.rgb).toEqual(px);
        expect(dec.alpha).toBeNull();
      } else {
        const rgb = new Uint8Array(w * h * 3);
        const a = new Uint8Array(w * h);
        for (let i = 0; i < w * h; i++) {
          rgb.set(px.subarray(i * 4, i * 4 + 3), i * 3);
          a[i] = px[i * 4 + 3];
        }
        expect(dec.rgb).toEqual(rgb);
        expect(dec.alpha).toEqual(a);
      }
    }
  });

  it('accepts another zlib compressor and stays decodable', () => {
    const px = noise(32 * 32 * 3, 3);
    const png = encodePng(px, 32, 32, { deflate: (d) => deflateSync(d) });
    expect(decodePng(png).rgb).toEqual(px);
  });

  it('starts with the PNG signature and an IHDR of 8-bit RGB', () => {
    const png = encodePng(new Uint8Array(12), 2, 2);
    expect([...png.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    expect(String.fromCharCode(...png.subarray(12, 16))).toBe('IHDR');
    expect([png[24], png[25]]).toEqual([8, 2]);
  });

  it('names what is wrong with a broken file', () => {
    const png = encodePng(noise(48, 1), 4, 4);
    expect(() => decodePng(png.subarray(0, 4), 'x.png')).toThrow('decodePng(x.png): missing PNG signature');
    const bad = png.slice();
    bad[40] ^= 0xff;
    expect(() => decodePng(bad)).toThrow(/bad CRC in chunk/);
    expect(() => decodePng(png.subarray(0, png.length - 12))).toThrow(/no IEND chunk/);
    expect(() => encodePng(new Uint8Array(5), 2, 2)).toThrow('encodePng: expected 2x2x3 = 12 bytes, got 5');
  });
});
