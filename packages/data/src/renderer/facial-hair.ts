// Stubble, goatee, full beard and mustache in the facial-hair colour.
import type { Canvas } from './canvas.js';
import type { Layout } from './layout.js';
import { sin } from './math.js';
import { band, ellipse, intersect, subtract, union } from './shapes.js';

export function drawFacialHair(c: Canvas, L: Layout): void {
  const { facialHair } = L.attrs;
  const col = L.colors.beard;
  const mx = L.mouthX;
  const my = L.mouthY;
  const face = L.face.shape;
  if (facialHair === 'stubble') {
    const region = intersect(face, { box: [-1, 0.28, 1, 1.2], sdf: (_x, y) => 0.3 - y });
    const mouthHole = ellipse(mx, my, 0.24, 0.07);
    const s = subtract(region, mouthHole);
    c.fill(
      s.box,
      (x, y) => s.sdf(x, y) * 0.5,
      (x, y, out) => {
        const k = 0.75 + 0.25 * sin(61 * x) * sin(57 * y);
        out[0] = col[0] * k;
        out[1] = col[1] * k;
        out[2] = col[2] * k;
      },
      0.5,
    );
  } else if (facialHair === 'full-beard') {
    const A = L.face.a;
    const grown = {
      box: [-A - 0.1, 0.05, A + 0.1, 1.15] as const,
      sdf: (x: number, y: number) => face.sdf(x, y * 0.93) - 0.05,
    };
    // Top edge: low on the cheeks near the nose, up to the ears at the sides.
    const top = (x: number) => 0.38 - (0.35 * (x - L.yaw) * (x - L.yaw)) / (A * A);
    const region = intersect(grown, { box: [-A - 0.1, 0.02, A + 0.1, 1.2], sdf: (x, y) => top(x) - y });
    const hole = ellipse(mx, my + 0.01, 0.2, 0.075);
    const beard = subtract(region, hole);
    c.fill(beard.box, beard.sdf, (x, y, out) => {
      const k = 0.92 + 0.08 * sin(40 * x + 2 * sin(30 * y));
      out[0] = col[0] * k;
      out[1] = col[1] * k;
      out[2] = col[2] * k;
    });
  } else if (facialHair === 'goatee') {
    const chinY = L.face.b * 0.82;
    const goatee = union(ellipse(mx * 0.8, chinY, 0.17, 0.15), ellipse(mx, my + 0.14, 0.06, 0.05));
    const g = subtract(goatee, ellipse(mx, my, 0.2, 0.07));
    c.fill(g.box, g.sdf, col);
  }
  if (L.attrs.mustache) {
    const hw = 0.25;
    const m = band(
      mx - hw,
      mx + hw,
      (x) => my - 0.1 + 1.1 * (x - mx) * (x - mx),
      (x) => 0.05 * Math.sqrt(Math.max(0, 1 - ((x - mx) * (x - mx)) / (hw * hw))) + 0.008,
      0.1,
    );
    c.fill(m.box, m.sdf, col);
  }
}
