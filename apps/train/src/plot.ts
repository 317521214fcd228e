// Plots drawn into 8-bit RGB images by hand (no canvas): line charts for the loss curves and heat maps for
// the routing statistics, labelled with eval's bitmap font and written with data's PNG encoder.
import { encodePng } from '@unif2ace/data';
import { drawText, GLYPH_HEIGHT, measureText as measure, type RgbImage } from '@unif2ace/eval';

const measureText = (s: string) => measure(s).width;

type Rgb = readonly [number, number, number];

export const PALETTE: readonly Rgb[] = [
  [20, 20, 20],
  [214, 39, 40],
  [31, 119, 180],
  [44, 160, 44],
  [148, 103, 189],
  [255, 127, 14],
  [140, 86, 75],
];

function canvas(width: number, height: number, bg: Rgb = [255, 255, 255]): RgbImage {
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) rgb.set(bg, i * 3);
  return { rgb, width, height };
}

function put(img: RgbImage, x: number, y: number, c: Rgb): void {
  x = Math.round(x);
  y = Math.round(y);
  if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
  img.rgb.set(c, (y * img.width + x) * 3);
}

function fillRect(img: RgbImage, x0: number, y0: number, w: number, h: number, c: Rgb): void {
  for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) put(img, x, y, c);
}

/** A line (Bresenham), `width` pixels thick. */
function line(img: RgbImage, x0: number, y0: number, x1: number, y1: number, c: Rgb, width = 1): void {
  x0 = Math.round(x0);
  y0 = Math.round(y0);
  x1 = Math.round(x1);
  y1 = Math.round(y1);
  const dx = Math.abs(x1 - x0);
  const dy = -Math.abs(y1 - y0);
  const sx = x0 < x1 ? 1 : -1;
  const sy = y0 < y1 ? 1 : -1;
  let err = dx + dy;
  for (;;) {
    for (let a = 0; a < width; a++) for (let b = 0; b < width; b++) put(img, x0 + a, y0 + b, c);
    if (x0 === x1 && y0 === y1) break;
    const e2 = 2 * err;
    if (e2 >= dy) {
      err += dy;
      x0 += sx;
    }
    if (e2 <= dx) {
      err += dx;
      y0 += sy;
    }
  }
}

/** A short label for an axis value: 3 significant digits, no exponent for the usual ranges. */
export function tickLabel(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 10000 || a < 0.001) return v.toExponential(1);
  if (a >= 100) return String(Math.round(v));
  return String(Number(v.toPrecision(3)));
}

/** Round tick values covering [lo, hi] (about `n` of them). */
export function niceTicks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    out.push(Number(v.toPrecision(12)));
  return out;
}

export interface Series {
  name: string;
  points: { x: number; y: number }[];
}

export interface ChartOptions {
  title: string;
  xLabel?: string;
  width?: number;
  height?: number;
  /** Fixed y range (default: from the data, starting at 0 when all values are positive). */
  yMin?: number;
  yMax?: number;
}

/** A line chart of several series (one colour each, legend top right), as an RGB image. */
export function lineChart(series: readonly Series[], opts: ChartOptions): RgbImage {
  const W = opts.width ?? 640;
  const H = opts.height ?? 360;
  const img = canvas(W, H);
  const left = 52;
  const right = 12;
  const top = 22;
  const bottom = 30;
  const pw = W - left - right;
  const ph = H - top - bottom;
  const all = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  drawText(img, opts.title, left, 6, { color: PALETTE[0] });
  const xs = all.map((p) => p.x);
  const ys = all.map((p) => p.y);
  const x0 = xs.length ? Math.min(...xs) : 0;
  const x1 = xs.length ? Math.max(...xs, x0 + 1) : 1;
  let y0 = opts.yMin ?? (ys.length ? Math.min(0, ...ys) : 0);
  let y1 = opts.yMax ?? (ys.length ? Math.max(...ys) : 1);
  if (!(y1 > y0)) {
    y1 = y0 + 1;
    y0 -= 0;
  }
  y1 += (y1 - y0) * 0.04;
  const px = (x: number) => left + ((x - x0) / (x1 - x0)) * pw;
  const py = (y: number) => top + ph - ((Math.min(Math.max(y, y0), y1) - y0) / (y1 - y0)) * ph;
  const grid: Rgb = [225, 225, 225];
  const axis: Rgb = [90, 90, 90];
  for (const t of niceTicks(y0, y1)) {
    line(img, left, py(t), left + pw, py(t), grid);
    const s = tickLabel(t);
    drawText(img, s, left - 4 - measureText(s), Math.round(py(t)) - 3, { color: axis });
  }
  for (const t of niceTicks(x0, x1, 6)) {
    line(img, px(t), top, px(t), top + ph, grid);
    const s = tickLabel(t);
    drawText(img, s, Math.round(px(t) - measureText(s) / 2), top + ph + 5, { color: axis });
  }
  line(img, left, top, left, top + ph, axis);
  line(img, left, top + ph, left + pw, top + ph, axis);
  if (opts.xLabel)
    drawText(img, opts.xLabel, left + pw - measureText(opts.xLabel), H - GLYPH_HEIGHT - 3, { color: axis });
  series.forEach((s, k) => {
    const c = PALETTE[k % PALETTE.length];
    const pts = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
    for (let i = 1; i < pts.length; i++)
      line(img, px(pts[i - 1].x), py(pts[i - 1].y), px(pts[i].x), py(pts[i].y), c, 2);
    if (pts.length === 1) fillRect(img, Math.round(px(pts[0].x)) - 1, Math.round(py(pts[0].y)) - 1, 3, 3, c);
    const ly = top + 4 + k * (GLYPH_HEIGHT + 4);
    const lx = left + pw - 8 - Math.max(...series.map((t) => measureText(t.name))) - 16;
    fillRect(img, lx, ly + 2, 12, 3, c);
    drawText(img, s.name, lx + 16, ly, { color: c });
  });
  return img;
}

