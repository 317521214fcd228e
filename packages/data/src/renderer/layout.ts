// Everything about one face that the parts need: pose, positions of features, colours. The nuisance
// (position jitter, clothing, hat and frame colours, freckle positions) comes from the face's own seed.
import { Rng } from '../random.js';
import type { FaceAttributes } from '../taxonomy/types.js';
import type { Rgb } from './canvas.js';
import { type FaceOutline, faceOutline } from './face-shape.js';
import {
  BACKGROUND,
  blend,
  CLOTHING,
  EYE,
  FRAME,
  HAIR,
  HAT,
  jitter,
  LIPSTICK,
  MASK,
  METAL,
  SKIN,
  scale,
} from './palette.js';

export interface Layout {
  attrs: FaceAttributes;
  rng: Rng;
  size: number;
  /** Pixel position of the head centre and pixels per head unit. */
  cx: number;
  cy: number;
  scale: number;
  /** Head rotation in radians (positive: clockwise on screen, top leans right). */
  tilt: number;
  /** Horizontal shift of the features (head units), negative when the face turns to the viewer's left. */
  yaw: number;
  face: FaceOutline;
  eyeY: number;
  /** Eye centres and half widths (the far eye is foreshortened). */
  eyes: { x: number; rx: number }[];
  noseX: number;
  mouthX: number;
  mouthY: number;
  earX: [number, number];
  colors: {
    background: Rgb;
    skin: Rgb;
    hair: Rgb;
    brow: Rgb;
    beard: Rgb;
    eye: Rgb;
    lip: Rgb;
    clothing: Rgb;
    hat: Rgb;
    mask: Rgb;
    frame: Rgb;
    metal: Rgb;
  };
  bangsSide: 1 | -1;
  pompom: boolean;
}

const YAW = { left: -0.14, frontal: 0, right: 0.14 } as const;
const TILT = { left: -0.24, upright: 0, right: 0.24 } as const;

export function makeLayout(attrs: FaceAttributes, size: number, seed: number): Layout {
  const rng = Rng.derive(seed, 'render');
  const u3 = (): [number, number, number] => [rng.range(-1, 1), rng.range(-1, 1), rng.range(-1, 1)];
  const scalePx = size * 0.255 * rng.range(0.96, 1.04);
  const cx = size * (0.5 + rng.range(-0.03, 0.03));
  const cy = size * (0.45 + rng.range(-0.02, 0.02));
  const yaw = YAW[attrs.headYaw] + rng.range(-0.015, 0.015);
  const tilt = TILT[attrs.headTilt] + rng.range(-0.04, 0.04);
  const face = faceOutline(attrs.faceShape, attrs.gender);

  const young = attrs.age === 'young';
  const eyeY = -0.05;
  const spread = face.a * 0.42;
  const eyeRx = young ? 0.16 : 0.15;
  // Turning left shows less of the left (far) eye, more of the right one.
  const eyes = [
    { x: -spread + yaw, rx: eyeRx * (1 + yaw * 1.6) },
    { x: spread + yaw, rx: eyeRx * (1 - yaw * 1.6) },
  ];
  const earX: [number, number] = [
    -face.halfWidth(0.05) - 0.03 - yaw * 0.6,
    face.halfWidth(0.05) + 0.03 - yaw * 0.6,
  ];

  const skin = jitter(SKIN[attrs.skinTone], u3(), 0.025);
  const hair = jitter(HAIR[attrs.hairColor], u3(), 0.04);
  const facialHairBase = attrs.hairLength === 'bald' ? (attrs.age === 'old' ? HAIR.gray : HAIR.brown) : hair;
  const lightHair = attrs.hairColor === 'blond' || attrs.hairColor === 'white' || attrs.hairColor === 'gray';
  const brow = lightHair ? blend(facialHairBase, [0.25, 0.2, 0.15], 0.45) : scale(facialHairBase, 0.85);
  const lip =
    attrs.lipstick === 'none'
      ? blend(skin, [0.62, 0.22, 0.24], attrs.skinTone === 'dark' ? 0.35 : 0.5)
      : LIPSTICK[attrs.lipstick];
  return {
    attrs,
    rng,
    size,
    cx,
    cy,
    scale: scalePx,
    tilt,
    yaw,
    face,
    eyeY,
    eyes,
    noseX: yaw * 1.6,
    mouthX: yaw * 1.15,
    mouthY: 0.56,
    earX,
    colors: {
      background: jitter(BACKGROUND[attrs.background], u3(), 0.03),
      skin,
      hair,
      brow,
      beard: scale(facialHairBase, 0.9),
      eye: EYE[attrs.eyeColor],
      lip,
      clothing: rng.pick(CLOTHING),
      hat: rng.pick(HAT),
      mask: rng.pick(MASK),
      frame: rng.pick(FRAME),
      metal: rng.pick(METAL),
    },
    bangsSide: rng.bool() ? 1 : -1,
    pompom: rng.bool(),
  };
}
