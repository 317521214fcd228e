// Ears, the face itself, skin texture (freckles, wrinkles), age lines and blush.
import type { Canvas } from './canvas.js';
import type { Layout } from './layout.js';
import { blend, scale } from './palette.js';
import { band, capsule, circle, ellipse, intersect, union } from './shapes.js';

export function drawEars(c: Canvas, L: Layout): void {
  for (const ex of L.earX) {
    const ear = ellipse(ex, 0.06, 0.11, 0.18);
    c.fill(ear.box, ear.sdf, scale(L.colors.skin, 0.95));
    const inner = ellipse(ex, 0.06, 0.05, 0.1);
    c.fill(inner.box, inner.sdf, scale(L.colors.skin, 0.78), 0.8);
  }
}

export function drawFace(c: Canvas, L: Layout): void {
  const f = L.face.shape;
  c.fill(f.box, f.sdf, L.colors.skin);
}

export function drawSkinTexture(c: Canvas, L: Layout): void {
  const { skinTexture } = L.attrs;
  const skin = L.colors.skin;
  if (skinTexture === 'freckles') {
    const dot = blend(skin, [0.5, 0.24, 0.1], 0.6);
    for (let i = 0; i < 34; i++) {
      // Cheeks and the bridge of the nose.
      const side = i % 3 === 0 ? 0 : i % 3 === 1 ? -1 : 1;
      const x = side === 0 ? L.noseX * 0.7 + L.rng.range(-0.14, 0.14) : side * L.rng.range(0.18, 0.5) + L.yaw;
      const y = side === 0 ? L.rng.range(0.02, 0.2) : L.rng.range(0.08, 0.34);
      const r = L.rng.range(0.028, 0.042);
      const d = circle(x, y, r);
      c.fill(d.box, d.sdf, dot, 0.85);
    }
  } else if (skinTexture === 'wrinkles') {
    const line = scale(skin, 0.66);
    // Forehead lines.
    for (const y0 of [-0.6, -0.5]) {
      const w = L.face.a * 0.55;
      const l = band(
        -w + L.yaw,
        w + L.yaw,
        (x) => y0 + 0.1 * (x - L.yaw) * (x - L.yaw),
        (x) => 0.02 * taper(x - L.yaw, w),
        0.03,
      );
      c.fill(l.box, l.sdf, line, 0.85);
    }
    // Crow's feet at the outer eye corners, cheek creases.
    for (let k = 0; k < 2; k++) {
      const s = k === 0 ? -1 : 1;
      const e = L.eyes[k];
      const x0 = e.x + s * (e.rx + 0.04);
      const lines = union(
        capsule(x0, L.eyeY - 0.02, x0 + s * 0.1, L.eyeY - 0.08, 0.016),
        capsule(x0, L.eyeY + 0.01, x0 + s * 0.11, L.eyeY + 0.01, 0.016),
        capsule(x0, L.eyeY + 0.04, x0 + s * 0.1, L.eyeY + 0.1, 0.016),
        capsule(e.x + s * 0.12, 0.42, e.x + s * 0.16, 0.62, 0.018),
      );
      c.fill(lines.box, lines.sdf, line, 0.8);
    }
  }
}

function taper(x: number, w: number): number {
  const t = 1 - (x * x) / (w * w);
  return t > 0 ? Math.sqrt(t) : 0;
}

/** Middle-aged: lines under the eyes and from nose to mouth; old: stronger, with eye bags and jowls. */
export function drawAge(c: Canvas, L: Layout): void {
  const { age } = L.attrs;
  if (age === 'young') return;
  const old = age === 'old';
  const line = scale(L.colors.skin, old ? 0.62 : 0.7);
  for (let k = 0; k < 2; k++) {
    const s = k === 0 ? -1 : 1;
    const e = L.eyes[k];
    const bag = band(
      e.x - e.rx * 0.8,
      e.x + e.rx * 0.8,
      (x) => L.eyeY + 0.13 - 1.2 * (x - e.x) * (x - e.x),
      () => 0.016,
      0.04,
    );
    c.fill(bag.box, bag.sdf, line, old ? 0.9 : 0.6);
    if (old) {
      const bag2 = band(
        e.x - e.rx * 0.6,
        e.x + e.rx * 0.6,
        (x) => L.eyeY + 0.2 - 1.2 * (x - e.x) * (x - e.x),
        () => 0.014,
        0.04,
      );
      c.fill(bag2.box, bag2.sdf, line, 0.7);
      const jowl = capsule(s * L.face.a * 0.62 + L.yaw, 0.62, s * L.face.a * 0.5 + L.yaw, 0.82, 0.018);
      c.fill(jowl.box, jowl.sdf, line, 0.75);
    }
    const nx = L.noseX + s * 0.15;
    const fold = capsule(nx, 0.3, L.mouthX + s * 0.3, 0.62, old ? 0.02 : 0.016);
    c.fill(fold.box, fold.sdf, line, old ? 0.85 : 0.55);
  }
  if (old) {
    // Slightly greyer, duller skin.
    const f = L.face.shape;
    c.fill(f.box, f.sdf, blend(L.colors.skin, [0.6, 0.58, 0.56], 0.5), 0.12);
  }
}

export function drawBlush(c: Canvas, L: Layout): void {
  if (!L.attrs.blush) return;
  for (let k = 0; k < 2; k++) {
    const s = k === 0 ? -1 : 1;
    const cheek = intersect(ellipse(s * L.face.a * 0.55 + L.yaw, 0.24, 0.17, 0.1), L.face.shape);
    c.fill(cheek.box, (x, y) => cheek.sdf(x, y) * 0.35, [0.95, 0.3, 0.4], 0.55);
  }
}
