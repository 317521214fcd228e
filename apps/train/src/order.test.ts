import { describe, expect, it } from 'vitest';
import { batchIndices, EpochOrder, lossSeed, permutation } from './order.js';
import { heatmap, lineChart, niceTicks } from './plot.js';

describe('data order', () => {
  it('each epoch visits every example once, in a seeded order that differs between epochs and streams', () => {
    const o = new EpochOrder(10, 7, 't2i');
    const e0 = o.take(0, 10);
    const e1 = o.take(10, 10);
    expect([...e0].sort((a, b) => a - b)).toEqual([...Array(10).keys()]);
    expect([...e1].sort((a, b) => a - b)).toEqual([...Array(10).keys()]);
    expect(e0).not.toEqual(e1);
    expect(new EpochOrder(10, 7, 'vqa').take(0, 10)).not.toEqual(e0);
    // a pure function of the position: a fresh object (a resumed run) gives the same indices anywhere
    expect(new EpochOrder(10, 7, 't2i').take(13, 4)).toEqual([...e1.slice(3, 7)]);
    expect(new EpochOrder(10, 8, 't2i').take(0, 10)).not.toEqual(e0);
    expect(() => new EpochOrder(0, 1, 'x')).toThrow(/needs at least one example/);
  });

  it('permutations, batch draws and loss seeds are deterministic', () => {
    expect(permutation(5, 3)).toEqual(permutation(5, 3));
    expect(batchIndices(1, 2, 4, 9)).toEqual(batchIndices(1, 2, 4, 9));
    expect([...batchIndices(1, 2, 64, 9)].every((i) => i >= 0 && i < 9)).toBe(true);
    expect(lossSeed(0, 5, 0)).toBe(lossSeed(0, 5, 0));
    expect(new Set([lossSeed(0, 5, 0), lossSeed(0, 5, 1), lossSeed(0, 6, 0), lossSeed(1, 5, 0)]).size).toBe(
      4,
    );
  });
});

describe('plots', () => {
  it('ticks are round and cover the range', () => {
    expect(niceTicks(0, 10)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(0.13, 0.87, 4)).toEqual([0.2, 0.4, 0.6, 0.8]);
  });

  it('draws a line chart and a heat map into RGB images', () => {
    const img = lineChart([{ name: 'loss', points: [0, 1, 2, 3].map((x) => ({ x, y: 4 - x })) }], {
      title: 'T',
      width: 200,
      height: 120,
    });
    expect([img.width, img.height, img.rgb.length]).toEqual([200, 120, 200 * 120 * 3]);
    expect(img.rgb.some((v) => v !== 255)).toBe(true);
    const h = heatmap('R', [
      {
        title: 'TOKEN',
        rows: [
          {
            label: 'L0 GEN',
            cells: [
              { label: 'E0', value: 1 },
              { label: 'E1', value: 0 },
            ],
          },
        ],
      },
    ]);
    // the full cell is dark blue, the empty one white
    const px = (x: number, y: number) =>
      Array.from(h.rgb.subarray((y * h.width + x) * 3, (y * h.width + x) * 3 + 3));
    const y = 16 + 2 * (7 + 4) + 1;
    const row = Array.from({ length: h.width }, (_, x) => px(x, y));
    expect(row.some(([r, g, b]) => r < 60 && g < 80 && b > 120)).toBe(true);
  });
});
