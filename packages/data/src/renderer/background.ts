// Background: a gradient lit from the light's side, and the head's soft shadow on the wall.
import type { Canvas, Light } from './canvas.js';
import type { Layout } from './layout.js';
import { clamp } from './math.js';
import { ellipseSdf } from './shapes.js';

const LIGHT_VECTOR = { left: [-1, 0], right: [1, 0], top: [0, -1], front: [0, 0] } as const;

export function drawBackground(c: Canvas, L: Layout): void {
  const [r, g, b] = L.colors.background;
  const [lx, ly] = LIGHT_VECTOR[L.attrs.lightDirection];
  const front = L.attrs.lightDirection === 'front';
  // The head's soft shadow on the wall, offset away from the light, blended in the same pass.
  const sx = -lx * 0.35;
  const sy = -ly * 0.3 + (front ? 0 : 0.05);
  const shadow = ellipseSdf(sx, -0.15 + sy, 1.0, 1.2);
  const strength = front ? 0.25 : 0.45;
  const soft = 0.25 * L.scale;
  c.clear((x, y, out) => {
    // Brighter towards the light, darker away from it; a front light gives a centred vignette.
    let k = front ? 1.08 - 0.05 * (x * x + y * y) : 1 + 0.11 * clamp(lx * x + ly * y, -2.5, 2.5);
    const cover = clamp(0.5 - shadow(x, y) * soft, 0, 1);
    k *= 1 - 0.4 * strength * cover;
    out[0] = r * k;
    out[1] = g * k;
    out[2] = b * k;
  });
}

/** Light on the head and body (see Canvas.light). */
export function lightFor(L: Layout): Light {
  switch (L.attrs.lightDirection) {
    case 'left':
      return { l0: 1.04, lx: -0.3, ly: 0, lq: 0 };
    case 'right':
      return { l0: 1.04, lx: 0.3, ly: 0, lq: 0 };
    case 'top':
      return { l0: 1.04, lx: 0, ly: -0.24, lq: 0 };
    default:
      return { l0: 1.1, lx: 0, ly: 0, lq: -0.12 };
  }
}
