// The one conversion between the data package's images (8-bit RGB, HWC, row-major) and the model side's
// tensors (NCHW f32 in [-1, 1], mean 0.5, std 0.5). Every package converts through these two functions.
import { type Tensor, tensor } from '@unif2ace/tensor';

/** An 8-bit RGB image as the data package renders and decodes it: `width * height * 3` bytes, row-major. */
export interface RgbImage {
  rgb: Uint8Array;
  width: number;
  height: number;
}

/** Pixel value v in 0..255 -> v / 127.5 - 1. */
export function byteToUnit(v: number): number {
  return v / 127.5 - 1;
}

/** x in [-1, 1] -> the nearest byte (clamped, NaN -> 0). */
export function unitToByte(x: number): number {
  const v = Math.round((x + 1) * 127.5);
  return v >= 255 ? 255 : v > 0 ? v : 0;
}

function checkImage(img: RgbImage, i: number, where: string): void {
  if (!img || !((img.rgb as unknown) instanceof Uint8Array))
    throw new TypeError(`${where}: images[${i}].rgb must be a Uint8Array (8-bit RGB, HWC)`);
  const { width, height } = img;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new RangeError(`${where}: images[${i}] has size ${width}x${height}; expected positive integers`);
  if (img.rgb.length !== width * height * 3)
    throw new RangeError(
      `${where}: images[${i}].rgb has ${img.rgb.length} bytes; ${width}x${height} RGB needs ${width * height * 3}`,
    );
}

/** Host-side conversion (no tensor): images of one size -> NCHW floats in [-1, 1]. */
export function imagesToArray(images: readonly RgbImage[], where = 'imagesToArray'): Float32Array {
  if (!Array.isArray(images) || images.length === 0)
    throw new RangeError(`${where}: expected a non-empty array of { rgb, width, height } images`);
  for (let i = 0; i < images.length; i++) checkImage(images[i], i, where);
  const { width: w, height: h } = images[0];
  const plane = w * h;
  const out = new Float32Array(images.length * 3 * plane);
  for (let b = 0; b < images.length; b++) {
    const { rgb, width, height } = images[b];
    if (width !== w || height !== h)
      throw new RangeError(
        `${where}: images[${b}] is ${width}x${height}, images[0] is ${w}x${h}; sizes must match`,
      );
    const base = b * 3 * plane;
    for (let p = 0; p < plane; p++) {
      out[base + p] = rgb[3 * p] / 127.5 - 1;
      out[base + plane + p] = rgb[3 * p + 1] / 127.5 - 1;
      out[base + 2 * plane + p] = rgb[3 * p + 2] / 127.5 - 1;
    }
  }
  return out;
}

/**
 * Images of one size -> a `[B, 3, H, W]` f32 tensor in [-1, 1] (byte v -> v / 127.5 - 1) on the default
 * backend, or on `opts.backend`.
 */
export function imagesToTensor(images: readonly RgbImage[], opts: { backend?: string } = {}): Tensor {
  const data = imagesToArray(images, 'imagesToTensor');
  const { width, height } = images[0];
  return tensor(data, [images.length, 3, height, width], { backend: opts.backend });
}

/** NCHW floats -> images (the inverse of imagesToArray up to rounding; values are clamped to [-1, 1]). */
export function arrayToImages(
  data: ArrayLike<number>,
  shape: readonly number[],
  where = 'arrayToImages',
): RgbImage[] {
  if (shape.length !== 4 || shape[1] !== 3)
    throw new RangeError(`${where}: expected shape [B, 3, H, W], got [${shape.join(', ')}]`);
  const [n, , height, width] = shape;
  const plane = width * height;
  if (data.length !== n * 3 * plane)
    throw new RangeError(`${where}: ${data.length} values do not fill shape [${shape.join(', ')}]`);
  const out: RgbImage[] = [];
  for (let b = 0; b < n; b++) {
    const rgb = new Uint8Array(plane * 3);
    const base = b * 3 * plane;
    for (let p = 0; p < plane; p++) {
      rgb[3 * p] = unitToByte(data[base + p]);
      rgb[3 * p + 1] = unitToByte(data[base + plane + p]);
      rgb[3 * p + 2] = unitToByte(data[base + 2 * plane + p]);
    }
    out.push({ rgb, width, height });
  }
  return out;
}

/**
 * A `[B, 3, H, W]` tensor in [-1, 1] (f32 or f16, any backend) -> 8-bit RGB images: x -> round((x + 1) *
 * 127.5), clamped to 0..255. Reads the tensor back (async, so it works on WebGPU too); does not dispose it.
 */
export async function tensorToImages(t: Tensor): Promise<RgbImage[]> {
  if (t.shape.length !== 4 || t.shape[1] !== 3)
    throw new RangeError(`tensorToImages: expected a [B, 3, H, W] tensor, got [${t.shape.join(', ')}]`);
  if (t.dtype !== 'f32' && t.dtype !== 'f16')
    throw new TypeError(`tensorToImages: expected an f32 or f16 tensor, got ${t.dtype}`);
  return arrayToImages(await t.data(), t.shape, 'tensorToImages');
}
