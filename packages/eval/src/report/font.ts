// A tiny 5×7 bitmap font (our own glyphs: digits, capitals, common punctuation; lower case is drawn as
// capitals) and text drawing on 8-bit RGB images. Shared by every package that labels images (report
// grids, training sample sheets), so none keeps its own copy.
import type { RgbImage } from '../images.js';

export const GLYPH_WIDTH = 5;
export const GLYPH_HEIGHT = 7;
/** Horizontal advance per character (glyph + 1 column of space), in font pixels. */
export const ADVANCE = GLYPH_WIDTH + 1;

// Each glyph: 7 rows of 5 columns, '#' = ink, written top to bottom, rows separated by '/'.
const GLYPHS: Record<string, string> = {
  ' ': '...../...../...../...../...../...../.....',
  '0': '.###./#...#/#..##/#.#.#/##..#/#...#/.###.',
  '1': '..#../.##../..#../..#../..#../..#../.###.',
  '2': '.###./#...#/....#/...#./..#../.#.../#####',
  '3': '####./....#/....#/.###./....#/....#/####.',
  '4': '...#./..##./.#.#./#..#./#####/...#./...#.',
  '5': '#####/#..../####./....#/....#/#...#/.###.',
  '6': '.###./#..../#..../####./#...#/#...#/.###.',
  '7': '#####/....#/...#./..#../.#.../.#.../.#...',
  '8': '.###./#...#/#...#/.###./#...#/#...#/.###.',
  '9': '.###./#...#/#...#/.####/....#/....#/.###.',
  A: '.###./#...#/#...#/#####/#...#/#...#/#...#',
  B: '####./#...#/#...#/####./#...#/#...#/####.',
  C: '.###./#...#/#..../#..../#..../#...#/.###.',
  D: '####./#...#/#...#/#...#/#...#/#...#/####.',
  E: '#####/#..../#..../####./#..../#..../#####',
  F: '#####/#..../#..../####./#..../#..../#....',
  G: '.###./#...#/#..../#.###/#...#/#...#/.####',
  H: '#...#/#...#/#...#/#####/#...#/#...#/#...#',
  I: '.###./..#../..#../..#../..#../..#../.###.',
  J: '..###/...#./...#./...#./...#./#..#./.##..',
  K: '#...#/#..#./#.#../##.../#.#../#..#./#...#',
  L: '#..../#..../#..../#..../#..../#..../#####',
  M: '#...#/##.##/#.#.#/#.#.#/#...#/#...#/#...#',
  N: '#...#/##..#/#.#.#/#..##/#...#/#...#/#...#',
  O: '.###./#...#/#...#/#...#/#...#/#...#/.###.',
  P: '####./#...#/#...#/####./#..../#..../#....',
  Q: '.###./#...#/#...#/#...#/#.#.#/#..#./.##.#',
  R: '####./#...#/#...#/####./#.#../#..#./#...#',
  S: '.####/#..../#..../.###./....#/....#/####.',
  T: '#####/..#../..#../..#../..#../..#../..#..',
  U: '#...#/#...#/#...#/#...#/#...#/#...#/.###.',
  V: '#...#/#...#/#...#/#...#/#...#/.#.#./..#..',
  W: '#...#/#...#/#...#/#.#.#/#.#.#/#.#.#/.#.#.',
  X: '#...#/#...#/.#.#./..#../.#.#./#...#/#...#',
  Y: '#...#/#...#/.#.#./..#../..#../..#../..#..',
  Z: '#####/....#/...#./..#../.#.../#..../#####',
  '.': '...../...../...../...../...../.##../.##..',
  ',': '...../...../...../...../.##../..#../.#...',
  ':': '...../.##../.##../...../.##../.##../.....',
  ';': '...../.##../.##../...../.##../..#../.#...',
  '!': '..#../..#../..#../..#../..#../...../..#..',
  '?': '.###./#...#/....#/...#./..#../...../..#..',
  '-': '...../...../...../#####/...../...../.....',
  '+': '...../..#../..#../#####/..#../..#../.....',
  '=': '...../...../#####/...../#####/...../.....',
  _: '...../...../...../...../...../...../#####',
  "'": '..#../..#../.#.../...../...../...../.....',
  '"': '.#.#./.#.#./...../...../...../...../.....',
  '(': '...#./..#../.#.../.#.../.#.../..#../...#.',
  ')': '.#.../..#../...#./...#./...#./..#../.#...',
  '[': '.###./.#.../.#.../.#.../.#.../.#.../.###.',
  ']': '.###./...#./...#./...#./...#./...#./.###.',
  '/': '....#/....#/...#./..#../.#.../#..../#....',
  '\\': '#..../#..../.#.../..#../...#./....#/....#',
  '%': '##..#/##..#/...#./..#../.#.../#..##/#..##',
  '#': '.#.#./.#.#./#####/.#.#./#####/.#.#./.#.#.',
  '*': '...../#.#.#/.###./#####/.###./#.#.#/.....',
  '<': '...#./..#../.#.../#..../.#.../..#../...#.',
  '>': '.#.../..#../...#./....#/...#./..#../.#...',
  '|': '..#../..#../..#../..#../..#../..#../..#..',
  '&': '.##../#..#./#.#../.#.../#.#.#/#..#./.##.#',
  '@': '.###./#...#/#.###/#.#.#/#.###/#..../.###.',
  '~': '...../...../.#..#/#.#.#/#..#./...../.....',
  '^': '..#../.#.#./#...#/...../...../...../.....',
  $: '..#../.####/#.#../.###./..#.#/####./..#..',
  '{': '...##/..#../..#../.#.../..#../..#../...##',
  '}': '##.../..#../..#../...#./..#../..#../##...',
  '`': '.#.../..#../...../...../...../...../.....',
};

