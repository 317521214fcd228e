import { decodePng, parseCaption, Rng } from '@unif2ace/data';
import { init } from '@unif2ace/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { judgedAccuracy } from '../probe/accuracy.js';
import { type AugmentOptions, augmentInto, DEFAULT_AUGMENT } from '../probe/augment.js';
import { heldOutFaces } from '../probe/faces.js';
import { jpegLossy } from '../probe/jpeg.js';
import { FaceProbe } from '../probe/probe.js';
import { blurred, jpegRoundTrip, shifted, standardCorruptions } from './corrupt.js';
import {
  evaluateCaptions,
  evaluateGeneration,
  evaluateProbe,
  evaluateRobustness,
  evaluateVqa,
} from './evaluate.js';
import { ADVANCE, drawText, GLYPH_HEIGHT, hasGlyph, measureText, wrapText } from './font.js';
import { attributeCell, GREEN, gridImage, gridPng, RED } from './grid.js';
import { accuracyTable, markdownTable } from './markdown.js';

beforeAll(async () => {
  await init({ backend: 'wasm' });
});

const blank = (w: number, h: number) => ({ rgb: new Uint8Array(w * h * 3).fill(255), width: w, height: h });
const inkAt = (img: { rgb: Uint8Array; width: number }, x: number, y: number) =>
  img.rgb[(y * img.width + x) * 3] < 128;

describe('bitmap font', () => {
  it('draws glyphs where they belong, clipped at the edges, lower case as capitals', () => {
    const a = blank(20, 9);
    drawText(a, 'I1', 1, 1);
    // 'I': top bar .###. at row 0 -> x 2..4, y 1
    expect([1, 2, 3, 4, 5].map((x) => inkAt(a, x, 1))).toEqual([false, true, true, true, false]);
    // '1' starts one advance later: its stem at column 2 of the glyph
    expect(inkAt(a, 1 + ADVANCE + 2, 4)).toBe(true);
    const b = blank(20, 9);
    drawText(b, 'i1', 1, 1);
    expect(Array.from(b.rgb)).toEqual(Array.from(a.rgb));
    const c = blank(4, 4);
    drawText(c, 'WWW', -3, -3, { scale: 2, color: [255, 0, 0] }); // no throw; clipped
    expect(measureText('abc', 2)).toEqual({ width: (3 * ADVANCE - 1) * 2, height: GLYPH_HEIGHT * 2 });
    expect(hasGlyph('q') && hasGlyph('%') && !hasGlyph('é')).toBe(true);
    expect(wrapText('a long sentence to wrap here', 10)).toEqual(['a long', 'sentence', 'to wrap', 'here']);
    expect(wrapText('abcdefghijkl', 5)).toEqual(['abcde', 'fghij', 'kl']);
  });

  it('has every digit, capital and the common punctuation as 7 rows of 5', () => {
    for (const ch of '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ.,:;!?-+=_\'"()[]/%#*<>')
      expect(hasGlyph(ch), ch).toBe(true);
    // every glyph differs from every other one (no copy-paste slips)
    const seen = new Map<string, string>();
    for (const ch of '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ') {
      const img = blank(5, 7);
      drawText(img, ch, 0, 0);
      const key = Array.from(img.rgb).join(',');
      expect(seen.get(key), `${ch} looks like ${seen.get(key)}`).toBeUndefined();
      seen.set(key, ch);
    }
  });
});

