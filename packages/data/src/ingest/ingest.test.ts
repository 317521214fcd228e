import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePng, encodePng } from '../png/index.js';
import { Rng } from '../random.js';
import { renderFace } from '../renderer/index.js';
import type { VisibleAttributes } from '../taxonomy/index.js';
import { sampleAttributes } from '../taxonomy/index.js';
import { CELEBA_ATTRIBUTES, celebaToAttributes, parseCelebaAttrs } from './celeba.js';
import { decodeImage } from './image.js';
import type { Describe } from './ingest.js';
import { ingestFolder } from './ingest.js';
import { readSplits } from './test-splits.js';

// Test describer: names exactly the known attributes, so the test can check nothing unknown is claimed.
const seen: VisibleAttributes[] = [];
const describeKnown: Describe = (attrs) => {
  seen.push(attrs);
  const known = Object.entries(attrs).filter(([, v]) => v !== null);
  return {
    caption: known.map(([k, v]) => `${k}=${v}`).join(', '),
    qa: known.map(([k, v]) => ({ q: `What is the ${k}?`, a: String(v) })),
  };
};

/** A renderer face as a 178x218 CelebA-like JPEG (face in the upper square, like aligned CelebA). */
function faceJpeg(index: number): { jpg: Uint8Array; rgb: Uint8Array } {
  const face = renderFace(sampleAttributes(new Rng(index)), { size: 178, seed: index });
  const rgba = new Uint8Array(178 * 218 * 4);
  for (let y = 0; y < 218; y++) {
    for (let x = 0; x < 178; x++) {
      const sy = Math.min(177, Math.max(0, y - 20));
      for (let c = 0; c < 3; c++) rgba[(y * 178 + x) * 4 + c] = face.rgb[(sy * 178 + x) * 3 + c];
      rgba[(y * 178 + x) * 4 + 3] = 255;
    }
  }
  return {
    jpg: new Uint8Array(jpeg.encode({ data: rgba, width: 178, height: 218 }, 90).data),
    rgb: face.rgb,
  };
}

function labelLine(file: string, on: string[], names: readonly string[] = CELEBA_ATTRIBUTES): string {
  return [file, ...names.map((n) => (on.includes(n) ? ' 1' : '-1'))].join(' ');
}

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ingest-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('CelebA labels', () => {
  it('maps labels onto the taxonomy, leaving what they cannot tell unknown', () => {
    const all = (on: string[]) => Object.fromEntries(CELEBA_ATTRIBUTES.map((n) => [n, on.includes(n)]));
    const a = celebaToAttributes(
      all(['Male', 'Black_Hair', 'Wavy_Hair', 'Goatee', 'Smiling', 'Young', 'Eyeglasses']),
    );
    expect(a).toMatchObject({
      gender: 'masculine',
      hairColor: 'black',
      hairType: 'wavy',
      facialHair: 'goatee',
      expression: 'smiling',
      age: 'young',
      glasses: null, // worn, but the kind is unknown
      hat: 'none',
      eyeColor: null,
      mustache: false,
      bangs: 'none',
    });
    const b = celebaToAttributes(all(['Bald', 'Black_Hair', 'Blond_Hair', 'No_Beard', '5_o_Clock_Shadow']));
    expect(b).toMatchObject({
      hairLength: 'bald',
      hairColor: null,
      facialHair: 'stubble',
      gender: 'feminine',
      age: null,
    });
    const c = celebaToAttributes(all(['Black_Hair', 'Blond_Hair', 'Arched_Eyebrows', 'Bushy_Eyebrows']));
    expect(c).toMatchObject({ hairColor: null, eyebrows: null, facialHair: 'full-beard', expression: null });
    // A label missing from the file leaves its attributes unknown.
    const d = celebaToAttributes({ Male: false });
    expect(Object.entries(d).filter(([, v]) => v !== null)).toEqual([['gender', 'feminine']]);
  });

  it('parses 40 +-1 columns and reports bad lines', () => {
    const header = CELEBA_ATTRIBUTES.join(' ');
    const text = `3\n${header}\n${labelLine('1.jpg', ['Male'])}\n1.jpg 1 1\n${labelLine('2.jpg', []).replace('-1', 'x')}\n`;
    const f = parseCelebaAttrs(text);
    expect(f.names).toHaveLength(40);
    expect(f.rows.get('1.jpg')?.Male).toBe(true);
    expect(f.bad).toEqual([
      { line: 4, reason: '2 labels, header has 40' },
      { line: 5, reason: 'label 5_o_Clock_Shadow is "x", not 1, -1 or 0' },
    ]);
    const names41 = [...CELEBA_ATTRIBUTES, 'Extra'];
    expect(
      parseCelebaAttrs(`${names41.join(' ')}\n${labelLine('a.jpg', ['Extra'], names41)}`).rows.get('a.jpg')
        ?.Extra,
    ).toBe(true);
    expect(() => parseCelebaAttrs('2\nfoo bar\n', 'x.txt')).toThrow(
      'x.txt: line 2 is not a CelebA attribute header (2 names, 0 known)',
    );
  });
});

