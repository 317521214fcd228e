// Mouth by expression: closed lips curved up (smiling), down (sad), tight (angry), flat (neutral); open
// with teeth (laughing); a round O (surprised). Lip thickness follows lipFullness; colour, lipstick.
import type { Canvas, Rgb } from './canvas.js';
import type { Layout } from './layout.js';
import { scale } from './palette.js';
import { band, ellipse, intersect } from './shapes.js';

const INSIDE: Rgb = [0.3, 0.05, 0.07];
const TEETH: Rgb = [0.96, 0.95, 0.9];

export function drawMouth(c: Canvas, L: Layout): void {
  const { expression, lipFullness } = L.attrs;
  const mx = L.mouthX;
  const my = L.mouthY;
  const lip = L.colors.lip;
  const t = lipFullness === 'full' ? 0.05 : 0.022;
  if (expression === 'surprised') {
    const outer = ellipse(mx, my + 0.03, 0.1 + t, 0.13 + t);
    c.fill(outer.box, outer.sdf, lip);
    const inner = ellipse(mx, my + 0.03, 0.1, 0.13);
    c.fill(inner.box, inner.sdf, INSIDE);
    return;
  }
  if (expression === 'laughing') {
    const hw = 0.27;
    const centre = (x: number) => my + 0.03 - 1.1 * (x - mx) * (x - mx);
    const open = (x: number) => 0.12 * root(1 - ((x - mx) * (x - mx)) / (hw * hw));
    const lips = band(
      mx - hw - t * 0.6,
      mx + hw + t * 0.6,
      centre,
      (x) => open(x) + t * root(1 - ((x - mx) * (x - mx)) / ((hw + t) * (hw + t))),
      0.2,
    );
    c.fill(lips.box, lips.sdf, lip);
    const hole = band(mx - hw, mx + hw, centre, open, 0.15);
    c.fill(hole.box, hole.sdf, INSIDE);
    const teeth = intersect(hole, { box: hole.box, sdf: (x, y) => y - (centre(x) - open(x) + 0.06) });
    c.fill(teeth.box, teeth.sdf, TEETH, 1, false);
    return;
  }
  const hw = expression === 'smiling' ? 0.26 : expression === 'angry' ? 0.19 : 0.22;
  // Curvature: negative lifts the corners.
  const curve =
    expression === 'smiling' ? -1.7 : expression === 'sad' ? 1.8 : expression === 'angry' ? 0.6 : 0;
  const thick = expression === 'angry' ? t * 0.7 : t;
  const mid = (x: number) => my + curve * ((x - mx) * (x - mx) - (hw * hw) / 3);
  const lips = band(
    mx - hw,
    mx + hw,
    mid,
    (x) => (thick + 0.012) * root(1 - ((x - mx) * (x - mx)) / (hw * hw)),
    0.12,
  );
  c.fill(lips.box, lips.sdf, lip);
  const line = band(mx - hw * 1.02, mx + hw * 1.02, mid, () => 0.014, 0.05);
  c.fill(line.box, line.sdf, scale(lip, 0.45));
}

function root(v: number): number {
  return v > 0 ? Math.sqrt(v) : 0;
}
