// Shoulders, neck and necklace (not rotated with the head).
import type { Canvas } from './canvas.js';
import type { Layout } from './layout.js';
import { METAL, scale } from './palette.js';
import { band, circle, ellipse, roundedBox, union } from './shapes.js';

export function drawBody(c: Canvas, L: Layout): void {
  const masc = L.attrs.gender === 'masculine';
  const shoulders = ellipse(0, 2.15, masc ? 1.55 : 1.3, 0.85);
  const neckW = masc ? 0.34 : 0.28;
  c.fill(shoulders.box, shoulders.sdf, L.colors.clothing);
  const neck = union(roundedBox(0, 0.95, neckW, 0.6, 0.1), ellipse(0, 1.38, neckW + 0.12, 0.2));
  c.fill(neck.box, neck.sdf, scale(L.colors.skin, 0.86));
  // Shadow under the chin.
  const shade = ellipse(0, 0.78, neckW, 0.14);
  c.fill(shade.box, (x, y) => shade.sdf(x, y) * 0.3, scale(L.colors.skin, 0.6), 0.5);
  if (L.attrs.necklace) drawNecklace(c, L, neckW);
}

function drawNecklace(c: Canvas, L: Layout, neckW: number): void {
  const metal = L.colors.metal;
  const w = neckW + 0.1;
  const chain = band(
    -w,
    w,
    (x) => 1.22 + (0.16 * x * x) / (w * w),
    () => 0.035,
    0.05,
  );
  c.fill(chain.box, chain.sdf, metal);
  const pendant = circle(0, 1.45, 0.075);
  c.fill(pendant.box, pendant.sdf, metal === METAL[0] ? [0.75, 0.1, 0.2] : [0.2, 0.45, 0.9]);
  c.fill(pendant.box, (x, y) => Math.abs(pendant.sdf(x, y)) - 0.018, metal);
}
