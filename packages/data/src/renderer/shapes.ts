// Signed-distance shapes (head units, negative inside) with their bounding boxes.
import type { Box, Sdf } from './canvas.js';

export interface Shape {
  box: Box;
  sdf: Sdf;
}

export function circle(cx: number, cy: number, r: number): Shape {
  return {
    box: [cx - r, cy - r, cx + r, cy + r],
    sdf: (x, y) => Math.sqrt((x - cx) * (x - cx) + (y - cy) * (y - cy)) - r,
  };
}

/** Ellipse with the usual first-order distance approximation (exact on the axes). */
export function ellipse(cx: number, cy: number, rx: number, ry: number): Shape {
  return { box: [cx - rx, cy - ry, cx + rx, cy + ry], sdf: ellipseSdf(cx, cy, rx, ry) };
}

export function ellipseSdf(cx: number, cy: number, rx: number, ry: number): Sdf {
  const irx = 1 / rx;
  const iry = 1 / ry;
  return (x, y) => {
    const u = (x - cx) * irx;
    const v = (y - cy) * iry;
    const k0 = Math.sqrt(u * u + v * v);
    const k1 = Math.sqrt(u * u * irx * irx + v * v * iry * iry);
    return k1 === 0 ? -Math.min(rx, ry) : (k0 * (k0 - 1)) / k1;
  };
}

/** Segment from a to b with radius r (rounded ends). */
export function capsule(ax: number, ay: number, bx: number, by: number, r: number): Shape {
  const ex = bx - ax;
  const ey = by - ay;
  const ee = ex * ex + ey * ey || 1e-12;
  return {
    box: [Math.min(ax, bx) - r, Math.min(ay, by) - r, Math.max(ax, bx) + r, Math.max(ay, by) + r],
    sdf: (x, y) => {
      const px = x - ax;
      const py = y - ay;
      let t = (px * ex + py * ey) / ee;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const qx = px - ex * t;
      const qy = py - ey * t;
      return Math.sqrt(qx * qx + qy * qy) - r;
    },
  };
}

/** Box centred at (cx, cy) with half sizes hw, hh and corner radius r. */
export function roundedBox(cx: number, cy: number, hw: number, hh: number, r: number): Shape {
  return {
    box: [cx - hw, cy - hh, cx + hw, cy + hh],
    sdf: (x, y) => {
      const qx = Math.abs(x - cx) - hw + r;
      const qy = Math.abs(y - cy) - hh + r;
      const ox = qx > 0 ? qx : 0;
      const oy = qy > 0 ? qy : 0;
      return Math.sqrt(ox * ox + oy * oy) + Math.min(Math.max(qx, qy), 0) - r;
    },
  };
}

/** Polyline through the points with radius r. */
export function polyline(points: readonly (readonly [number, number])[], r: number): Shape {
  const parts: Shape[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    parts.push(capsule(points[i][0], points[i][1], points[i + 1][0], points[i + 1][1], r));
  }
  return union(...parts);
}

/**
 * A curved stroke y = f(x) for x in [x0, x1] whose half thickness h(x) may taper; distance is the
 * vertical gap divided by the slope factor, which is accurate for gentle curves.
 */
export function band(
  x0: number,
  x1: number,
  f: (x: number) => number,
  h: (x: number) => number,
  margin: number,
): Shape {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i <= 16; i++) {
    const x = x0 + ((x1 - x0) * i) / 16;
    const y = f(x);
    lo = Math.min(lo, y);
    hi = Math.max(hi, y);
  }
  const eps = (x1 - x0) * 1e-3;
  return {
    box: [x0, lo - margin, x1, hi + margin],
    sdf: (x, y) => {
      const xc = x < x0 ? x0 : x > x1 ? x1 : x;
      const slope = (f(xc + eps) - f(xc - eps)) / (2 * eps);
      const dv = (Math.abs(y - f(xc)) - h(xc)) / Math.sqrt(1 + slope * slope);
      const dx = x < x0 ? x0 - x : x > x1 ? x - x1 : 0;
      return dx > 0 ? Math.max(dv, 0) + dx : dv;
    },
  };
}

export function union(...shapes: Shape[]): Shape {
  if (shapes.length === 1) return shapes[0];
  const box: Box = [
    Math.min(...shapes.map((s) => s.box[0])),
    Math.min(...shapes.map((s) => s.box[1])),
    Math.max(...shapes.map((s) => s.box[2])),
    Math.max(...shapes.map((s) => s.box[3])),
  ];
  const sdfs = shapes.map((s) => s.sdf);
  return {
    box,
    sdf: (x, y) => {
      let d = sdfs[0](x, y);
      for (let i = 1; i < sdfs.length; i++) {
        const e = sdfs[i](x, y);
        if (e < d) d = e;
      }
      return d;
    },
  };
}

export function intersect(a: Shape, b: Shape): Shape {
  return {
    box: [
      Math.max(a.box[0], b.box[0]),
      Math.max(a.box[1], b.box[1]),
      Math.min(a.box[2], b.box[2]),
      Math.min(a.box[3], b.box[3]),
    ],
    sdf: (x, y) => Math.max(a.sdf(x, y), b.sdf(x, y)),
  };
}

export function subtract(a: Shape, b: Shape): Shape {
  return { box: a.box, sdf: (x, y) => Math.max(a.sdf(x, y), -b.sdf(x, y)) };
}

/** Half plane y > y0 (below a horizontal line, y points down). */
export function below(y0: number, box: Box): Shape {
  return { box: [box[0], Math.max(box[1], y0), box[2], box[3]], sdf: (_x, y) => y0 - y };
}

/** Half plane y < y0. */
export function above(y0: number, box: Box): Shape {
  return { box: [box[0], box[1], box[2], Math.min(box[3], y0)], sdf: (_x, y) => y - y0 };
}

/** Outline of a shape: a ring of width w centred on its edge. */
export function outline(s: Shape, w: number): Shape {
  const h = w / 2;
  return {
    box: [s.box[0] - h, s.box[1] - h, s.box[2] + h, s.box[3] + h],
    sdf: (x, y) => Math.abs(s.sdf(x, y)) - h,
  };
}

/** Moves a shape by (dx, dy). */
export function translate(s: Shape, dx: number, dy: number): Shape {
  return {
    box: [s.box[0] + dx, s.box[1] + dy, s.box[2] + dx, s.box[3] + dy],
    sdf: (x, y) => s.sdf(x - dx, y - dy),
  };
}

/** Mirrors a shape across x = 0. */
export function mirror(s: Shape): Shape {
  return { box: [-s.box[2], s.box[1], -s.box[0], s.box[3]], sdf: (x, y) => s.sdf(-x, y) };
}
