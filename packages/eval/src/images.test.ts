import { faceSeed, Rng, renderFace, sampleAttributes } from '@unif2ace/data';
import { init, memoryStats } from '@unif2ace/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { arrayToImages, imagesToArray, imagesToTensor, tensorToImages, unitToByte } from './images.js';

beforeAll(async () => {
  await init({ backend: 'wasm' });
});

function face(i: number, size = 16) {
  const seed = faceSeed(3, i);
  return renderFace(sampleAttributes(Rng.derive(seed, 'attributes')), { size, seed });
}

describe('imagesToTensor / tensorToImages', () => {
  it('lays HWC bytes out as NCHW floats in [-1, 1]', async () => {
    // 2x1 image: pixel 0 = (0, 255, 51), pixel 1 = (255, 0, 204)
    const img = { rgb: new Uint8Array([0, 255, 51, 255, 0, 204]), width: 2, height: 1 };
    const t = imagesToTensor([img, img]);
    expect(t.shape).toEqual([2, 3, 1, 2]);
    expect(t.dtype).toBe('f32');
    const d = Array.from(await t.data());
    const plane = [-1, 1, 1, -1, 51 / 127.5 - 1, 204 / 127.5 - 1];
    expect(d.slice(0, 6)).toEqual(plane.map((v) => Math.fround(v)));
    expect(d.slice(6)).toEqual(d.slice(0, 6));
    t.dispose();
  });

  it('round-trips rendered faces exactly', async () => {
    const before = memoryStats().liveTensors;
    const faces = [face(0), face(1), face(2)];
    const t = imagesToTensor(faces);
    const back = await tensorToImages(t);
    t.dispose();
    expect(back.length).toBe(3);
    for (let i = 0; i < 3; i++) {
      expect(back[i].width).toBe(16);
      expect(back[i].height).toBe(16);
      expect(Buffer.from(back[i].rgb).equals(Buffer.from(faces[i].rgb))).toBe(true);
    }
    expect(memoryStats().liveTensors).toBe(before);
  });

  it('round-trips through f16 and clamps values outside [-1, 1]', async () => {
    const faces = [face(4)];
    const t = imagesToTensor(faces);
    const h = t.cast('f16');
    const back = await tensorToImages(h);
    // f16 keeps 11 significant bits: every byte survives within 1
    for (let k = 0; k < faces[0].rgb.length; k++)
      expect(Math.abs(back[0].rgb[k] - faces[0].rgb[k])).toBeLessThanOrEqual(1);
    t.dispose();
    h.dispose();
    const [px] = arrayToImages([-3, 2, Number.NaN], [1, 3, 1, 1]);
    expect(Array.from(px.rgb)).toEqual([0, 255, 0]);
    expect(unitToByte(-3)).toBe(0);
    expect(unitToByte(2)).toBe(255);
    expect(unitToByte(Number.NaN)).toBe(0);
    expect(unitToByte(0)).toBe(128);
  });

  it('names what is wrong with bad input', async () => {
    expect(() => imagesToTensor([])).toThrow(/non-empty array/);
    expect(() => imagesToTensor([{ rgb: new Uint8Array(5), width: 2, height: 1 }])).toThrow(
      /images\[0\]\.rgb has 5 bytes; 2x1 RGB needs 6/,
    );
    expect(() =>
      imagesToArray([
        { rgb: new Uint8Array(6), width: 2, height: 1 },
        { rgb: new Uint8Array(6), width: 1, height: 2 },
      ]),
    ).toThrow(/images\[1\] is 1x2, images\[0\] is 2x1/);
    const bad = imagesToTensor([{ rgb: new Uint8Array(6), width: 2, height: 1 }]).reshape([1, 6]);
    await expect(tensorToImages(bad)).rejects.toThrow(/expected a \[B, 3, H, W\] tensor, got \[1, 6\]/);
    bad.dispose();
  });
});
