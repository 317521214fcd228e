// Eyes (white, iris in the eye colour, pupil, lid line, feminine lashes) and eyebrows, shaped by the
// expression: wide when surprised, closed arcs when laughing, brows slanted when angry or sad.
import type { Canvas } from './canvas.js';
import type { Layout } from './layout.js';
import { band, capsule, circle, ellipse, intersect } from './shapes.js';

const LID: [number, number, number] = [0.1, 0.07, 0.06];

export function drawEyes(c: Canvas, L: Layout): void {
  const { expression, gender, age } = L.attrs;
  const ry =
    expression === 'surprised' ? 0.115 : expression === 'angry' ? 0.065 : age === 'young' ? 0.09 : 0.082;
  for (let k = 0; k < 2; k++) {
    const s = k === 0 ? -1 : 1;
    const e = L.eyes[k];
    if (expression === 'laughing') {
      // Closed, upward-curved eyes.
      const arc = band(
        e.x - e.rx,
        e.x + e.rx,
        (x) => L.eyeY + 0.03 + 2.8 * (x - e.x) * (x - e.x) - 0.06,
        () => 0.026,
        0.05,
      );
      c.fill(arc.box, arc.sdf, LID);
      continue;
    }
    const white = ellipse(e.x, L.eyeY, e.rx, ry);
    c.fill(white.box, white.sdf, [0.97, 0.97, 0.95], 1, false);
    const irisR = Math.min(0.085, ry * 0.95);
    const lookX = e.x + L.yaw * 0.35;
    const iris = intersect(circle(lookX, L.eyeY, irisR), white);
    c.fill(iris.box, iris.sdf, L.colors.eye, 1, false);
    const pupil = intersect(circle(lookX, L.eyeY, irisR * 0.42), white);
    c.fill(pupil.box, pupil.sdf, [0.03, 0.03, 0.04], 1, false);
    // Upper lid line; a heavier line with a flick at the outer corner on feminine faces.
    const fem = gender === 'feminine';
    const lid = band(
      e.x - e.rx,
      e.x + e.rx,
      (x) => {
        const t = (x - e.x) / e.rx;
        return L.eyeY - ry * Math.sqrt(Math.max(0, 1 - t * t)) * 0.95;
      },
      () => (fem ? 0.032 : 0.02),
      0.05,
    );
    c.fill(lid.box, lid.sdf, LID);
    if (fem) {
      const x0 = e.x + s * e.rx * 0.9;
      const flick = capsule(x0, L.eyeY - ry * 0.3, x0 + s * 0.08, L.eyeY - ry * 0.3 - 0.07, 0.022);
      c.fill(flick.box, flick.sdf, LID);
    }
  }
}

export function drawBrows(c: Canvas, L: Layout): void {
  const { eyebrows, expression } = L.attrs;
  const half = eyebrows === 'thick' ? 0.055 : eyebrows === 'thin' ? 0.02 : 0.032;
  const arch = eyebrows === 'arched' ? 0.15 : 0.035;
  const lift = expression === 'surprised' ? -0.07 : 0;
  // Inner end lower (angry) or higher (sad) than the outer end.
  const slant = expression === 'angry' ? 0.1 : expression === 'sad' ? -0.09 : 0;
  for (let k = 0; k < 2; k++) {
    const s = k === 0 ? -1 : 1;
    const e = L.eyes[k];
    const w = e.rx * 1.15;
    const x0 = e.x - w;
    const x1 = e.x + w;
    const y0 = L.eyeY - 0.2 + lift;
    const brow = band(
      x0,
      x1,
      (x) => {
        const t = (x - e.x) / w; // -1..1
        const inner = -s * t; // 1 at the inner end
        const peak = eyebrows === 'arched' ? t + s * 0.3 : t;
        return y0 - arch * (1 - peak * peak) + slant * (inner + 1) * 0.5;
      },
      (x) => {
        const t = (x - e.x) / w;
        const inner = -s * t;
        return half * (0.55 + 0.45 * (inner + 1) * 0.5) * Math.sqrt(Math.max(0, 1 - t * t * t * t));
      },
      0.08,
    );
    c.fill(brow.box, brow.sdf, L.colors.brow);
  }
}
