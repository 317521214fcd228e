// Relative lightness of hair and background colours (Rec. 709 luma of the renderer's palette), for
// "which is lighter" comparisons.
import { BACKGROUND, HAIR } from '../renderer/palette.js';
import type { Background, HairColor } from '../taxonomy/types.js';

const luma = (c: readonly [number, number, number]) => 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];

export const HAIR_LUMA = Object.fromEntries(Object.entries(HAIR).map(([k, c]) => [k, luma(c)])) as Record<
  HairColor,
  number
>;
export const BACKGROUND_LUMA = Object.fromEntries(
  Object.entries(BACKGROUND).map(([k, c]) => [k, luma(c)]),
) as Record<Background, number>;
