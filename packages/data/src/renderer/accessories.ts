// Glasses (round rims, rectangular rims, dark sunglasses), face mask, hats (cap with a visor, ribbed
// beanie) and earrings.
import type { Canvas } from './canvas.js';
import type { Layout } from './layout.js';
import { sin } from './math.js';
import { blend, scale } from './palette.js';
import {
  band,
  capsule,
  circle,
  ellipse,
  intersect,
  outline,
  roundedBox,
  type Shape,
  union,
} from './shapes.js';

export function drawGlasses(c: Canvas, L: Layout): void {
  const kind = L.attrs.glasses;
  if (kind === 'none') return;
  const frame = kind === 'sunglasses' ? ([0.05, 0.05, 0.06] as const) : L.colors.frame;
  const y = L.eyeY;
  const lenses: Shape[] = L.eyes.map((e) => {
    const w = e.rx / 0.15;
    if (kind === 'round') return circle(e.x, y, 0.17 * Math.max(w, 0.85));
    if (kind === 'rectangular') return roundedBox(e.x, y, 0.21 * w, 0.12, 0.025);
    return roundedBox(e.x, y + 0.01, 0.2 * w, 0.13, 0.08);
  });
  if (kind === 'sunglasses') {
    for (const l of lenses) {
      c.fill(
        l.box,
        l.sdf,
        (_x, yy, out) => {
          const k = yy < y - 0.04 ? 0.2 : 0.1;
          out[0] = k;
          out[1] = k;
          out[2] = k * 1.2;
        },
        0.96,
        false,
      );
    }
  }
  const w = kind === 'sunglasses' ? 0.05 : 0.042;
  const rims = union(...lenses.map((l) => outline(l, w)));
  c.fill(rims.box, rims.sdf, frame, 1, false);
  const [l, r] = L.eyes;
  const lx = l.x + (kind === 'round' ? 0.17 : 0.2) * (l.rx / 0.15);
  const rx = r.x - (kind === 'round' ? 0.17 : 0.2) * (r.rx / 0.15);
  const bridge = band(
    lx,
    rx,
    (x) => y - 0.04 - 0.3 * (x - (lx + rx) / 2) * (x - (lx + rx) / 2),
    () => 0.022,
    0.05,
  );
  c.fill(bridge.box, bridge.sdf, frame, 1, false);
  // Temple arms to the ears.
  for (let k = 0; k < 2; k++) {
    const e = L.eyes[k];
    const s = k === 0 ? -1 : 1;
    const x0 = e.x + s * 0.19 * (e.rx / 0.15);
    const arm = capsule(x0, y - 0.02, L.earX[k] - s * 0.02, y + 0.02, 0.02);
    c.fill(arm.box, arm.sdf, frame, 1, false);
  }
}

export function drawMask(c: Canvas, L: Layout): void {
  if (!L.attrs.faceMask) return;
  const col = L.colors.mask;
  const A = L.face.a;
  const body = intersect(roundedBox(L.yaw * 0.6, 0.58, A * 0.98, 0.44, 0.22), {
    box: [-A - 0.1, 0.1, A + 0.1, 1.1],
    sdf: (x, y) => L.face.shape.sdf(x, y) - 0.03,
  });
  const shape: Shape = { box: body.box, sdf: (x, y) => Math.max(body.sdf(x, y), 0.16 - y) };
  c.fill(shape.box, shape.sdf, (_x, y, out) => {
    // Horizontal pleats.
    const k = 1 - 0.12 * Math.max(0, sin(30 * y + 1));
    out[0] = col[0] * k;
    out[1] = col[1] * k;
    out[2] = col[2] * k;
  });
  for (let k = 0; k < 2; k++) {
    const s = k === 0 ? -1 : 1;
    const loop = capsule(s * (L.face.halfWidth(0.3) - 0.02), 0.3, L.earX[k], 0.02, 0.022);
    c.fill(loop.box, loop.sdf, scale(col, 0.85));
  }
}

export function drawHat(c: Canvas, L: Layout): void {
  const hat = L.attrs.hat;
  if (hat === 'none') return;
  const A = L.face.a;
  const col = L.colors.hat;
  const v = L.attrs.hairLength === 'bald' || L.attrs.hairLength === 'buzz' ? 0.04 : 0.1;
  if (hat === 'beanie') {
    const dome = intersect(ellipse(0, -0.52, A + v + 0.04, 0.8), {
      box: [-2, -2, 2, -0.5],
      sdf: (_x, y) => y + 0.52,
    });
    c.fill(dome.box, dome.sdf, (x, _y, out) => {
      const k = 1 + 0.08 * sin(36 * x);
      out[0] = col[0] * k;
      out[1] = col[1] * k;
      out[2] = col[2] * k;
    });
    const cuff = roundedBox(0, -0.55, A + v + 0.07, 0.11, 0.06);
    c.fill(cuff.box, cuff.sdf, (x, _y, out) => {
      const k = 0.8 + 0.12 * sin(60 * x);
      out[0] = col[0] * k;
      out[1] = col[1] * k;
      out[2] = col[2] * k;
    });
    if (L.pompom) {
      const pom = circle(0, -1.32, 0.17);
      c.fill(pom.box, pom.sdf, blend(col, [1, 1, 1], 0.5));
    }
    return;
  }
  // Cap: a round crown with seams and a button, and a visor over the forehead.
  const crown = intersect(ellipse(0, -0.58, A + v, 0.68), {
    box: [-2, -2, 2, -0.56],
    sdf: (_x, y) => y + 0.58,
  });
  c.fill(crown.box, crown.sdf, col);
  const seams = intersect(
    crown,
    union(capsule(0, -1.26, -0.3, -0.6, 0.015), capsule(0, -1.26, 0.3, -0.6, 0.015)),
  );
  c.fill(seams.box, seams.sdf, scale(col, 0.7));
  const button = circle(0, -1.25, 0.05);
  c.fill(button.box, button.sdf, scale(col, 0.8));
  const visor = intersect(ellipse(L.yaw * 2.2, -0.62, A * 0.95, 0.2), {
    box: [-2, -0.62, 2, 0],
    sdf: (_x, y) => -0.62 - y,
  });
  c.fill(visor.box, visor.sdf, scale(col, 0.78));
  const edgeLine = band(
    L.yaw * 2.2 - A * 0.93,
    L.yaw * 2.2 + A * 0.93,
    () => -0.61,
    () => 0.018,
    0.03,
  );
  c.fill(edgeLine.box, edgeLine.sdf, scale(col, 0.55));
}

export function drawEarrings(c: Canvas, L: Layout): void {
  if (!L.attrs.earrings) return;
  for (let k = 0; k < 2; k++) {
    const x = L.earX[k];
    // The far ear hides behind the face when the head is turned.
    if ((k === 0 && L.yaw < -0.05) || (k === 1 && L.yaw > 0.05)) continue;
    const hook = capsule(x, 0.2, x, 0.28, 0.018);
    c.fill(hook.box, hook.sdf, L.colors.metal, 1, false);
    const drop = circle(x, 0.34, 0.07);
    c.fill(drop.box, drop.sdf, scale(L.colors.metal, 0.55), 1, false);
    const inner = circle(x, 0.34, 0.045);
    c.fill(inner.box, inner.sdf, L.colors.metal, 1, false);
  }
}
