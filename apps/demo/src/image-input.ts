// A face picture from bytes (an upload, a file on the command line): size checks, decoding with data's
// ingest decoder (PNG or JPEG), and the crop to the model's square input with data's ingest resampler.
// Shared by the page and the CLI (no Node, no DOM). Every refusal is an Error whose message is one sentence
// naming the input and what is wrong.
import { cropResize, decodeImage, type RgbImage } from '@unif2ace/data';

/** Larger files are refused before decoding: the model sees a 64 px face, so a photo this big is a mistake. */
export const MAX_IMAGE_BYTES = 20 * 2 ** 20;
/** Larger images are refused before decoding (a 40-megapixel RGB image already takes 120 MB). */
export const MAX_IMAGE_PIXELS = 40e6;

const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MB`;

/** Width and height from a PNG's IHDR or a JPEG's SOF marker, or null when the header is not found. */
export function imageDimensions(b: Uint8Array): { width: number; height: number } | null {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b.length >= 24 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47)
    return { width: dv.getUint32(16), height: dv.getUint32(20) };
  if (b.length > 4 && b[0] === 0xff && b[1] === 0xd8) {
    let i = 2;
    while (i + 9 < b.length) {
      if (b[i] !== 0xff) return null;
      const marker = b[i + 1];
      const len = dv.getUint16(i + 2);
      // SOF0..SOF15 except DHT (c4), JPG (c8) and DAC (cc)
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc)
        return { height: dv.getUint16(i + 5), width: dv.getUint16(i + 7) };
      i += 2 + len;
    }
  }
  return null;
}

/** What the first bytes look like, for the "not an image" message. */
function looksLike(b: Uint8Array): string {
  const head = String.fromCharCode(...b.subarray(0, 12));
  if (head.startsWith('GIF8')) return 'a GIF image';
  if (head.startsWith('RIFF') && head.includes('WEBP')) return 'a WebP image';
  if (head.startsWith('%PDF')) return 'a PDF';
  const printable = (c: number) => c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127);
  if (b.subarray(0, 12).every(printable)) return 'text';
  return 'unknown bytes';
}

/** Decodes a PNG or JPEG, refusing empty, oversized and non-image inputs with one clear sentence. */
export function decodeFaceImage(bytes: Uint8Array, name: string): RgbImage {
  if (bytes.length === 0) throw new Error(`${name} is empty`);
  if (bytes.length > MAX_IMAGE_BYTES)
    throw new Error(
      `${name} is ${mb(bytes.length)}; the limit is ${mb(MAX_IMAGE_BYTES)} (the model sees faces at 64 × 64 pixels, so use a smaller picture)`,
    );
  const dims = imageDimensions(bytes);
  if (dims && dims.width * dims.height > MAX_IMAGE_PIXELS)
    throw new Error(
      `${name} is ${dims.width} × ${dims.height} pixels; the limit is ${MAX_IMAGE_PIXELS / 1e6} megapixels`,
    );
  try {
    return decodeImage(bytes);
  } catch (e) {
    const why = (e as Error).message;
    if (why.startsWith('not a JPEG or PNG'))
      throw new Error(`${name} is not a PNG or JPEG image (it looks like ${looksLike(bytes)})`);
    throw new Error(`${name} cannot be decoded: ${why}`);
  }
}

/**
 * The model's square input: an image of the right size is used as it is; anything else is cropped to its
 * centred square (the upper-middle square for portrait photos, where faces are) and resampled with
 * data's box-filtered `cropResize`.
 */
export function toModelSize(img: RgbImage, size: number): RgbImage {
  if (img.width === size && img.height === size) return img;
  const side = Math.min(img.width, img.height);
  const x = (img.width - side) / 2;
  // portrait photos: faces sit in the upper part; keep the square a little above centre
  const y = img.height > img.width ? Math.min(img.height - side, (img.height - side) * 0.3) : 0;
  return cropResize(img, x, y, side, size);
}

/** Bytes → the model's input, with the checks above. */
export function faceFromBytes(bytes: Uint8Array, name: string, size: number): RgbImage {
  return toModelSize(decodeFaceImage(bytes, name), size);
}
