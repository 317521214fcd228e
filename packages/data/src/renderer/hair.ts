// Hair: length sets the silhouette (buzz follows the skull, short sits on top, medium falls to the
// jaw, long to below the shoulders), type sets the edge and texture (straight strands, waves, curls),
// plus the hairline (receding: an M-shaped high forehead), bangs and sideburns.
import type { Canvas, Paint } from './canvas.js';
import type { Layout } from './layout.js';
import { sin } from './math.js';
import { scale } from './palette.js';
import { capsule, ellipse, intersect, type Shape, subtract } from './shapes.js';

function hairPaint(L: Layout, k0 = 1): Paint {
  const [r, g, b] = L.colors.hair;
  const type = L.attrs.hairType;
  return (x, y, out) => {
    const m =
      type === 'straight'
        ? sin(34 * x)
        : type === 'wavy'
          ? sin(30 * x + 2.6 * sin(10 * y))
          : sin(25 * x + 2.2 * sin(25 * y + 0.3)) * sin(25 * y + 2.2 * sin(25 * x));
    const k = k0 * (1 + 0.13 * m);
    const add = 0.035 * m;
    out[0] = r * k + add;
    out[1] = g * k + add;
    out[2] = b * k + add;
  };
}

/** Outline ripples of wavy and curly hair, added to a shape's distance. */
function edge(L: Layout): (x: number, y: number) => number {
  switch (L.attrs.hairType) {
    case 'wavy':
      return (x, y) => 0.035 * sin(15 * y + 9 * x);
    case 'curly':
      return (x, y) => 0.045 * (sin(23 * x) + sin(23 * y));
    default:
      return () => 0;
  }
}

function rough(s: Shape, L: Layout): Shape {
  const e = edge(L);
  const m = 0.1;
  return {
    box: [s.box[0] - m, s.box[1] - m, s.box[2] + m, s.box[3] + m],
    sdf: (x, y) => s.sdf(x, y) + e(x, y),
  };
}

function volume(L: Layout): number {
  const { hairLength, hairType } = L.attrs;
  const v = hairLength === 'short' ? 0.08 : hairLength === 'medium' ? 0.12 : 0.14;
  return v + (hairType === 'curly' ? 0.07 : hairType === 'wavy' ? 0.03 : 0);
}

function crown(L: Layout): Shape {
  const v = volume(L);
  return rough(ellipse(0, -0.3, L.face.a + v, 0.92 + v * 0.8), L);
}

/** The hairline: y of the hair's lower edge on the forehead at x, and its slope. */
function hairline(L: Layout): { y: (x: number) => number; slope: (x: number) => number } {
  if (L.attrs.recedingHairline) {
    // An M: high at the temples (|x| near 0.36), a lower peak in the middle.
    return {
      y: (x) => {
        const u = (Math.abs(x) - 0.36) / 0.22;
        const t = 1 - u * u;
        return -0.8 + 0.3 * x * x - 0.2 * (t > 0 ? t * t : 0);
      },
      slope: (x) => {
        const u = (Math.abs(x) - 0.36) / 0.22;
        const t = 1 - u * u;
        const dt = t > 0 ? (-2 * u * (x < 0 ? -1 : 1)) / 0.22 : 0;
        return 0.6 * x - 0.4 * (t > 0 ? t : 0) * dt;
      },
    };
  }
  return { y: (x) => -0.6 + 0.45 * x * x, slope: (x) => 0.9 * x };
}

/** The part of the face that front hair leaves uncovered. */
function faceWindow(L: Layout, inset: number, openBelow: number): Shape {
  const h = hairline(L);
  const half = L.face.halfWidth;
  const A = L.face.a;
  return {
    box: [-A, -1.1, A, 1.1],
    sdf: (x, y) => {
      const slope = h.slope(x);
      const dTop = (h.y(x) - y) / Math.sqrt(1 + slope * slope);
      const dSide = y > openBelow ? -1 : Math.abs(x) - (half(y) - inset);
      return Math.max(dTop, dSide);
    },
  };
}

/** Hair falling beside the face on one side (side = -1 left, 1 right). */
function drape(L: Layout, bottom: number, side: -1 | 1): Shape {
  const A = L.face.a;
  const long = L.attrs.hairLength === 'long';
  const v = volume(L);
  const outerMax = A + v + 0.3;
  const s: Shape = {
    box: side < 0 ? [-outerMax, -0.5, -0.3, bottom] : [0.3, -0.5, outerMax, bottom],
    sdf: (x, y) => {
      const ax = side * x;
      const inner = Math.max(L.face.halfWidth(y) - 0.09, long ? 0.46 : 0.5);
      const outer = A + v + (long ? 0.14 * Math.min(Math.max(y, 0), 1.5) : 0.02);
      return Math.max(inner - ax, ax - outer, -0.45 - y, y - bottom);
    },
  };
  return rough(s, L);
}