/** Images stacked vertically (same width), as one image. */
export function stack(images: readonly RgbImage[]): RgbImage {
  const W = Math.max(...images.map((i) => i.width));
  const H = images.reduce((s, i) => s + i.height, 0);
  const out = canvas(W, H);
  let y0 = 0;
  for (const im of images) {
    for (let y = 0; y < im.height; y++)
      out.rgb.set(im.rgb.subarray(y * im.width * 3, (y + 1) * im.width * 3), (y0 + y) * W * 3);
    y0 += im.height;
  }
  return out;
}

export function toPng(img: RgbImage): Uint8Array {
  return encodePng(img.rgb, img.width, img.height);
}

export interface HeatRow {
  label: string;
  /** Cell values in [0, 1] (drawn as percentages). */
  cells: { label: string; value: number }[];
}

export interface HeatBlock {
  title: string;
  rows: HeatRow[];
}

/** Heat maps (white -> dark blue, the value as a percentage in each cell), blocks side by side. */
export function heatmap(title: string, blocks: readonly HeatBlock[]): RgbImage {
  const cw = 30;
  const ch = 14;
  const rowLabel = Math.max(...blocks.flatMap((b) => b.rows.map((r) => measureText(r.label)))) + 6;
  const blockW = (b: HeatBlock) => rowLabel + Math.max(...b.rows.map((r) => r.cells.length)) * cw + 16;
  const maxRows = Math.max(...blocks.map((b) => b.rows.length));
  const headerH = 2 * (GLYPH_HEIGHT + 4);
  const W = Math.max(measureText(title) + 16, blocks.reduce((s, b) => s + blockW(b), 0) + 8);
  const H = 16 + headerH + maxRows * ch + 8;
  const img = canvas(W, H);
  drawText(img, title, 6, 4, { color: PALETTE[0] });
  let bx = 6;
  for (const b of blocks) {
    drawText(img, b.title, bx, 16, { color: PALETTE[0] });
    const labels = b.rows[0]?.cells.map((c) => c.label) ?? [];
    labels.forEach((l, j) => {
      const s = l.slice(0, 4);
      drawText(
        img,
        s,
        bx + rowLabel + j * cw + Math.floor((cw - measureText(s)) / 2),
        16 + GLYPH_HEIGHT + 4,
        {
          color: [90, 90, 90],
        },
      );
    });
    b.rows.forEach((r, i) => {
      const y = 16 + headerH + i * ch;
      drawText(img, r.label, bx, y + 3, { color: [60, 60, 60] });
      r.cells.forEach((c, j) => {
        const v = Math.min(1, Math.max(0, c.value));
        const col: Rgb = [Math.round(255 - 225 * v), Math.round(255 - 200 * v), Math.round(255 - 120 * v)];
        const x = bx + rowLabel + j * cw;
        fillRect(img, x, y, cw - 1, ch - 1, col);
        const s = String(Math.round(v * 100));
        drawText(img, s, x + Math.floor((cw - 1 - measureText(s)) / 2), y + 3, {
          color: v > 0.5 ? [255, 255, 255] : [30, 30, 30],
        });
      });
    });
    bx += blockW(b);
  }
  return img;
}
