// Face outlines: a generalised ellipse |x / (a·t(y))|^n + |y / b|^n = 1 whose width tapers with t(y).
import type { FaceShape, Gender } from '../taxonomy/types.js';
import type { Shape } from './shapes.js';

export interface FaceOutline {
  shape: Shape;
  /** Half width of the face at height y (0 outside). */
  halfWidth: (y: number) => number;
  /** Half width at the cheekbones. */
  a: number;
  /** Half height. */
  b: number;
}

interface Params {
  a: number;
  b: number;
  n: 2 | 4;
  taper: (y: number) => number;
}

const PARAMS: Record<FaceShape, Params> = {
  oval: { a: 0.74, b: 1.0, n: 2, taper: (y) => (y > 0 ? 1 - 0.2 * y * y : 1 - 0.04 * y * y) },
  round: { a: 0.86, b: 0.93, n: 2, taper: (y) => (y > 0 ? 1 - 0.03 * y * y : 1) },
  square: { a: 0.78, b: 0.97, n: 4, taper: (y) => (y > 0 ? 1 - 0.06 * y : 1) },
  heart: { a: 0.85, b: 1.0, n: 2, taper: (y) => (y > 0 ? 1 - 0.5 * y : 1.04) },
  long: { a: 0.62, b: 1.1, n: 2, taper: (y) => (y > 0 ? 1 - 0.08 * y * y : 1) },
};

export function faceOutline(kind: FaceShape, gender: Gender): FaceOutline {
  const p = PARAMS[kind];
  const fem = gender === 'feminine' ? 0.07 : 0;
  const taper = (y: number) => p.taper(y) * (y > 0 ? 1 - fem * y : 1);
  const { a, b, n } = p;
  const halfWidth = (y: number): number => {
    const v = Math.abs(y / b);
    if (v >= 1) return 0;
    const r = n === 2 ? Math.sqrt(1 - v * v) : Math.sqrt(Math.sqrt(1 - v * v * v * v));
    return a * taper(y) * r;
  };
  const sdf = (x: number, y: number): number => {
    const at = a * taper(y);
    const u = x / at;
    const v = y / b;
    const u2 = u * u;
    const v2 = v * v;
    const r = n === 2 ? Math.sqrt(u2 + v2) : Math.sqrt(Math.sqrt(u2 * u2 + v2 * v2));
    const w = u2 + v2;
    const k = w === 0 ? Math.min(at, b) : (u2 * at + v2 * b) / w;
    return (r - 1) * k;
  };
  const wmax = a * 1.05;
  return { shape: { box: [-wmax, -b, wmax, b], sdf }, halfWidth, a, b };
}
