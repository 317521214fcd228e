import { readFileSync } from 'node:fs';
import { seedInit } from '@unif2ace/nn';
import { init, tensor } from '@unif2ace/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { imagesToTensor, type RgbImage } from '../images.js';
import { shiftImage } from './augment.js';
import { validateProbeConfig } from './config.js';
import { heldOutFaces } from './faces.js';
import { decodeRow, headLayout } from './heads.js';
import { FaceProbe } from './probe.js';
import { addHeadSoftmax, CROSS_VIEWS, shiftBatch } from './views.js';

beforeAll(async () => {
  await init({ backend: 'wasm' });
});

function randomImage(w: number, h: number, seed: number): RgbImage {
  const rgb = new Uint8Array(w * h * 3);
  let s = seed;
  for (let i = 0; i < rgb.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    rgb[i] = s >>> 24;
  }
  return { rgb, width: w, height: h };
}

/** The host reference: augment's shiftImage (HWC) as a [3, H, W] array in [-1, 1]. */
function shiftedReference(img: RgbImage, dx: number, dy: number): number[] {
  const px = shiftImage(img, dx, dy);
  const { width: w, height: h } = img;
  const out: number[] = [];
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out.push(px[(y * w + x) * 3 + c] / 127.5 - 1);
  return out;
}

describe('test-time views', () => {
  it('shiftBatch replicates the edges exactly like the training shift (every direction, non-square image)', async () => {
    const imgs = [randomImage(7, 5, 1), randomImage(7, 5, 2)];
    const x = imagesToTensor(imgs);
    for (const [dx, dy] of [
      [1, 0],
      [-1, 0],
      [0, 1],
      [0, -2],
      [2, -1],
      [-3, 3],
    ]) {
      const y = shiftBatch(x, [dx, dy]);
      expect(y.shape).toEqual([2, 3, 5, 7]);
      const got = Array.from(await y.data());
      y.dispose();
      const want = imgs.flatMap((im) => shiftedReference(im, dx, dy));
      for (const [i, v] of got.entries()) expect(v).toBeCloseTo(want[i], 6);
    }
    expect(() => shiftBatch(x.reshape([2, 3, 35]), [1, 0])).toThrow(
      /expected \[B, C, H, W\], got \[2, 3, 35\]/,
    );
    x.dispose();
  });

  it('addHeadSoftmax adds each head its own softmax (a hand-computed row)', () => {
    const layout = headLayout();
    const logits = new Float32Array(layout.width);
    const h = layout.heads[0]; // faceShape: 5 classes
    logits[h.offset] = Math.log(2);
    logits[h.offset + 1] = Math.log(6);
    const into = new Float32Array(layout.width);
    addHeadSoftmax(layout, logits, into, 0.5);
    // exp: 2, 6, 1, 1, 1 -> sum 11
    expect(into[h.offset]).toBeCloseTo((0.5 * 2) / 11, 6);
    expect(into[h.offset + 1]).toBeCloseTo((0.5 * 6) / 11, 6);
    expect(into[h.offset + 4]).toBeCloseTo(0.5 / 11, 6);
    for (const g of layout.heads) {
      let sum = 0;
      for (let k = 0; k < g.classes.length; k++) sum += into[g.offset + k];
      expect(sum).toBeCloseTo(0.5, 5);
    }
  });

  it("predict averages the heads' softmax over the views (against logits of host-shifted faces)", async () => {
    seedInit(3);
    const probe = FaceProbe.create({ channels: [8, 16, 16], features: 32 });
    expect(probe.config.views).toEqual(CROSS_VIEWS.map((v) => [...v]));
    const layout = probe.layout;
    const faces = heldOutFaces(6, { seed: 5 }).map((f) => f.image);
    const B = faces.length;
    const avg = new Float32Array(B * layout.width);
    for (const [dx, dy] of CROSS_VIEWS) {
      const x = tensor(
        faces.flatMap((im) => shiftedReference(im, dx, dy)),
        [B, 3, 64, 64],
      );
      const lg = probe.logits(x);
      addHeadSoftmax(layout, await lg.data(), avg, 1 / CROSS_VIEWS.length);
      lg.dispose();
      x.dispose();
    }
    const want = faces.map((_, b) => decodeRow(layout, avg, b * layout.width));
    expect(await probe.predict(faces)).toEqual(want);
    // one view: the plain arg-max of the logits, as before views existed
    const lg = probe.logits(faces);
    const plain = await lg.data();
    lg.dispose();
    const single = faces.map((_, b) => decodeRow(layout, plain, b * layout.width));
    expect(await probe.predict(faces, { views: [[0, 0]] })).toEqual(single);
    expect(want).not.toEqual(single); // the views change some answers, so the first check above can fail
    // a tensor input longer than predict's chunk of 64 (sliced per chunk) gives the same answers as the records
    const many = heldOutFaces(70, { seed: 6 }).map((f) => f.image);
    const t = imagesToTensor(many);
    expect(await probe.predict(t)).toEqual(await probe.predict(many));
    expect(t.shape).toEqual([70, 3, 64, 64]); // the caller's tensor is left alone
    t.dispose();
    await expect(probe.predict(faces, { views: [[0.5, 0]] })).rejects.toThrow(/views\[0\] is \[0.5,0\]/);
    probe.dispose();
  });

  it('config.json views: validated, optional (old configs keep one view), and the shipped probe uses the cross', () => {
    const shipped = JSON.parse(
      readFileSync(new URL('../../weights/face-probe/config.json', import.meta.url), 'utf8'),
    );
    expect(validateProbeConfig(shipped).views).toEqual(CROSS_VIEWS.map((v) => [...v]));
    const { views: _, ...old } = shipped;
    expect(validateProbeConfig(old).views).toBeUndefined();
    expect(() => validateProbeConfig({ ...shipped, views: [] }, 'x.json')).toThrow(
      /x.json: views must be a non-empty array/,
    );
    expect(() => validateProbeConfig({ ...shipped, views: [[0, 9]] }, 'x.json')).toThrow(
      /x.json: views\[0\] is \[0,9\], expected \[dx, dy\] with integers in -4..4/,
    );
  });
});
