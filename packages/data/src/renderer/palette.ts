// Colours of every attribute value (linear-ish sRGB in [0, 1]) and of the nuisance parts.

import type { Background, EyeColor, HairColor, Lipstick, SkinTone } from '../taxonomy/types.js';
import type { Rgb } from './canvas.js';

export const SKIN: Record<SkinTone, Rgb> = {
  porcelain: [0.99, 0.88, 0.81],
  fair: [0.95, 0.77, 0.64],
  'light-brown': [0.84, 0.62, 0.45],
  olive: [0.74, 0.6, 0.4],
  brown: [0.55, 0.37, 0.24],
  dark: [0.33, 0.21, 0.14],
};

export const HAIR: Record<HairColor, Rgb> = {
  black: [0.06, 0.05, 0.05],
  brown: [0.4, 0.23, 0.11],
  blond: [0.93, 0.79, 0.44],
  red: [0.78, 0.27, 0.09],
  gray: [0.56, 0.56, 0.58],
  white: [0.95, 0.95, 0.94],
};

export const EYE: Record<EyeColor, Rgb> = {
  brown: [0.4, 0.22, 0.08],
  blue: [0.2, 0.5, 0.95],
  green: [0.2, 0.66, 0.25],
  gray: [0.66, 0.69, 0.73],
};

export const LIPSTICK: Record<Exclude<Lipstick, 'none'>, Rgb> = {
  red: [0.82, 0.06, 0.12],
  pink: [1.0, 0.45, 0.72],
};

export const BACKGROUND: Record<Background, Rgb> = {
  white: [0.97, 0.97, 0.96],
  gray: [0.55, 0.56, 0.58],
  blue: [0.33, 0.55, 0.88],
  green: [0.42, 0.74, 0.42],
  yellow: [0.96, 0.87, 0.32],
  pink: [0.96, 0.64, 0.78],
  purple: [0.58, 0.42, 0.78],
  orange: [0.97, 0.58, 0.22],
};

/** Colours of clothing, hats, masks and frames: not attributes, drawn at random. */
export const CLOTHING: readonly Rgb[] = [
  [0.15, 0.2, 0.4],
  [0.55, 0.1, 0.12],
  [0.2, 0.45, 0.3],
  [0.2, 0.2, 0.22],
  [0.85, 0.85, 0.82],
  [0.5, 0.35, 0.6],
  [0.8, 0.55, 0.2],
  [0.3, 0.55, 0.7],
];
export const HAT: readonly Rgb[] = [
  [0.75, 0.1, 0.12],
  [0.12, 0.18, 0.45],
  [0.15, 0.45, 0.2],
  [0.12, 0.12, 0.13],
  [0.95, 0.7, 0.1],
  [0.45, 0.2, 0.55],
  [0.9, 0.45, 0.1],
  [0.1, 0.55, 0.6],
];
export const MASK: readonly Rgb[] = [
  [0.62, 0.8, 0.95],
  [0.95, 0.95, 0.96],
  [0.14, 0.14, 0.16],
];
export const FRAME: readonly Rgb[] = [
  [0.05, 0.05, 0.06],
  [0.3, 0.16, 0.07],
  [0.5, 0.05, 0.1],
  [0.08, 0.12, 0.35],
];
export const METAL: readonly Rgb[] = [
  [1.0, 0.8, 0.15],
  [0.88, 0.9, 0.96],
];

export function scale(c: Rgb, k: number): Rgb {
  return [c[0] * k, c[1] * k, c[2] * k];
}

export function blend(a: Rgb, b: Rgb, t: number): Rgb {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

/** Multiplies each channel by 1 + u*amount (u in [-1, 1]) for small colour variation. */
export function jitter(c: Rgb, u: readonly [number, number, number], amount: number): Rgb {
  return [c[0] * (1 + u[0] * amount), c[1] * (1 + u[1] * amount), c[2] * (1 + u[2] * amount)];
}
