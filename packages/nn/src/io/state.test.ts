import { tensor } from '@unif2ace/tensor';
import { DEVICE, deviceHasF16, useBackend } from '@unif2ace/tensor/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import torchFixture from '../fixtures/torch_written.json';
import { decodeEntry, floatToHalf, parseSafetensors } from './safetensors.js';
import { safetensorsToTensors, tensorsToSafetensors } from './state.js';

beforeAll(() => useBackend(DEVICE));

describe('tensorsToSafetensors dtypes', () => {
  it('rounds floats to binary16 bits like IEEE 754 (nearest even, subnormals, overflow)', () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [65504, 0x7bff],
      [65520, 0x7c00], // halfway to the next binade rounds to even: Inf
      [1e6, 0x7c00],
      [Number.NEGATIVE_INFINITY, 0xfc00],
      [2 ** -14, 0x0400], // smallest normal
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -25, 0x0000], // exactly half of it: to even (0)
      [1.5 * 2 ** -25, 0x0001],
      [1 + 2 ** -11, 0x3c00], // halfway between 1 and the next half: to even
      [1 + 3 * 2 ** -11, 0x3c02],
      [0.1, 0x2e66],
    ];
    for (const [x, h] of cases) expect(floatToHalf(x), String(x)).toBe(h);
    expect(floatToHalf(Number.NaN) & 0x7c00).toBe(0x7c00);
    expect(floatToHalf(Number.NaN) & 0x3ff).not.toBe(0);
  });

  it('writes f16 tensors as F16, byte-identical to PyTorch, keeping metadata; reads them back as f32', async () => {
    const torch = parseSafetensors(Uint8Array.from(atob(torchFixture.file_base64), (c) => c.charCodeAt(0)));
    const entry = torch.tensors.get('model.f16')!;
    const values = decodeEntry(entry) as Float32Array;
    // What is tested is the file format: where the device has no f16 storage (SwiftShader in Chromium has
    // no shader-f16), the f16 tensor lives on the CPU reference backend.
    const h = tensor(values, entry.shape, {
      dtype: 'f16',
      ...(deviceHasF16() ? {} : { backend: 'cpu' as const }),
    });
    const f = tensor([1.5, -2], [2]);
    const bytes = await tensorsToSafetensors(
      new Map([
        ['model.f16', h],
        ['w.f32', f],
      ]),
      { config: 'abc' },
    );
    const parsed = parseSafetensors(bytes);
    expect(parsed.metadata).toEqual({ config: 'abc' });
    const e = parsed.tensors.get('model.f16')!;
    expect(e.dtype).toBe('F16');
    expect(e.bytes.length).toBe(2 * values.length);
    expect(Array.from(e.bytes)).toEqual(Array.from(entry.bytes));
    expect(parsed.tensors.get('w.f32')!.dtype).toBe('F32');
    const back = safetensorsToTensors(bytes);
    expect(back.get('model.f16')!.dtype).toBe('f32');
    expect(Array.from(await back.get('model.f16')!.data())).toEqual(Array.from(values));
    expect(Array.from(await back.get('w.f32')!.data())).toEqual([1.5, -2]);
    for (const t of [h, f, ...back.values()]) t.dispose();
  });
});
