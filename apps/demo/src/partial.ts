// A picture of a half-generated face: the known codes decoded, the still-masked cells painted a neutral
// grey. The image tokenizer's decoder needs a code everywhere, so masked cells are first filled with the
// most frequent known code (so their neighbours decode close to how they will look), then greyed out.
import type { RgbImage } from '@unif2ace/data';

/** The neutral grey of a masked cell (the canvas background is the same). */
export const MASKED_GREY = 128;

export async function partialPicture(
  codes: Int32Array,
  maskCode: number,
  grid: readonly [number, number],
  size: number,
  decode: (codes: Int32Array[]) => Promise<RgbImage[]>,
): Promise<{ image: RgbImage; masked: number }> {
  const [gh, gw] = grid;
  if (codes.length !== gh * gw)
    throw new RangeError(`partialPicture: ${codes.length} codes for a ${gh}x${gw} grid`);
  const counts = new Map<number, number>();
  let masked = 0;
  for (const c of codes) {
    if (c < 0 || c >= maskCode) masked++;
    else counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  if (masked === codes.length) {
    return {
      image: { width: size, height: size, rgb: new Uint8Array(size * size * 3).fill(MASKED_GREY) },
      masked,
    };
  }
  let fill = 0;
  let best = -1;
  for (const [c, n] of counts) {
    if (n > best) {
      best = n;
      fill = c;
    }
  }
  const filled = codes.map((c) => (c < 0 || c >= maskCode ? fill : c));
  const [decoded] = await decode([filled]);
  const image = { width: decoded.width, height: decoded.height, rgb: Uint8Array.from(decoded.rgb) };
  if (masked === 0) return { image, masked };
  const ch = decoded.height / gh;
  const cw = decoded.width / gw;
  for (let i = 0; i < codes.length; i++) {
    if (codes[i] >= 0 && codes[i] < maskCode) continue;
    const y0 = Math.round(Math.floor(i / gw) * ch);
    const x0 = Math.round((i % gw) * cw);
    const y1 = Math.round((Math.floor(i / gw) + 1) * ch);
    const x1 = Math.round(((i % gw) + 1) * cw);
    for (let y = y0; y < y1; y++)
      image.rgb.fill(MASKED_GREY, (y * image.width + x0) * 3, (y * image.width + x1) * 3);
  }
  return { image, masked };
}
