// An RGB float canvas that fills shapes given by signed distance functions, with analytic anti-aliasing:
// a pixel's coverage is clamp(0.5 - d, 0, 1) where d is the signed distance (in pixels) of its centre to
// the shape's edge. Shapes are evaluated only inside their bounding box, which keeps rendering fast.
//
// Shapes are described in "head units" around a pose: the head is centred at (cx, cy) pixels, one unit is
// `scale` pixels, and the head is rotated by `angle` (tilt). The face spans about x in [-0.8, 0.8],
// y in [-1, 1] (forehead top to chin), y pointing down.
import { cos, sin } from './math.js';

export type Rgb = readonly [number, number, number];
/** Signed distance to the shape's edge in head units: negative inside. */
export type Sdf = (x: number, y: number) => number;
/** Colour of the shape at a point (head units); writes r, g, b into out. */
export type Paint = (x: number, y: number, out: number[]) => void;
/** Bounding box in head units: [x0, y0, x1, y1]. */
export type Box = readonly [number, number, number, number];

export interface Light {
  l0: number;
  lx: number;
  ly: number;
  lq: number;
}

export interface Transform {
  cx: number;
  cy: number;
  scale: number;
  angle: number;
}

export class Canvas {
  readonly width: number;
  readonly height: number;
  /** RGB, row-major, values in [0, 1]. */
  readonly data: Float32Array;
  /**
   * Light on lit shapes: colour × clamp(l0 + lx·x + ly·y + lq·(x² + 0.4·y²), 0.7, 1.3) at a point
   * (head units). Kept as coefficients rather than a callback: it runs for every pixel.
   */
  light: Light = { l0: 1, lx: 0, ly: 0, lq: 0 };
  private t: Transform = { cx: 0, cy: 0, scale: 1, angle: 0 };
  private cosA = 1;
  private sinA = 0;
  private readonly tmp = [0, 0, 0];

  constructor(width: number, height: number) {
    if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
      throw new Error(`Canvas: size must be positive integers, got ${width}x${height}`);
    }
    this.width = width;
    this.height = height;
    this.data = new Float32Array(width * height * 3);
  }

  setTransform(t: Transform): void {
    this.t = { ...t };
    this.cosA = cos(t.angle);
    this.sinA = sin(t.angle);
  }

  get transform(): Transform {
    return { ...this.t };
  }

  /** Fills the whole canvas with a paint evaluated in head units. */
  clear(paint: Paint): void {
    const { width, height, data, tmp, cosA, sinA } = this;
    const { cx, cy, scale } = this.t;
    const inv = 1 / scale;
    for (let py = 0; py < height; py++) {
      const dy = py + 0.5 - cy;
      for (let px = 0; px < width; px++) {
        const dx = px + 0.5 - cx;
        paint((cosA * dx + sinA * dy) * inv, (-sinA * dx + cosA * dy) * inv, tmp);
        const o = (py * width + px) * 3;
        data[o] = tmp[0];
        data[o + 1] = tmp[1];
        data[o + 2] = tmp[2];
      }
    }
  }

  /** Pixel centre → head units. */
  toLocal(px: number, py: number): [number, number] {
    const dx = px - this.t.cx;
    const dy = py - this.t.cy;
    const inv = 1 / this.t.scale;
    return [(this.cosA * dx + this.sinA * dy) * inv, (-this.sinA * dx + this.cosA * dy) * inv];
  }

  /**
   * Blends `paint` over the canvas where `sdf` < 0, with anti-aliased edges. `opacity` scales coverage;
   * `lit` multiplies the colour by the canvas light.
   */
  fill(box: Box, sdf: Sdf, paint: Rgb | Paint, opacity = 1, lit = true): void {
    const { width, height, data, tmp, cosA, sinA } = this;
    const { cx, cy, scale } = this.t;
    // Pixel bounding box of the rotated head-unit box, one pixel of margin for the anti-aliased edge.
    let minX = Number.POSITIVE_INFINITY;
    let minY = Number.POSITIVE_INFINITY;
    let maxX = Number.NEGATIVE_INFINITY;
    let maxY = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < 4; k++) {
      const lx = k & 1 ? box[2] : box[0];
      const ly = k & 2 ? box[3] : box[1];
      const px = cx + scale * (cosA * lx - sinA * ly);
      const py = cy + scale * (sinA * lx + cosA * ly);
      if (px < minX) minX = px;
      if (px > maxX) maxX = px;
      if (py < minY) minY = py;
      if (py > maxY) maxY = py;
    }
    const x0 = Math.max(0, Math.floor(minX) - 1);
    const y0 = Math.max(0, Math.floor(minY) - 1);
    const x1 = Math.min(width - 1, Math.ceil(maxX) + 1);
    const y1 = Math.min(height - 1, Math.ceil(maxY) + 1);
    const inv = 1 / scale;
    const solid = typeof paint !== 'function';
    if (solid) {
      tmp[0] = paint[0];
      tmp[1] = paint[1];
      tmp[2] = paint[2];
    }
    const { l0, lx, ly, lq } = this.light;
    for (let py = y0; py <= y1; py++) {
      const dy = py + 0.5 - cy;
      // Pixels known to lie fully inside (from a previous distance) need no new distance.
      let insideUntil = -1;
      for (let px = x0; px <= x1; px++) {
        const dx = px + 0.5 - cx;
        const x = (cosA * dx + sinA * dy) * inv;
        const y = (-sinA * dx + cosA * dy) * inv;
        let a = opacity;
        if (px > insideUntil) {
          const d = sdf(x, y) * scale;
          if (d >= 0.5) {
            // Far outside: the distance bounds how many pixels can be skipped (with a margin of 2.5x
            // for distance estimates that are not exact).
            if (d > 3) px += ((d - 0.5) * 0.4) | 0;
            continue;
          }
          if (d > -0.5) a *= 0.5 - d;
          else if (d < -3) insideUntil = px + (((-d - 0.5) * 0.4) | 0);
        }
        if (a <= 0) continue;
        if (!solid) (paint as Paint)(x, y, tmp);
        let l = 1;
        if (lit) {
          l = l0 + lx * x + ly * y + lq * (x * x + 0.4 * y * y);
          l = l < 0.7 ? 0.7 : l > 1.3 ? 1.3 : l;
        }
        const o = (py * width + px) * 3;
        data[o] += (tmp[0] * l - data[o]) * a;
        data[o + 1] += (tmp[1] * l - data[o + 1]) * a;
        data[o + 2] += (tmp[2] * l - data[o + 2]) * a;
      }
    }
  }

  /** Quantises to 8-bit RGB. */
  toRgb8(): Uint8Array {
    const out = new Uint8Array(this.data.length);
    for (let i = 0; i < out.length; i++) {
      const v = this.data[i];
      out[i] = v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255);
    }
    return out;
  }
}
