// The input checks the page and the CLI share: prompts, chips, pictures.
import { encodePng, faceSeed, parseCaption, Rng, renderFace, sampleAttributes } from '@unif2ace/data';
import { describe, expect, it } from 'vitest';
import { chipGroups, composeDescription } from '../src/compose.js';
import {
  decodeFaceImage,
  faceFromBytes,
  imageDimensions,
  MAX_IMAGE_BYTES,
  toModelSize,
} from '../src/image-input.js';
import { partialPicture } from '../src/partial.js';
import { checkPrompt, knownWords, MAX_PROMPT_CHARS } from '../src/prompt.js';

describe('checkPrompt', () => {
  it('refuses an empty or whitespace prompt, saying what to do', () => {
    for (const p of ['', '   \n\t '])
      expect(checkPrompt(p).error).toMatch(/empty: say what the face looks like/);
  });

  it('refuses a 10 KB prompt, naming its length and the limit', () => {
    const r = checkPrompt('red hair '.repeat(1200));
    expect(r.error).toMatch(/10,799 characters long; the limit is 2000/);
    expect(checkPrompt('a'.repeat(MAX_PROMPT_CHARS)).error).toBeUndefined();
  });

  it('flags unknown words but keeps the prompt', () => {
    const r = checkPrompt('A woman with red hair riding a xylophone');
    expect(r.error).toBeUndefined();
    expect(r.unknown).toEqual(['riding', 'xylophone']);
    expect(r.warnings[0]).toBe(
      'Words the model never saw in training (it will ignore them): "riding", "xylophone".',
    );
    expect(r.stated).toEqual({ gender: 'feminine', hairColor: 'red' });
  });

  it('warns when no attribute is named', () => {
    const r = checkPrompt('qwerty asdf');
    expect(r.warnings.at(-1)).toMatch(/names no attribute the model knows/);
  });

  it('knows every word of the training captions, both phrasings', () => {
    const known = knownWords();
    expect(known.size).toBeGreaterThan(300);
    for (const w of ['hair', 'sunglasses', 'beanie', 'freckles', 'background', 'tresses', 'describe']) {
      expect(known.has(w), w).toBe(true);
    }
    const r = checkPrompt('A young woman with long wavy red hair, round glasses and a blue background.');
    expect(r.unknown).toEqual([]);
    expect(r.warnings).toEqual([]);
  });
});

describe('chips', () => {
  it('offer every taxonomy group and compose captions the parser reads back exactly', () => {
    const groups = chipGroups();
    expect(groups.map((g) => g.group)).toContain('hair');
    expect(groups.flatMap((g) => g.chips).length).toBeGreaterThan(60);
    const picks = [
      { gender: 'feminine', hairColor: 'red', glasses: 'round', background: 'blue' },
      { hairLength: 'long', hairType: 'wavy', hairColor: 'blond', hat: 'beanie', headYaw: 'left' },
      { age: 'old', facialHair: 'full-beard', lightDirection: 'top', earrings: true },
      { hairLength: 'bald', faceMask: true },
    ] as const;
    for (const sel of picks) {
      const text = composeDescription(sel);
      expect(parseCaption(text).attributes, text).toEqual(sel);
      expect(checkPrompt(text).unknown, text).toEqual([]);
    }
    expect(composeDescription({})).toBe('');
  });
});

describe('face pictures', () => {
  const seed = faceSeed(0, 3);
  const face = renderFace(sampleAttributes(Rng.derive(seed, 'attributes')), { size: 96, seed });
  const png = encodePng(face.rgb, face.width, face.height);

  it('decode PNGs and read their size from the header', () => {
    expect(imageDimensions(png)).toEqual({ width: 96, height: 96 });
    expect(decodeFaceImage(png, 'f.png').rgb).toEqual(face.rgb);
  });

  it('are cropped to the model size', () => {
    const small = faceFromBytes(png, 'f.png', 64);
    expect([small.width, small.height, small.rgb.length]).toEqual([64, 64, 64 * 64 * 3]);
    const tall = toModelSize({ width: 40, height: 100, rgb: new Uint8Array(40 * 100 * 3).fill(9) }, 64);
    expect([tall.width, tall.height, tall.rgb[0]]).toEqual([64, 64, 9]);
    const same = { width: 64, height: 64, rgb: new Uint8Array(64 * 64 * 3) };
    expect(toModelSize(same, 64)).toBe(same);
  });

  it('refuse empty, oversized, huge and non-image inputs with one sentence', () => {
    expect(() => decodeFaceImage(new Uint8Array(0), 'a.png')).toThrow('a.png is empty');
    expect(() => decodeFaceImage(new Uint8Array(50 * 2 ** 20), 'big.png')).toThrow(
      'big.png is 50.0 MB; the limit is 20.0 MB',
    );
    expect(MAX_IMAGE_BYTES).toBe(20 * 2 ** 20);
    const text = new TextEncoder().encode('hello, this is a text file\n');
    expect(() => decodeFaceImage(text, 'notes.txt')).toThrow(
      'notes.txt is not a PNG or JPEG image (it looks like text)',
    );
    const huge = png.slice(0, 64);
    new DataView(huge.buffer).setUint32(16, 20000);
    new DataView(huge.buffer).setUint32(20, 20000);
    expect(() => decodeFaceImage(huge, 'huge.png')).toThrow(
      'huge.png is 20000 × 20000 pixels; the limit is 40 megapixels',
    );
    expect(() => decodeFaceImage(png.slice(0, 100), 'cut.png')).toThrow(
      /^cut.png cannot be decoded: corrupt PNG/,
    );
  });
});

describe('partialPicture', () => {
  it('greys out masked cells and decodes the rest', async () => {
    const K = 10;
    const codes = Int32Array.from([3, K, 3, 5]); // 2x2 grid, one masked
    const decoded: Int32Array[] = [];
    const decode = async (c: Int32Array[]) => {
      decoded.push(c[0]);
      return [{ width: 4, height: 4, rgb: new Uint8Array(48).fill(200) }];
    };
    const { image, masked } = await partialPicture(codes, K, [2, 2], 4, decode);
    expect(masked).toBe(1);
    expect(Array.from(decoded[0])).toEqual([3, 3, 3, 5]); // the masked cell filled with the commonest code
    const px = (x: number, y: number) => image.rgb[(y * 4 + x) * 3];
    expect([px(2, 0), px(3, 1), px(0, 0), px(2, 2)]).toEqual([128, 128, 200, 200]);
    const none = await partialPicture(Int32Array.from([K, K, K, K]), K, [2, 2], 4, decode);
    expect(none.masked).toBe(4);
    expect(decoded.length).toBe(1); // nothing to decode
    expect(none.image.rgb.every((v) => v === 128)).toBe(true);
  });
});
