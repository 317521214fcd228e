// Renders one face: layers back to front, each an anti-aliased signed-distance fill.
import type { FaceAttributes } from '../taxonomy/types.js';
import { drawEarrings, drawGlasses, drawHat, drawMask } from './accessories.js';
import { drawBackground, lightFor } from './background.js';
import { drawBody } from './body.js';
import { Canvas } from './canvas.js';
import { drawBrows, drawEyes } from './eyes.js';
import { drawFacialHair } from './facial-hair.js';
import { drawHairBack, drawHairFront, drawSideburns } from './hair.js';
import { drawAge, drawBlush, drawEars, drawFace, drawSkinTexture } from './head.js';
import { makeLayout } from './layout.js';
import { cos, sin } from './math.js';
import { drawMouth } from './mouth.js';
import { drawNose } from './nose.js';

export interface RenderOptions {
  /** Width and height in pixels (default 64). */
  size?: number;
  /** Seed of the nuisance: position jitter, clothing and accessory colours, freckles. */
  seed: number;
}

export interface RenderedFace {
  /** 8-bit RGB, row-major, width * height * 3 bytes. */
  rgb: Uint8Array;
  width: number;
  height: number;
}

/** Head units of the neck pivot the head tilts around. */
const PIVOT_Y = 0.85;

export function renderFace(attrs: FaceAttributes, options: RenderOptions): RenderedFace {
  const size = options.size ?? 64;
  if (!(Number.isInteger(size) && size >= 16 && size <= 4096)) {
    throw new Error(`renderFace: size must be an integer in [16, 4096], got ${size}`);
  }
  const L = makeLayout(attrs, size, options.seed >>> 0);
  const c = new Canvas(size, size);
  const body = { cx: L.cx, cy: L.cy, scale: L.scale, angle: 0 };
  // Rotate the head about the neck pivot so the neck stays attached.
  const sa = sin(L.tilt);
  const ca = cos(L.tilt);
  const head = {
    cx: L.cx + L.scale * PIVOT_Y * sa,
    cy: L.cy + L.scale * PIVOT_Y * (1 - ca),
    scale: L.scale,
    angle: L.tilt,
  };
  c.setTransform(body);
  drawBackground(c, L);
  c.light = lightFor(L);
  c.setTransform(head);
  drawHairBack(c, L);
  c.setTransform(body);
  drawBody(c, L);
  c.setTransform(head);
  drawEars(c, L);
  drawFace(c, L);
  drawSkinTexture(c, L);
  drawAge(c, L);
  drawBlush(c, L);
  drawNose(c, L);
  drawFacialHair(c, L);
  drawMouth(c, L);
  drawEyes(c, L);
  drawBrows(c, L);
  drawHairFront(c, L);
  drawSideburns(c, L);
  drawGlasses(c, L);
  drawMask(c, L);
  drawHat(c, L);
  drawEarrings(c, L);
  return { rgb: c.toRgb8(), width: size, height: size };
}
