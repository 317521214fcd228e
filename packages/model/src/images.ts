// RGB images (data's convention: 8-bit, HWC, { rgb, width, height }) <-> image tensors [B, 3, H, W] in
// [-1, 1] (the image tokenizer's convention).
import { type Tensor, tensor } from '@unif2ace/tensor';

export interface RgbImage {
  rgb: Uint8Array;
  width: number;
  height: number;
}

export function isRgbImage(x: unknown): x is RgbImage {
  return !!x && typeof x === 'object' && (x as RgbImage).rgb instanceof Uint8Array;
}

/** Images of one size s×s as f32 [B, 3, s, s] in [-1, 1]; errors name the image and what is wrong. */
export function imagesToTensor(images: readonly RgbImage[], size: number, where: string): Tensor {
  if (!Array.isArray(images) || !images.length)
    throw new RangeError(`${where}: expected a non-empty array of { rgb, width, height } images`);
  const plane = size * size;
  const out = new Float32Array(images.length * 3 * plane);
  images.forEach((img, b) => {
    if (!isRgbImage(img))
      throw new TypeError(`${where}: images[${b}].rgb must be a Uint8Array (8-bit RGB, HWC)`);
    if (img.width !== size || img.height !== size)
      throw new RangeError(
        `${where}: images[${b}] is ${img.width}x${img.height}; the image tokenizer reads ${size}x${size}`,
      );
    if (img.rgb.length !== plane * 3)
      throw new RangeError(
        `${where}: images[${b}].rgb has ${img.rgb.length} bytes, ${size}x${size} RGB needs ${plane * 3}`,
      );
    const o = b * 3 * plane;
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < 3; c++) out[o + c * plane + p] = img.rgb[3 * p + c] / 127.5 - 1;
    }
  });
  return tensor(out, [images.length, 3, size, size]);
}

/** f32 [B, 3, H, W] in [-1, 1] (as host data) -> RGB images. */
export function tensorDataToImages(data: ArrayLike<number>, shape: readonly number[]): RgbImage[] {
  const [B, , H, W] = shape;
  const plane = H * W;
  const out: RgbImage[] = [];
  for (let b = 0; b < B; b++) {
    const rgb = new Uint8Array(plane * 3);
    const o = b * 3 * plane;
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < 3; c++) {
        const v = Math.round((data[o + c * plane + p] + 1) * 127.5);
        rgb[3 * p + c] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
    out.push({ rgb, width: W, height: H });
  }
  return out;
}
