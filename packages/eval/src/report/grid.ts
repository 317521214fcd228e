// A PNG grid of faces, each with its text (prompt, question, answer) above it and the attributes the
// probe saw wrongly listed in red with a red frame. Text through the shared bitmap font (font.ts).
import { encodePng } from '@unif2ace/data';
import type { RgbImage } from '../images.js';
import { ADVANCE, drawText, GLYPH_HEIGHT, wrapText } from './font.js';

export type Rgb = readonly [number, number, number];

export interface GridLine {
  text: string;
  color?: Rgb;
}

export interface GridCell {
  image: RgbImage;
  /** Text above the image (wrapped to the cell's width). */
  lines?: (string | GridLine)[];
  /** Frame colour (e.g. red where something is wrong); none by default. */
  frame?: Rgb | null;
}

export interface GridOptions {
  /** Cells per row (default: up to 8). */
  columns?: number;
  /** Integer upscaling of each image (nearest neighbour; default 2). */
  scale?: number;
  /** Font pixel size (default 1). */
  textScale?: number;
  /** Most text lines per cell (extra lines are cut with "..."; default 6). */
  maxLines?: number;
  padding?: number;
  background?: Rgb;
}

export const RED: Rgb = [200, 20, 20];
export const GREEN: Rgb = [20, 140, 40];
export const INK: Rgb = [20, 20, 20];

/** Lay the cells out in a grid and draw it into one RGB image. */
export function gridImage(cells: readonly GridCell[], opts: GridOptions = {}): RgbImage {
  if (!cells.length) throw new RangeError('gridImage: no cells');
  const { scale = 2, textScale = 1, maxLines = 6, padding = 4, background = [255, 255, 255] } = opts;
  const columns = opts.columns ?? Math.min(8, cells.length);
  if (!Number.isInteger(scale) || scale < 1)
    throw new RangeError(`gridImage: scale ${scale} must be a positive integer`);
  const iw = Math.max(...cells.map((c) => c.image.width)) * scale;
  const ih = Math.max(...cells.map((c) => c.image.height)) * scale;
  const chars = Math.max(1, Math.floor((iw + textScale) / (ADVANCE * textScale)));
  const lineH = (GLYPH_HEIGHT + 2) * textScale;
  const wrapped = cells.map((c) => {
    const out: GridLine[] = [];
    for (const l of c.lines ?? []) {
      const line = typeof l === 'string' ? { text: l } : l;
      for (const t of wrapText(line.text, chars)) out.push({ text: t, color: line.color });
    }
    if (out.length > maxLines) {
      out.length = maxLines;
      out[maxLines - 1] = { ...out[maxLines - 1], text: `${out[maxLines - 1].text.slice(0, chars - 3)}...` };
    }
    return out;
  });
  const textH = Math.max(0, ...wrapped.map((w) => w.length)) * lineH;
  const cw = iw + 2 * padding;
  const ch = textH + ih + 2 * padding;
  const rows = Math.ceil(cells.length / columns);
  const width = columns * cw;
  const height = rows * ch;
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) rgb.set(background, i * 3);
  const out: RgbImage = { rgb, width, height };
  cells.forEach((cell, k) => {
    const x0 = (k % columns) * cw + padding;
    const y0 = Math.floor(k / columns) * ch + padding;
    wrapped[k].forEach((l, j) => {
      drawText(out, l.text, x0, y0 + j * lineH, { color: l.color ?? INK, scale: textScale });
    });
    const { rgb: src, width: w, height: h } = cell.image;
    const top = y0 + textH;
    for (let y = 0; y < h * scale; y++)
      for (let x = 0; x < w * scale; x++) {
        const s = (Math.floor(y / scale) * w + Math.floor(x / scale)) * 3;
        const d = ((top + y) * width + x0 + x) * 3;
        rgb[d] = src[s];
        rgb[d + 1] = src[s + 1];
        rgb[d + 2] = src[s + 2];
      }
    if (cell.frame) {
      for (let t = 1; t <= 2; t++) {
        for (let x = x0 - t; x < x0 + w * scale + t; x++) {
          for (const y of [top - t, top + h * scale - 1 + t]) {
            if (x >= 0 && x < width && y >= 0 && y < height) rgb.set(cell.frame, (y * width + x) * 3);
          }
        }
        for (let y = top - t; y < top + h * scale + t; y++) {
          for (const x of [x0 - t, x0 + w * scale - 1 + t]) {
            if (x >= 0 && x < width && y >= 0 && y < height) rgb.set(cell.frame, (y * width + x) * 3);
          }
        }
      }
    }
  });
  return out;
}

/** The grid as PNG bytes. */
export function gridPng(cells: readonly GridCell[], opts: GridOptions = {}): Uint8Array {
  const img = gridImage(cells, opts);
  return encodePng(img.rgb, img.width, img.height);
}

/**
 * A cell for a generated face: its prompt above, then each stated attribute the probe saw otherwise, in
 * red ("hat: cap, saw none"), framed in red when any is wrong (green when all are right).
 */
export function attributeCell(
  image: RgbImage,
  title: string,
  stated: Partial<Record<string, unknown>>,
  seen: Partial<Record<string, unknown>>,
  { exclude = [] }: { exclude?: readonly string[] } = {},
): GridCell {
  const skip = new Set(exclude);
  const wrong = Object.entries(stated).filter(
    ([k, v]) => v !== null && v !== undefined && !skip.has(k) && seen[k] !== v,
  );
  return {
    image,
    lines: [
      title,
      ...wrong.map(([k, v]) => ({ text: `x ${k}: ${String(v)}, saw ${String(seen[k])}`, color: RED })),
    ],
    frame: wrong.length ? RED : GREEN,
  };
}
