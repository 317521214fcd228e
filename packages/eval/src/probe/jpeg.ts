// The lossy half of baseline JPEG, without the entropy coding: what an image looks like after a JPEG round
// trip, ~30x faster than encoding and decoding real bytes with jpeg-js, which rebuilds its Huffman and
// quantisation tables on every call (64 px face: 1.2 ms at 4:4:4, 0.7 ms at 4:2:0, vs 33 ms; bench/jpeg.ts). Training augmentation uses this; the robustness check keeps the real
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

/** Code one plane of bytes in place: level shift, 8x8 blocks (edges padded by repetition), quantise, back to bytes. */
function codePlane(plane: Float64Array, width: number, height: number, q: Uint8Array): void {
  const block = new Float64Array(64);
  const tmp = new Float64Array(64);
  for (let by = 0; by < height; by += 8)
    for (let bx = 0; bx < width; bx += 8) {
      for (let y = 0; y < 8; y++) {
        const row = Math.min(height - 1, by + y) * width;
        for (let x = 0; x < 8; x++) block[y * 8 + x] = plane[row + Math.min(width - 1, bx + x)] - 128;
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

/**
 * libjpeg's h2v2 downsampling: the mean of each 2x2 cell, its rounding bias alternating 1, 2 along a row. The
 * output covers whole 8x8 blocks (`pw` x `ph`), made as libjpeg makes them: from the full-size plane with its
 * last row and column repeated out to the MCU, not by repeating the last downsampled sample.
 */
function downsample2x2(
  plane: Float64Array,
  width: number,
  height: number,
  pw: number,
  ph: number,
): Float64Array {
  const out = new Float64Array(pw * ph);
  for (let y = 0; y < ph; y++) {
    const r0 = Math.min(height - 1, 2 * y) * width;
    const r1 = Math.min(height - 1, 2 * y + 1) * width;
    for (let x = 0; x < pw; x++) {
      const x0 = Math.min(width - 1, 2 * x);
      const x1 = Math.min(width - 1, 2 * x + 1);
      out[y * pw + x] =
        (plane[r0 + x0] + plane[r0 + x1] + plane[r1 + x0] + plane[r1 + x1] + 1 + (x & 1)) >> 2;
    }
  }
  return out;
}

/**
 * libjpeg's "fancy" h2v2 upsampling (its default): each output sample is the triangle-filtered 3:1 mix of
 * the two nearest input rows and then columns, in integers; the outermost rows and columns repeat.
 */
function upsample2x2(
  small: Float64Array,
  stride: number,
  w2: number,
  h2: number,
  width: number,
  height: number,
): Float64Array {
  const out = new Float64Array(width * height);
  const colSums = new Float64Array(w2);
  for (let y = 0; y < height; y++) {
    const near = y >> 1;
    const far = Math.min(h2 - 1, Math.max(0, y & 1 ? near + 1 : near - 1));
    for (let x = 0; x < w2; x++) colSums[x] = 3 * small[near * stride + x] + small[far * stride + x];
    for (let x = 0; x < width; x++) {
      const c = x >> 1;
      const this_ = colSums[c];
      // even outputs lean left (+8 rounding), odd ones right (+7), as libjpeg alternates its bias
      const other = x & 1 ? colSums[Math.min(w2 - 1, c + 1)] : colSums[Math.max(0, c - 1)];
      out[y * width + x] = (3 * this_ + other + (x & 1 ? 7 : 8)) >> 4;
    }
  }
  return out;
}

// YCbCr -> RGB as libjpeg does it: 16-bit fixed point, each term rounded
const FIX = (v: number) => Math.round(v * 65536);
const CR_R = FIX(1.402);
const CB_B = FIX(1.772);
const CB_G = FIX(0.34414);
const CR_G = FIX(0.71414);

export interface JpegLossyOptions {
  /**
   * Chroma subsampling. '4:2:0' (libjpeg's default, and so what most real pipelines write) halves the colour
   * planes in both directions, which is what erases a 2-pixel iris colour at 64 px; '4:4:4' keeps them
   * (jpeg-js always writes 4:4:4). Default '4:4:4'.
   */
  subsampling?: '4:4:4' | '4:2:0';
}

/**
 * What `img` looks like after a baseline JPEG round trip at `quality` (1..100), computed without producing
 * bytes: libjpeg's pipeline with a float DCT. Any size; partial blocks are padded by repetition, as encoders do.
 */
export function jpegLossy(
  { rgb, width, height }: RgbImage,
  quality: number,
  { subsampling = '4:4:4' }: JpegLossyOptions = {},
): RgbImage {
  if (rgb.length !== width * height * 3)
    throw new RangeError(`jpegLossy: ${rgb.length} bytes is not width ${width} x height ${height} x 3`);
  if (subsampling !== '4:4:4' && subsampling !== '4:2:0')
    throw new RangeError(`jpegLossy: subsampling "${subsampling}" is not '4:4:4' or '4:2:0'`);
  let tables = tableCache.get(quality);
  if (!tables) {
    tables = jpegQuantTables(quality);
    tableCache.set(quality, tables);
  }
  const n = width * height;
  // Y, Cb, Cr as bytes, rounded by the encoder's fixed-point conversion
  const lum = new Float64Array(n);
  let cb: Float64Array = new Float64Array(n);
  let cr: Float64Array = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = rgb[3 * i];
    const g = rgb[3 * i + 1];
    const b = rgb[3 * i + 2];
    lum[i] = (19595 * r + 38470 * g + 7471 * b + 0x8000) >> 16;
    cb[i] = (-11059 * r - 21709 * g + 32768 * b + 0x807fff) >> 16;
    cr[i] = (32768 * r - 27439 * g - 5329 * b + 0x807fff) >> 16;
  }
  codePlane(lum, width, height, tables.luma);
  if (subsampling === '4:2:0') {
    // the decoder upsamples only the image's own half-size samples (w2 x h2), not the padding
    const w2 = (width + 1) >> 1;
    const h2 = (height + 1) >> 1;
    const pw = Math.ceil(w2 / 8) * 8;
    const ph = Math.ceil(h2 / 8) * 8;
    const smallCb = downsample2x2(cb, width, height, pw, ph);
    const smallCr = downsample2x2(cr, width, height, pw, ph);
    codePlane(smallCb, pw, ph, tables.chroma);
    codePlane(smallCr, pw, ph, tables.chroma);
    cb = upsample2x2(smallCb, pw, w2, h2, width, height);
    cr = upsample2x2(smallCr, pw, w2, h2, width, height);
  } else {
    codePlane(cb, width, height, tables.chroma);
    codePlane(cr, width, height, tables.chroma);
  }
  const out = new Uint8Array(n * 3);
  const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : v);
  for (let i = 0; i < n; i++) {
    const y = lum[i];
    const b = cb[i] - 128;
    const r = cr[i] - 128;
    out[3 * i] = clamp(y + ((CR_R * r + 0x8000) >> 16));
    out[3 * i + 1] = clamp(y + ((-CB_G * b - CR_G * r + 0x8000) >> 16));
    out[3 * i + 2] = clamp(y + ((CB_B * b + 0x8000) >> 16));
  }
  return { rgb: out, width, height };
}
