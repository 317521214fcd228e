// Contact sheets: grids of faces, one per attribute (a row per value) or of a dataset's first images.
import { Rng } from './random.js';
import type { RenderedFace } from './renderer/render.js';
import { renderFace } from './renderer/render.js';
import { sampleAttributes } from './taxonomy/sample.js';
import { attributeSpec } from './taxonomy/taxonomy.js';
import type { AttributeName, AttributeValue, FaceAttributes } from './taxonomy/types.js';
import { visibleAttributes } from './taxonomy/visibility.js';

export interface GridOptions {
  columns: number;
  /** Pixels between cells (default 2). */
  gap?: number;
  /** Gap colour (default white). */
  background?: readonly [number, number, number];
}

/** Lays equally sized RGB images out in a grid, row by row. */
export function gridImage(images: readonly RenderedFace[], options: GridOptions): RenderedFace {
  if (images.length === 0) throw new Error('gridImage: no images');
  const { width: w, height: h } = images[0];
  for (const im of images) {
    if (im.width !== w || im.height !== h)
      throw new Error(`gridImage: mixed sizes ${w}x${h} and ${im.width}x${im.height}`);
  }
  const gap = options.gap ?? 2;
  const cols = Math.min(options.columns, images.length);
  const rows = Math.ceil(images.length / cols);
  const width = cols * w + (cols + 1) * gap;
  const height = rows * h + (rows + 1) * gap;
  const rgb = new Uint8Array(width * height * 3);
  const bg = options.background ?? [255, 255, 255];
  for (let i = 0; i < width * height; i++) rgb.set(bg, i * 3);
  images.forEach((im, k) => {
    const x0 = gap + (k % cols) * (w + gap);
    const y0 = gap + Math.floor(k / cols) * (h + gap);
    for (let y = 0; y < h; y++)
      rgb.set(im.rgb.subarray(y * w * 3, (y + 1) * w * 3), ((y0 + y) * width + x0) * 3);
  });
  return { rgb, width, height };
}

/**
 * Samples faces whose record shows `name` = `value` (rejection sampling keeps the attribute
 * dependencies intact; after many misses the value is forced).
 */
export function sampleWith(name: AttributeName, value: AttributeValue, rng: Rng): FaceAttributes {
  for (let tries = 0; tries < 2000; tries++) {
    const a = sampleAttributes(rng);
    if (visibleAttributes(a)[name] === value) return a;
  }
  const a = sampleAttributes(rng);
  return { ...a, [name]: value };
}

export interface AttributeSheetOptions {
  size?: number;
  columns?: number;
  seed?: number;
}

/** One row per value of the attribute, `columns` random faces showing that value. */
export function attributeSheet(name: AttributeName, options: AttributeSheetOptions = {}): RenderedFace {
  const spec = attributeSpec(name);
  const size = options.size ?? 64;
  const columns = options.columns ?? 8;
  const rng = Rng.derive(options.seed ?? 1, `sheet:${name}`);
  const faces: RenderedFace[] = [];
  for (const value of spec.values) {
    for (let i = 0; i < columns; i++) {
      const attrs = sampleWith(name, value, rng);
      faces.push(renderFace(attrs, { size, seed: rng.int(2 ** 32) }));
    }
  }
  return gridImage(faces, { columns, gap: 2 });
}
