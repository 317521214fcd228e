// Train / validation / test splits by face-seed range. A face is a pure function of its seed, so a
// face whose seed lies in the test range is a test face in every dataset, whatever the base seed, the
// count or the generation order: held-out faces never leak into training.

export type Split = 'train' | 'validation' | 'test';

/** Half-open ranges of the 32-bit face-seed space. */
export const SPLIT_RANGES: Readonly<Record<Split, readonly [number, number]>> = {
  test: [0, 0x0a000000], // 3.9 %
  validation: [0x0a000000, 0x14000000], // 3.9 %
  train: [0x14000000, 0x100000000],
};

export const SPLITS: readonly Split[] = ['train', 'validation', 'test'];

export function splitOf(faceSeed: number): Split {
  const s = faceSeed >>> 0;
  if (s < SPLIT_RANGES.test[1]) return 'test';
  if (s < SPLIT_RANGES.validation[1]) return 'validation';
  return 'train';
}
