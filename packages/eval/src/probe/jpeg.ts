// The lossy half of baseline JPEG, without the entropy coding: what an image looks like after a JPEG round
// trip, ~80x faster than encoding and decoding real bytes with jpeg-js, which rebuilds its Huffman and
// quantisation tables on every call (64 px face: 1.2 vs 94 ms on a loaded 2-core machine). Training augmentation uses this; the robustness check keeps the real
// codec (`jpegBytes`), and a test holds the two within one level on average.
//
// Steps, as jpeg-js does them (4:4:4, no chroma subsampling; the IJG tables scaled by quality):
//   YCbCr (JFIF, 16-bit fixed point, rounded) -> 8x8 DCT-II -> divide by the table, round half away from
//   zero -> multiply back -> inverse DCT -> +128, clamp to 0..255 -> RGB, clamp, truncate.
import type { RgbImage } from '../images.js';

// ITU T.81 Annex K tables (row-major, not zig-zag)
const LUMA_TABLE = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22,
  29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103,
  121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];
const CHROMA_TABLE = [
  17,
  18,
  24,
  47,
  99,
  99,
  99,
  99,
  18,
  21,
  26,
  66,
  99,
  99,
  99,
  99,
  24,
  26,
  56,
  99,
  99,
  99,
  99,
  99,
  47,
  66,
  99,
  99,
  99,
  99,
  99,
  99,
  ...new Array<number>(32).fill(99),
];

// C[u * 8 + x] = c(u) / 2 * cos((2x + 1) u pi / 16): the orthonormal 8-point DCT-II, so the 2-D transform
// of a block is C X C^T and its inverse C^T Y C.
const DCT = (() => {
  const c = new Float64Array(64);
  for (let u = 0; u < 8; u++)
    for (let x = 0; x < 8; x++)
      c[u * 8 + x] = (u === 0 ? Math.SQRT1_2 : 1) * 0.5 * Math.cos(((2 * x + 1) * u * Math.PI) / 16);
  return c;
})();

/** The IJG quality scaling (libjpeg's jpeg_quality_scaling, as jpeg-js does it). */
export function jpegQuantTables(quality: number): { luma: Uint8Array; chroma: Uint8Array } {
  if (!(quality >= 1 && quality <= 100) || !Number.isInteger(quality))
    throw new RangeError(`jpegQuantTables: quality ${quality} is not an integer in 1..100`);
  const scale = quality < 50 ? Math.floor(5000 / quality) : Math.floor(200 - quality * 2);
  const scaled = (t: number[]) =>
    Uint8Array.from(t, (v) => Math.min(255, Math.max(1, Math.floor((v * scale + 50) / 100))));
  return { luma: scaled(LUMA_TABLE), chroma: scaled(CHROMA_TABLE) };
}

const tableCache = new Map<number, { luma: Uint8Array; chroma: Uint8Array }>();

/** One 8x8 block in place: forward DCT, quantise with `q`, dequantise, inverse DCT. `tmp`: 64 scratch floats. */
function quantizeBlock(block: Float64Array, q: Uint8Array, tmp: Float64Array): void {
  // tmp = C X
  for (let u = 0; u < 8; u++)
    for (let x = 0; x < 8; x++) {
      let s = 0;
      for (let k = 0; k < 8; k++) s += DCT[u * 8 + k] * block[k * 8 + x];
      tmp[u * 8 + x] = s;
    }
  // block = (C X) C^T, quantised and dequantised
  for (let u = 0; u < 8; u++)
    for (let v = 0; v < 8; v++) {
      let s = 0;
      for (let k = 0; k < 8; k++) s += tmp[u * 8 + k] * DCT[v * 8 + k];
      const step = q[u * 8 + v];
      const r = s / step;
      block[u * 8 + v] = (r > 0 ? Math.floor(r + 0.5) : -Math.floor(-r + 0.5)) * step;
    }
  // tmp = C^T Y
  for (let x = 0; x < 8; x++)
    for (let v = 0; v < 8; v++) {
      let s = 0;
      for (let k = 0; k < 8; k++) s += DCT[k * 8 + x] * block[k * 8 + v];
      tmp[x * 8 + v] = s;
    }
  // block = (C^T Y) C
  for (let x = 0; x < 8; x++)
    for (let y = 0; y < 8; y++) {
      let s = 0;
      for (let k = 0; k < 8; k++) s += tmp[x * 8 + k] * DCT[k * 8 + y];
      block[x * 8 + y] = s;
    }
}

/**
 * What `img` looks like after a baseline JPEG round trip at `quality` (1..100), computed without producing
 * bytes. Any size; partial edge blocks are padded by repeating the last row and column, as encoders do.
 */
export function jpegLossy({ rgb, width, height }: RgbImage, quality: number): RgbImage {
  if (rgb.length !== width * height * 3)
    throw new RangeError(`jpegLossy: ${rgb.length} bytes is not width ${width} x height ${height} x 3`);
  let tables = tableCache.get(quality);
  if (!tables) {
    tables = jpegQuantTables(quality);
    tableCache.set(quality, tables);
  }
  const n = width * height;
  // planes: Y, Cb, Cr in -128..127 (integers, as the encoder's fixed-point conversion rounds them)
  const planes = [new Float64Array(n), new Float64Array(n), new Float64Array(n)];
  for (let i = 0; i < n; i++) {
    const r = rgb[3 * i];
    const g = rgb[3 * i + 1];
    const b = rgb[3 * i + 2];
    planes[0][i] = ((19595 * r + 38470 * g + 7471 * b + 0x8000) >> 16) - 128;
    planes[1][i] = ((-11059 * r - 21709 * g + 32768 * b + 0x807fff) >> 16) - 128;
    planes[2][i] = ((32768 * r - 27439 * g - 5329 * b + 0x807fff) >> 16) - 128;
  }
  const block = new Float64Array(64);
  const tmp = new Float64Array(64);
  for (let c = 0; c < 3; c++) {
    const plane = planes[c];
    const q = c === 0 ? tables.luma : tables.chroma;
    for (let by = 0; by < height; by += 8)
      for (let bx = 0; bx < width; bx += 8) {
        for (let y = 0; y < 8; y++) {
          const sy = Math.min(height - 1, by + y);
          for (let x = 0; x < 8; x++) block[y * 8 + x] = plane[sy * width + Math.min(width - 1, bx + x)];
        }
        quantizeBlock(block, q, tmp);
        // decoded samples are bytes: +128, rounded, clamped (only the in-image part is written back)
        for (let y = 0; y < 8 && by + y < height; y++)
          for (let x = 0; x < 8 && bx + x < width; x++) {
            const v = Math.round(block[y * 8 + x] + 128);
            plane[(by + y) * width + bx + x] = v < 0 ? 0 : v > 255 ? 255 : v;
          }
      }
  }
  const out = new Uint8Array(n * 3);
  const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : v);
  for (let i = 0; i < n; i++) {
    const Y = planes[0][i];
    const cb = planes[1][i] - 128;
    const cr = planes[2][i] - 128;
    // Uint8Array stores truncate, as jpeg-js's decoder output does
    out[3 * i] = clamp(Y + 1.402 * cr);
    out[3 * i + 1] = clamp(Y - 0.3441363 * cb - 0.71413636 * cr);
    out[3 * i + 2] = clamp(Y + 1.772 * cb);
  }
  return { rgb: out, width, height };
}
