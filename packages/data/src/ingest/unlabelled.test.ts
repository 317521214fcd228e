// Unlabelled photos: real face photos shipped in the @vladmandic/face-api package, detected, aligned and
// annotated with the package's own models (WASM backend, offline).
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import jpeg from 'jpeg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePng } from '../png/index.js';
import { FaceAnnotator } from './faces.js';
import { alignByEyes, cropResize } from './image.js';
import { ingestFolder } from './ingest.js';
import { readSplits } from './test-splits.js';

const require = createRequire(import.meta.url);
const demo = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'unlabelled-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('alignByEyes', () => {
  it('puts tilted eyes level at (0.5 +- d/2, 0.4) of the output', () => {
    const W = 300;
    const rgb = new Uint8Array(W * W * 3).fill(255);
    const dot = (cx: number, cy: number, ch: number) => {
      for (let y = -3; y <= 3; y++) for (let x = -3; x <= 3; x++) rgb[((cy + y) * W + cx + x) * 3 + ch] = 0;
    };
    // Eyes 100 px apart, tilted by about 17 degrees.
    dot(100, 120, 0); // viewer-left eye: red channel removed (cyan)
    dot(196, 149, 1); // viewer-right eye: green channel removed (magenta)
    const out = alignByEyes({ width: W, height: W, rgb }, [100, 120], [196, 149], 100, 0.4);
    const darkest = (ch: number) => {
      let best = [0, 0, 255];
      for (let y = 0; y < 100; y++)
        for (let x = 0; x < 100; x++) {
          const v = out.rgb[(y * 100 + x) * 3 + ch];
          if (v < best[2]) best = [x, y, v];
        }
      return best;
    };
    const [lx, ly] = darkest(0);
    const [rx, ry] = darkest(1);
    expect(Math.abs(lx - 30)).toBeLessThanOrEqual(1);
    expect(Math.abs(rx - 70)).toBeLessThanOrEqual(1);
    expect(Math.abs(ly - 40)).toBeLessThanOrEqual(1);
    expect(Math.abs(ry - 40)).toBeLessThanOrEqual(1);
  });
});

describe('ingestFolder, unlabelled photos', () => {
  it('detects, aligns and annotates faces; skips faceless and corrupt files', async () => {
    const input = join(root, 'photos');
    await mkdir(input, { recursive: true });
    await copyFile(join(demo, 'sample2.jpg'), join(input, 'a-portrait.jpg'));
    await copyFile(join(demo, 'sample3.jpg'), join(input, 'b group.jpg'));
    const blank = new Uint8Array(96 * 96 * 4).fill(200);
    await writeFile(join(input, 'c-blank.jpg'), jpeg.encode({ data: blank, width: 96, height: 96 }, 90).data);
    await writeFile(join(input, 'd-corrupt.png'), new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4, 5, 6]));

    const annotator = await FaceAnnotator.load();
    const out = join(root, 'photos-out');
    const report = await ingestFolder({
      input,
      out,
      annotator,
      describe: (attrs) => ({ caption: JSON.stringify(attrs), qa: [] }),
    });
    expect(report.mode).toBe('unlabelled');
    expect(report.seen).toBe(4);
    expect(report.skippedFiles).toEqual([
      { file: 'c-blank.jpg', reason: 'no face found' },
      { file: 'd-corrupt.png', reason: expect.stringMatching(/^corrupt PNG: decodePng/) },
    ]);
    expect(report.written).toBe(2);
    const samples = [];
    samples.push(...(await readSplits(out)));
    expect(samples.map((s) => s.key)).toEqual(['a-portrait', 'b_group']);
    for (const s of samples) {
      const rec = JSON.parse(new TextDecoder().decode(s.files.json));
      expect(rec.source.kind).toBe('unlabelled');
      expect(['young', 'middle-aged', 'old']).toContain(rec.attributes.age);
      expect(rec.attributes.hairColor).toBeNull();
      expect(rec.cues.score).toBeGreaterThan(0.5);
      expect(decodePng(s.files.png).width).toBe(64);
    }
    const group = JSON.parse(new TextDecoder().decode(samples[1].files.json));
    expect(group.cues.faces).toBeGreaterThan(1);
    // The aligned crop is a face again, with level eyes: the detector finds it (crop upscaled to 256 px
    // and pasted on a 512 px grey canvas).
    for (const s of samples) {
      const crop = cropResize(decodePng(s.files.png), 0, 0, 64, 256);
      const canvas = { width: 512, height: 512, rgb: new Uint8Array(512 * 512 * 3).fill(128) };
      for (let y = 0; y < 256; y++)
        canvas.rgb.set(crop.rgb.subarray(y * 768, (y + 1) * 768), ((y + 128) * 512 + 128) * 3);
      const [face] = await annotator.detect(canvas);
      expect(face, s.key).toBeDefined();
      expect(Math.abs(face.leftEye[1] - face.rightEye[1]), s.key).toBeLessThan(8);
      // Eyes land where alignByEyes puts them: y = 0.4 of the crop (128 + 0.4 * 256 = 230 on the canvas).
      expect(Math.abs((face.leftEye[1] + face.rightEye[1]) / 2 - 230), s.key).toBeLessThan(12);
    }
  });
});