describe('ingestFolder, CelebA layout', () => {
  it('writes records for labelled images, skips the rest with reasons', async () => {
    const input = join(root, 'celeba');
    await mkdir(join(input, 'img_align_celeba'), { recursive: true });
    const sources: Record<string, Uint8Array> = {};
    for (const i of [1, 2, 3, 4, 6]) {
      const { jpg, rgb } = faceJpeg(i);
      sources[`00000${i}`] = rgb;
      await writeFile(join(input, 'img_align_celeba', `00000${i}.jpg`), jpg);
    }
    // A PNG among the JPEGs, a corrupt JPEG, a non-image file.
    const face7 = renderFace(sampleAttributes(new Rng(7)), { size: 178, seed: 7 });
    sources['000007'] = face7.rgb;
    await writeFile(join(input, 'img_align_celeba', '000007.png'), encodePng(face7.rgb, 178, 178));
    const corrupt = faceJpeg(5).jpg.slice(0, 600);
    await writeFile(join(input, 'img_align_celeba', '000005.jpg'), corrupt);
    await writeFile(join(input, 'img_align_celeba', 'notes.txt'), 'not an image');
    const rows = [
      labelLine('000001.jpg', ['Male', 'Black_Hair', 'Smiling', 'Young', 'Goatee']),
      labelLine('000002.jpg', ['Blond_Hair', 'Wearing_Lipstick', 'Wearing_Earrings', 'No_Beard']),
      labelLine('000003.jpg', ['Bald', 'Male', 'Eyeglasses', 'No_Beard']),
      labelLine('000004.jpg', ['Brown_Hair', 'Straight_Hair', 'Bangs', 'No_Beard', 'Young']),
      labelLine('000005.jpg', ['No_Beard']),
      labelLine('000007.png', ['Gray_Hair', 'No_Beard']),
      '000008.jpg 1 -1',
    ];
    await writeFile(
      join(input, 'list_attr_celeba.txt'),
      `${rows.length}\n${CELEBA_ATTRIBUTES.join(' ')}\n${rows.join('\n')}\n`,
    );

    seen.length = 0;
    const out = join(root, 'celeba-out');
    const report = await ingestFolder({ input, out, describe: describeKnown, samplesPerShard: 3 });
    expect(report.mode).toBe('celeba');
    expect(report.seen).toBe(7);
    expect(report.written).toBe(5);
    expect(report.skipped).toBe(2);
    expect(report.reasons).toEqual({ 'corrupt JPEG': 1, 'no labels in list_attr_celeba.txt': 1 });
    expect(report.skippedFiles.map((s) => s.file)).toEqual(['000005.jpg', '000006.jpg']);
    expect(report.badLabelLines).toBe(1);
    expect(Object.values(report.splits).reduce((n, x) => n + x.samples, 0)).toBe(5);
    expect(report.splits.train.shards.length).toBeGreaterThan(0);

    const samples = [];
    samples.push(...(await readSplits(out)));
    expect(samples.map((s) => s.key)).toEqual(['000001', '000002', '000003', '000004', '000007']);
    for (const s of samples) {
      const rec = JSON.parse(new TextDecoder().decode(s.files.json));
      expect(rec.id).toBe(s.key);
      expect(rec.attributes).toEqual(celebaToAttributes(rec.labels));
      // Captions and answers only name known attributes.
      for (const [k, v] of Object.entries(rec.attributes)) {
        expect(rec.caption.includes(`${k}=`)).toBe(v !== null);
      }
      const img = decodePng(s.files.png);
      expect([img.width, img.height]).toEqual([64, 64]);
      // The crop shows the source face: the centre pixel matches the source's face centre closely.
      const src = sources[s.key];
      const centre = (img.rgb[(32 * 64 + 32) * 3] + img.rgb[(32 * 64 + 32) * 3 + 1]) / 2;
      const srcY = s.key === '000007' ? 30 + 74 : 40 + 74 - 20; // crop top: min(40/218 h, h - 148)
      const srcCentre = (src[(srcY * 178 + 89) * 3] + src[(srcY * 178 + 89) * 3 + 1]) / 2;
      expect(Math.abs(centre - srcCentre)).toBeLessThan(40);
    }
    const first = JSON.parse(new TextDecoder().decode(samples[0].files.json));
    expect(first.attributes).toMatchObject({ gender: 'masculine', hairColor: 'black', facialHair: 'goatee' });
    expect(first.source).toEqual({ kind: 'celeba', file: '000001.jpg' });
  });

  it('decodeImage names the problem', () => {
    expect(() => decodeImage(new Uint8Array([1, 2, 3, 4]))).toThrow('not a JPEG or PNG file');
    expect(() => decodeImage(faceJpeg(1).jpg.slice(0, 300))).toThrow(/^corrupt JPEG/);
  });
});

describe('describeAttributes (caption grammar + VQA on sparse labels)', () => {
  it('never states or asks about an attribute the labels do not tell', async () => {
    const { describeAttributes } = await import('./describe.js');
    const { parseCaption } = await import('../captions/index.js');
    const rng = new Rng(3);
    let questions = 0;
    for (let i = 0; i < 300; i++) {
      const labels = Object.fromEntries(CELEBA_ATTRIBUTES.map((n) => [n, rng.bool(0.3)]));
      const attrs = celebaToAttributes(labels);
      const { caption, qa } = describeAttributes(attrs, i);
      const parsed = parseCaption(caption);
      for (const [k, v] of Object.entries(parsed.attributes)) {
        expect(attrs[k as keyof VisibleAttributes], `${k} in "${caption}"`).toBe(v);
      }
      for (const x of qa) {
        const names =
          x.attr === 'accessories'
            ? ['glasses', 'hat', 'earrings', 'necklace', 'faceMask']
            : (x.attr ?? '').split('|');
        for (const n of names) expect(attrs[n as keyof VisibleAttributes], `${x.q} -> ${x.a}`).not.toBeNull();
      }
      questions += qa.length;
    }
    expect(questions / 300).toBeGreaterThan(4);
  });
});
