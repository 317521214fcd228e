// Face images for training and evaluation, held in memory as 8-bit RGB (HWC, one face after another):
// rendered by @unif2ace/data's renderer or read from a folder of shards written by `unif2ace-data generate`.
import { decodePng, faceSeed, Rng, renderFace, type Split, sampleAttributes, splitOf } from '@unif2ace/data';
import { imagesToTensor, type RgbImage, tensorToImages } from '@unif2ace/eval';
import type { Tensor } from '@unif2ace/tensor';

export interface FaceSet {
  /** count * size * size * 3 bytes, RGB, row-major. */
  rgb: Uint8Array;
  count: number;
  size: number;
}

/** Faces 0, 1, 2, ... of base seed `seed` that fall in `split` (by face seed, as the data package splits). */
export function renderFaces(
  count: number,
  {
    size = 64,
    split = 'train',
    seed = 0,
    onProgress,
  }: { size?: number; split?: Split; seed?: number; onProgress?: (done: number) => void } = {},
): FaceSet {
  if (!Number.isInteger(count) || count < 1)
    throw new RangeError(`renderFaces: count must be a positive integer, got ${count}`);
  const per = size * size * 3;
  const rgb = new Uint8Array(count * per);
  let n = 0;
  for (let i = 0; n < count; i++) {
    const fs = faceSeed(seed, i);
    if (splitOf(fs) !== split) continue;
    const face = renderFace(sampleAttributes(Rng.derive(fs, 'attributes')), { size, seed: fs });
    rgb.set(face.rgb, n * per);
    n++;
    if (onProgress && n % 500 === 0) onProgress(n);
  }
  return { rgb, count, size };
}

/** Up to `max` faces of DIR/<split> (shards of `unif2ace-data generate`), in shard order. */
export async function readFaceDir(
  dir: string,
  { split = 'train', max = Number.POSITIVE_INFINITY }: { split?: Split; max?: number } = {},
): Promise<FaceSet> {
  const { readShards } = await import('@unif2ace/data');
  const { join } = await import('node:path');
  const images: Uint8Array[] = [];
  let size = 0;
  for await (const s of readShards({ dir: join(dir, split) })) {
    const png = s.files.png;
    if (!png) throw new Error(`readFaceDir: sample ${s.key} in ${s.shard} has no .png`);
    const img = decodePng(png, `${s.shard}:${s.key}.png`);
    if (img.width !== img.height)
      throw new Error(`readFaceDir: ${s.shard}:${s.key}.png is ${img.width}x${img.height}, not square`);
    if (size && img.width !== size)
      throw new Error(`readFaceDir: ${s.shard}:${s.key}.png is ${img.width} px, earlier faces ${size} px`);
    size = img.width;
    images.push(img.rgb);
    if (images.length >= max) break;
  }
  if (!images.length) throw new Error(`readFaceDir: no faces under ${join(dir, split)}`);
  const rgb = new Uint8Array(images.length * size * size * 3);
  for (const [i, im] of images.entries()) rgb.set(im, i * im.length);
  return { rgb, count: images.length, size };
}

/** The face at index i as an image (a view of the set's bytes). */
export function faceImage(set: FaceSet, i: number): RgbImage {
  const per = set.size * set.size * 3;
  return { rgb: set.rgb.subarray(i * per, (i + 1) * per), width: set.size, height: set.size };
}

/** Faces at `indices` as an f32 tensor [B, 3, H, W] in [-1, 1] (eval's imagesToTensor). */
export function facesToTensor(set: FaceSet, indices: ArrayLike<number>): Tensor {
  return imagesToTensor(Array.from(indices, (i) => faceImage(set, i)));
}

/** [B, 3, H, W] values in [-1, 1] -> 8-bit RGB HWC per image, concatenated (eval's tensorToImages). */
export async function tensorToRgb(images: Tensor): Promise<Uint8Array> {
  const imgs = await tensorToImages(images);
  const out = new Uint8Array(imgs.reduce((n, im) => n + im.rgb.length, 0));
  let o = 0;
  for (const im of imgs) {
    out.set(im.rgb, o);
    o += im.rgb.length;
  }
  return out;
}
