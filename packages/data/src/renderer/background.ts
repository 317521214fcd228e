// Background: a gradient lit from the light's side, and the head's soft shadow on the wall.
import type { Canvas } from './canvas.js';
import type { Layout } from './layout.js';
import { clamp } from './math.js';
import { ellipseSdf } from './shapes.js';

const LIGHT_VECTOR = { left: [-1, 0], right: [1, 0], top: [0, -1], front: [0, 0] } as const;

export function drawBackground(c: Canvas, L: Layout): void {
  const [r, g, b] = L.colors.background;
  const [lx, ly] = LIGHT_VECTOR[L.attrs.lightDirection];
  const front = L.attrs.lightDirection === 'front';
  c.clear((x, y, out) => {
    // Brighter towards the light, darker away from it; a front light gives a centred vignette.
    const k = front ? 1.08 - 0.05 * (x * x + y * y) : 1 + 0.11 * clamp(lx * x + ly * y, -2.5, 2.5);
    out[0] = r * k;
    out[1] = g * k;
    out[2] = b * k;
  });
  // The head's shadow on the wall, offset away from the light.
  const sx = -lx * 0.35;
  const sy = -ly * 0.3 + (front ? 0 : 0.05);
  const shadow = ellipseSdf(sx, -0.15 + sy, 1.0, 1.2);
  c.fill([sx - 1.4, sy - 1.6, sx + 1.4, sy + 1.4], (x, y) => shadow(x, y) * 0.25, [r * 0.6, g * 0.6, b * 0.6], front ? 0.25 : 0.45, false);
}

/** Light on the head and body: a multiplicative shade in head units. */
export function lightFunction(L: Layout): (x: number, y: number) => number {
  switch (L.attrs.lightDirection) {
    case 'left':
      return (x) => 1.04 - 0.3 * clamp(x, -1, 1.2);
    case 'right':
      return (x) => 1.04 + 0.3 * clamp(x, -1.2, 1);
    case 'top':
      return (_x, y) => 1.04 - 0.24 * clamp(y, -1.2, 1.5);
    default:
      return (x, y) => 1.1 - 0.12 * (x * x + 0.4 * y * y);
  }
}
