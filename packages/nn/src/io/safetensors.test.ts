import { describe, expect, it } from 'vitest';
import torchFixture from '../fixtures/torch_written.json';
import { decodeEntry, parseSafetensors, serializeSafetensors } from './safetensors.js';

function build(header: unknown, data: Uint8Array, rawHeader?: string): Uint8Array {
  const h = new TextEncoder().encode(rawHeader ?? JSON.stringify(header));
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

describe('safetensors', () => {
  it('round-trips tensors and metadata, header padded to 8 bytes', () => {
    const a = new Float32Array([1, -2.5, 3e-8, 1e30]);
    const b = new Int32Array([7, -7]);
    const bytes = serializeSafetensors(
      {
        'layer.weight': { dtype: 'F32', shape: [2, 2], data: a },
        ids: { dtype: 'I32', shape: [2], data: b },
      },
      { step: '12' },
    );
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const f = parseSafetensors(bytes);
    expect(f.metadata).toEqual({ step: '12' });
    expect(Array.from(decodeEntry(f.tensors.get('layer.weight')!))).toEqual(Array.from(a));
    expect(Array.from(decodeEntry(f.tensors.get('ids')!))).toEqual([7, -7]);
  });

  it('reads a file written by PyTorch (F32, F16, BF16, I64, U8, BOOL)', () => {
    const bytes = Uint8Array.from(atob(torchFixture.file_base64), (c) => c.charCodeAt(0));
    const f = parseSafetensors(bytes, 'torch_written.safetensors');
    for (const [name, want] of Object.entries(
      torchFixture.values as Record<string, { shape: number[]; values: number[] }>,
    )) {
      const e = f.tensors.get(name)!;
      expect(e.shape, name).toEqual(want.shape);
      const got = Array.from(decodeEntry(e));
      for (const [i, v] of want.values.entries()) expect(got[i], `${name}[${i}]`).toBeCloseTo(v, 6);
    }
  });

  const good = () => ({
    header: { x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } },
    data: new Uint8Array(8),
  });
  const cases: [string, () => Uint8Array, RegExp][] = [
    ['truncated below 8 bytes', () => new Uint8Array(5), /f\.st: file is 5 bytes/],
    [
      'huge header length',
      () => {
        const b = new Uint8Array(16);
        new DataView(b.buffer).setBigUint64(0, 2n ** 40n, true);
        return b;
      },
      /header length 1099511627776 exceeds the limit/,
    ],
    ['header past the end', () => build(good().header, good().data).subarray(0, 20), /runs past the end/],
    ['not JSON', () => build(null, new Uint8Array(0), '{"x": '), /header is not JSON/],
    ['not an object', () => build([1, 2], new Uint8Array(0)), /not a JSON object/],
    [
      'unknown dtype',
      () => build({ x: { dtype: 'F8', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)),
      /unknown dtype "F8"/,
    ],
    [
      'bad shape',
      () => build({ x: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, new Uint8Array(4)),
      /bad shape/,
    ],
    [
      'size mismatch',
      () => build({ x: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8)),
      /spans 8 bytes but F32 \[3\] needs 12/,
    ],
    [
      'offset beyond data',
      () => build({ x: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, new Uint8Array(8)),
      /past the 8-byte data section/,
    ],
    [
      'overlap',
      () =>
        build(
          {
            a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
            b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
          },
          new Uint8Array(8),
        ),
      /overlaps/,
    ],
    [
      'gap',
      () => build({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, new Uint8Array(8)),
      /gap before entry 'a'/,
    ],
    ['trailing bytes', () => build(good().header, new Uint8Array(12)), /4 bytes after the last tensor/],
    [
      'duplicate names',
      () =>
        build(
          null,
          new Uint8Array(8),
          '{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}',
        ),
      /duplicate tensor name 'x'/,
    ],
    [
      'non-string metadata',
      () => build({ __metadata__: { a: 1 } }, new Uint8Array(0)),
      /__metadata__ value for 'a' is not a string/,
    ],
    [
      'invalid UTF-8',
      () => {
        const b = build(null, new Uint8Array(0), '{"\u00e9":1}');
        b[10] = 0xff;
        return b;
      },
      /not valid UTF-8/,
    ],
  ];
  for (const [name, make, re] of cases) {
    it(`rejects: ${name}`, () => {
      expect(() => parseSafetensors(make(), 'f.st')).toThrow(re);
    });
  }
});