describe('grid and tables', () => {
  it('lays out cells with text above, upscaled images and frames, as a PNG', () => {
    const face = heldOutFaces(1, { size: 16 })[0].image;
    const cells = [
      attributeCell(face, 'a prompt', { hat: 'cap', glasses: 'none' }, { hat: 'none', glasses: 'none' }),
      attributeCell(face, 'another', { hat: 'cap' }, { hat: 'cap' }),
      { image: face },
    ];
    expect(cells[0].frame).toBe(RED);
    expect(cells[0].lines?.[1]).toEqual({ text: 'x hat: cap, saw none', color: RED });
    expect(cells[1].frame).toBe(GREEN);
    expect(attributeCell(face, 't', { hat: 'cap' }, { hat: 'none' }, { exclude: ['hat'] }).frame).toBe(GREEN);
    const img = gridImage(cells, { columns: 2, scale: 2, padding: 4, maxLines: 4 });
    // cell width = 32 + 8; text lines wrap at 5 characters: "x hat: cap, saw none" -> 4 lines, cut to 4
    expect(img.width).toBe(80);
    const textH = 4 * (GLYPH_HEIGHT + 2);
    expect(img.height).toBe(2 * (textH + 32 + 8));
    // image pixel (0,0) upscaled at (4, 4 + textH) .. (5, 5 + textH)
    const at = (x: number, y: number) =>
      Array.from(img.rgb.slice((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));
    expect(at(5, 5 + textH)).toEqual(Array.from(face.rgb.slice(0, 3)));
    expect(at(3, 4 + textH)).toEqual([...RED]); // the frame
    const png = decodePng(gridPng(cells, { columns: 2, maxLines: 4 }));
    expect([png.width, png.height]).toEqual([80, img.height]);
    expect(() => gridImage([])).toThrow(/no cells/);
  });

  it('writes Markdown tables with escaped pipes and aligned numbers', () => {
    expect(
      markdownTable(
        ['a', 'n'],
        [
          ['x|y', 1.5],
          ['z', 10],
        ],
      ),
    ).toBe('| a    |   n |\n| ---- | --: |\n| x\\|y | 1.5 |\n| z    |  10 |');
    expect(() => markdownTable(['a'], [[1, 2]])).toThrow(/row 0 has 2 cells, the header 1/);
    const t = accuracyTable(
      {
        overall: 0.5,
        overallVisible: 0.25,
        attributes: [
          { name: 'hat', group: 'accessories', count: 4, visible: 4, accuracy: 0.5, visibleAccuracy: 0.25 },
          { name: 'bangs', group: 'hair', count: 4, visible: 2, accuracy: 0.75, visibleAccuracy: 0.5 },
          { name: 'gender', group: 'other', count: 4, visible: 4, accuracy: 1, visibleAccuracy: 1 },
        ],
      },
      [{ name: 'hat', accuracy: 0.25 }],
    );
    expect(t).toContain('| hat ');
    expect(t).toContain('excluded');
    expect(t).toContain('50.00');
    // over the judged attributes alone: (0.75 + 1) / 2
    expect(t).toMatch(/\*\*overall, the 2 judged\*\* +\| +\| +87\.50 \|/);
    expect(accuracyTable({ overall: 1, overallVisible: 1, attributes: [] })).not.toContain('judged');
    const three = {
      overall: 0.75,
      overallVisible: 0.5,
      attributes: [0.5, 0.75, 1].map((accuracy, i) => ({
        name: `a${i}`,
        group: 'g',
        count: 4,
        visible: 4,
        accuracy,
        visibleAccuracy: accuracy,
      })),
    };
    expect(judgedAccuracy(three, [{ name: 'a0' }])).toBe(0.875);
    expect(judgedAccuracy(three, [])).toBe(0.75);
    expect(judgedAccuracy(three, [{ name: 'a0' }, { name: 'a1' }, { name: 'a2' }])).toBeNaN();
  });
});

describe('corruptions', () => {
  it('shift, blur and JPEG change the image by the expected amounts', () => {
    const face = heldOutFaces(1)[0].image;
    const s = shifted(2, -1)(face);
    const px = (img: typeof face, x: number, y: number) =>
      Array.from(img.rgb.slice((y * 64 + x) * 3, (y * 64 + x) * 3 + 3));
    expect(px(s, 10, 10)).toEqual(px(face, 8, 11));
    expect(px(s, 0, 63)).toEqual(px(face, 0, 63)); // edges replicated
    const b = blurred(0.5)(face);
    const j = jpegRoundTrip(75)(face);
    const mad = (a: typeof face) =>
      a.rgb.reduce((t, v, i) => t + Math.abs(v - face.rgb[i]), 0) / face.rgb.length;
    expect(mad(b)).toBeGreaterThan(0.5);
    expect(mad(b)).toBeLessThan(12);
    expect(mad(j)).toBeGreaterThan(0.5);
    expect(mad(j)).toBeLessThan(12);
    expect(Object.keys(standardCorruptions())).toEqual([
      'jpeg q75',
      'jpeg q75 4:2:0',
      'shift +2,+2 px',
      'shift -2,-2 px',
      'shift +2,-2 px',
      'blur sigma 0.5',
    ]);
    expect(() => jpegRoundTrip(0)).toThrow(/quality 0/);
  });

  it('training augmentation round-trips through JPEG first when asked', () => {
    const face = heldOutFaces(1)[0].image;
    const run = (opts: Partial<AugmentOptions>, img = face, rng = new Rng(7)) => {
      const out = new Float32Array(3 * 64 * 64);
      augmentInto(img, out, 0, rng, { ...DEFAULT_AUGMENT, ...opts });
      return out;
    };
    // on: one draw decides, one picks the quality (75 of [75, 75]), one the chroma subsampling, then the
    // usual augmentation of the JPEG
    const after3 = () => {
      const rng = new Rng(7);
      for (let i = 0; i < 3; i++) rng.next();
      return rng;
    };
    const withJpeg = run({ jpegProb: 1, jpegQuality: [75, 75], jpeg420Share: 0 });
    expect(withJpeg).toEqual(run({}, jpegLossy(face, 75), after3()));
    const with420 = run({ jpegProb: 1, jpegQuality: [75, 75], jpeg420Share: 1 });
    expect(with420).toEqual(run({}, jpegLossy(face, 75, { subsampling: '4:2:0' }), after3()));
    expect(with420).not.toEqual(withJpeg);
    expect(withJpeg).not.toEqual(run({}));
    expect(DEFAULT_AUGMENT.jpegProb).toBe(0); // off by default: earlier schedules replay exactly
  });
});

describe('evaluate entry points', () => {
  it('score a perfect answerer and describer as perfect, and a constant one as it deserves', async () => {
    const faces = heldOutFaces(6);
    const truth = new Map<string, string>();
    const oracle = await evaluateVqa(
      (img, q) => {
        // an answerer that looks the answer up (images differ per face)
        return truth.get(`${img.rgb[0]},${img.rgb[1000]},${img.rgb[5000]}|${q}`) ?? '?';
      },
      { faces: [] },
    );
    expect(oracle.overall.total).toBe(0);
    const { makeQuestions, Rng } = await import('@unif2ace/data');
    for (const f of faces)
      for (const q of makeQuestions(f.record, Rng.derive(f.seed, 'questions'), { phrasing: 'heldout' }))
        truth.set(`${f.image.rgb[0]},${f.image.rgb[1000]},${f.image.rgb[5000]}|${q.q}`, q.a);
    const vqa = await evaluateVqa(
      (img, q) => truth.get(`${img.rgb[0]},${img.rgb[1000]},${img.rgb[5000]}|${q}`)!,
      { faces },
    );
    expect(vqa.overall).toEqual({ correct: 48, total: 48, accuracy: 1 });
    const yes = await evaluateVqa(() => 'yes', { faces });
    expect(yes.overall.accuracy).toBeLessThan(0.6);
    expect(yes.byKind['yes-no'].accuracy).toBeGreaterThan(0);
    const caps = await evaluateCaptions(() => 'The person wears no hat.', { faces });
    expect(caps.stated).toBe(6);
    expect(caps.precision).toBeCloseTo(faces.filter((f) => f.record.hat === 'none').length / 6, 12);
    expect(parseCaption('The person wears no hat.').attributes).toEqual({ hat: 'none' });
  });

  it('evaluateGeneration and evaluateRobustness run a probe end to end', async () => {
    const probe = FaceProbe.create({ channels: [8, 16], features: 8 });
    const faces = heldOutFaces(4);
    // a "generator" that ignores the prompt
    const gen = await evaluateGeneration((_p, s) => faces[s % 4].image, probe, {
      faces,
      seeds: 2,
      reference: 8,
    });
    expect(gen.prompts).toBe(4);
    expect(gen.images.length).toBe(8);
    expect(gen.accuracy.overall.total).toBeGreaterThan(0);
    expect(Number.isFinite(gen.frechet) && gen.frechet >= 0).toBe(true);
    expect(gen.diversity).toBeGreaterThanOrEqual(0);
    const rob = await evaluateRobustness(probe, { none: (i) => i, blur: blurred(0.5) }, { faces });
    expect(rob.rows[0]).toMatchObject({ corruption: 'none', drop: 0 });
    expect(rob.rows.length).toBe(2);
    // every attribute's drop, the worst among them, and the worst among the judged ones
    const blur = rob.rows[1];
    const names = probe.config.heads.map((h) => h.name);
    expect(Object.keys(blur.drops)).toEqual(names);
    expect(Object.values(rob.rows[0].drops).every((d) => d === 0)).toBe(true);
    expect(blur.worst.drop).toBe(Math.max(...Object.values(blur.drops)));
    const judgedNames = names.filter((n) => !probe.unreliable.some((u) => u.name === n));
    expect(blur.worstJudged.drop).toBe(Math.max(...judgedNames.map((n) => blur.drops[n])));
    expect(judgedNames).toContain(blur.worstJudged.name);
    // evaluateProbe's judged overall is the robustness table's clean judged accuracy on the same faces
    const own = await evaluateProbe(probe, { faces });
    expect(own.overallJudged).toBeCloseTo(rob.cleanJudged, 12);
    expect(own.overallJudged).toBeCloseTo(judgedAccuracy(own, probe.unreliable), 12);
    probe.dispose();
  });
});