const UNKNOWN = '#####/#...#/#...#/#...#/#...#/#...#/#####';

const BITMAPS = new Map<string, Uint8Array>();
function bitmap(ch: string): Uint8Array {
  const key =
    GLYPHS[ch] !== undefined ? ch : GLYPHS[ch.toUpperCase()] !== undefined ? ch.toUpperCase() : '\u0000';
  let b = BITMAPS.get(key);
  if (!b) {
    const rows = (GLYPHS[key] ?? UNKNOWN).split('/');
    b = new Uint8Array(GLYPH_WIDTH * GLYPH_HEIGHT);
    rows.forEach((r, y) => {
      for (let x = 0; x < GLYPH_WIDTH; x++) b![y * GLYPH_WIDTH + x] = r[x] === '#' ? 1 : 0;
    });
    BITMAPS.set(key, b);
  }
  return b;
}

/** Does the font have a glyph for this character (upper-cased)? Others draw as a box. */
export function hasGlyph(ch: string): boolean {
  return GLYPHS[ch] !== undefined || GLYPHS[ch.toUpperCase()] !== undefined;
}

/** Width and height in image pixels of `text` drawn at `scale` (one line). */
export function measureText(text: string, scale = 1): { width: number; height: number } {
  const n = [...text].length;
  return { width: n ? (n * ADVANCE - 1) * scale : 0, height: GLYPH_HEIGHT * scale };
}

export interface TextOptions {
  /** RGB ink colour (default black). */
  color?: readonly [number, number, number];
  /** Font pixel size in image pixels (default 1). */
  scale?: number;
}

/** Draw one line of text with its top-left corner at (x, y); pixels outside the image are clipped. */
export function drawText(img: RgbImage, text: string, x: number, y: number, opts: TextOptions = {}): void {
  const { color = [0, 0, 0], scale = 1 } = opts;
  if (!Number.isInteger(scale) || scale < 1)
    throw new RangeError(`drawText: scale ${scale} must be a positive integer`);
  const { rgb, width, height } = img;
  let cx = Math.round(x);
  const top = Math.round(y);
  for (const ch of text) {
    const b = bitmap(ch);
    for (let gy = 0; gy < GLYPH_HEIGHT; gy++)
      for (let gx = 0; gx < GLYPH_WIDTH; gx++) {
        if (!b[gy * GLYPH_WIDTH + gx]) continue;
        for (let sy = 0; sy < scale; sy++) {
          const py = top + gy * scale + sy;
          if (py < 0 || py >= height) continue;
          for (let sx = 0; sx < scale; sx++) {
            const px = cx + gx * scale + sx;
            if (px < 0 || px >= width) continue;
            const o = (py * width + px) * 3;
            rgb[o] = color[0];
            rgb[o + 1] = color[1];
            rgb[o + 2] = color[2];
          }
        }
      }
    cx += ADVANCE * scale;
  }
}

/** Split text into lines of at most `maxChars` characters at spaces (long words are cut). */
export function wrapText(text: string, maxChars: number): string[] {
  if (maxChars < 1) throw new RangeError(`wrapText: maxChars ${maxChars} must be >= 1`);
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    let w = word;
    while (w.length > maxChars) {
      if (line) {
        lines.push(line);
        line = '';
      }
      lines.push(w.slice(0, maxChars));
      w = w.slice(maxChars);
    }
    if (!line) line = w;
    else if (line.length + 1 + w.length <= maxChars) line += ` ${w}`;
    else {
      lines.push(line);
      line = w;
    }
  }
  if (line) lines.push(line);
  return lines;
}