function bottomOf(L: Layout): number {
  return L.attrs.hairLength === 'long' ? 1.8 : 0.85;
}

/** Hair behind the head and neck (medium and long hair). */
export function drawHairBack(c: Canvas, L: Layout): void {
  const len = L.attrs.hairLength;
  if (len !== 'medium' && len !== 'long') return;
  const bottom = bottomOf(L);
  const v = volume(L);
  const back = rough(
    {
      box: [-L.face.a - v - 0.3, -0.6, L.face.a + v + 0.3, bottom],
      sdf: (x, y) => {
        const w = L.face.a + v + (len === 'long' ? 0.14 * Math.min(Math.max(y, 0), 1.5) : 0.02);
        return Math.max(Math.abs(x) - w, -0.6 - y, y - bottom);
      },
    },
    L,
  );
  c.fill(back.box, back.sdf, hairPaint(L, 0.72));
}

export function drawHairFront(c: Canvas, L: Layout): void {
  const { hairLength, bangs, hat } = L.attrs;
  if (hairLength === 'bald') {
    const shine = ellipse(-0.15, -0.72, 0.26, 0.12);
    c.fill(shine.box, (x, y) => shine.sdf(x, y) * 0.3, [1, 1, 1], 0.22);
    return;
  }
  if (hairLength === 'buzz') {
    const f = L.face.shape;
    const skull: Shape = {
      box: [f.box[0] - 0.05, -1.05, f.box[2] + 0.05, 0],
      sdf: (x, y) => Math.max(f.sdf(x, y) - 0.035, y + 0.12),
    };
    const buzz = subtract(skull, faceWindow(L, 0.07, -0.12));
    const [r, g, b] = L.colors.hair;
    c.fill(
      buzz.box,
      buzz.sdf,
      (x, y, out) => {
        const k = 0.85 + 0.15 * sin(70 * x) * sin(70 * y);
        out[0] = r * k;
        out[1] = g * k;
        out[2] = b * k;
      },
      0.85,
    );
    return;
  }
  const paint = hairPaint(L);
  const top = intersect(crown(L), {
    box: [-2, -2, 2, 0.1],
    sdf: (_x, y) => y - (hairLength === 'short' ? -0.02 : 0.1),
  });
  const hair = subtract(
    top,
    faceWindow(L, hairLength === 'short' ? 0.1 : 0.08, hairLength === 'short' ? -0.02 : 0.1),
  );
  c.fill(hair.box, hair.sdf, paint);
  if (hairLength !== 'short') {
    for (const side of [-1, 1] as const) {
      const d = drape(L, bottomOf(L), side);
      c.fill(d.box, d.sdf, paint);
    }
  }
  if (hat === 'none' && bangs !== 'none') {
    const A = L.face.a;
    const side = L.bangsSide;
    const cut =
      bangs === 'straight'
        ? (x: number) => -0.38 + 0.012 * sin(60 * x)
        : (x: number) => -0.6 - 0.3 * side * x - 0.08 * x * x;
    const fringe = intersect(crown(L), {
      box: [-A, -1.3, A, -0.3],
      sdf: (x, y) => Math.max(y - cut(x), Math.abs(x) - A * 0.92),
    });
    c.fill(fringe.box, fringe.sdf, hairPaint(L, 1.05));
    // A shadow line under the fringe.
    const shadowLine: Shape = intersect(L.face.shape, {
      box: fringe.box,
      sdf: (x, y) => Math.abs(y - cut(x) - 0.025) - 0.02,
    });
    c.fill(shadowLine.box, shadowLine.sdf, scale(L.colors.skin, 0.7), 0.5);
  }
}

export function drawSideburns(c: Canvas, L: Layout): void {
  const { sideburns, hairLength } = L.attrs;
  if (!sideburns || (hairLength !== 'buzz' && hairLength !== 'short')) return;
  const h = L.face.halfWidth;
  for (const s of [-1, 1]) {
    const burn = capsule(s * (h(-0.15) - 0.06), -0.15, s * (h(0.32) - 0.06), 0.32, 0.06);
    c.fill(burn.box, burn.sdf, scale(L.colors.hair, 0.95));
  }
}
