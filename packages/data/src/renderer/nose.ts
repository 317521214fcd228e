// Nose: a shaded tip, nostrils and a bridge shadow on the side away from the light, scaled by size.
import type { Canvas } from './canvas.js';
import type { Layout } from './layout.js';
import { scale } from './palette.js';
import { band, capsule, ellipse } from './shapes.js';

const SIZE = { small: 0.62, medium: 1.0, large: 1.6 } as const;

export function drawNose(c: Canvas, L: Layout): void {
  const k = SIZE[L.attrs.noseSize];
  const nx = L.noseX;
  const ty = 0.27 + (k - 1) * 0.04;
  const dark = scale(L.colors.skin, 0.72);
  const side = L.attrs.lightDirection === 'right' ? -1 : 1;
  const bridge = capsule(nx + side * 0.05 * k, ty - 0.3 * k, nx + side * 0.09 * k, ty - 0.02, 0.022 * k);
  c.fill(bridge.box, (x, y) => bridge.sdf(x, y) * 0.6, dark, 0.7);
  const tip = ellipse(nx, ty, 0.11 * k, 0.08 * k);
  c.fill(tip.box, (x, y) => tip.sdf(x, y) * 0.6, scale(L.colors.skin, 0.82), 0.8);
  const wings = band(
    nx - 0.13 * k,
    nx + 0.13 * k,
    (x) => ty + 0.05 * k - (2 * ((x - nx) * (x - nx))) / k,
    () => 0.022 * k,
    0.06,
  );
  c.fill(wings.box, wings.sdf, dark, 0.85);
  for (const s of [-1, 1]) {
    const n = ellipse(nx + s * 0.055 * k, ty + 0.045 * k, 0.036 * k, 0.022 * k);
    c.fill(n.box, n.sdf, scale(L.colors.skin, 0.35), 0.95);
  }
}
