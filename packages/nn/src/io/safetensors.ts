// safetensors, read and written by hand: u64 LE header length N, N bytes of JSON, then the data.
// The reader enforces every rule in docs/architecture.md ("File formats") and names the file and the rule
// that failed.

export type SafeDType =
  | 'F64'
  | 'F32'
  | 'F16'
  | 'BF16'
  | 'I64'
  | 'I32'
  | 'U32'
  | 'I16'
  | 'U16'
  | 'I8'
  | 'U8'
  | 'BOOL';

export const DTYPE_SIZE: Record<SafeDType, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  U32: 4,
  I16: 2,
  U16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

export interface SafeEntry {
  dtype: SafeDType;
  shape: number[];
  /** The raw little-endian bytes (a view into the file's buffer). */
  bytes: Uint8Array;
}

export interface SafeFile {
  tensors: Map<string, SafeEntry>;
  metadata: Record<string, string>;
}

export const MAX_HEADER = 100_000_000;

export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

/** Top-level keys of a JSON object in order, to catch duplicates that JSON.parse would hide. */
function topLevelKeys(text: string): string[] {
  const keys: string[] = [];
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const str = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i));
  };
  const skipValue = () => {
    let depth = 0;
    do {
      const c = text[i];
      if (c === '"') {
        str();
        continue;
      }
      if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') depth--;
      i++;
    } while (depth > 0 && i < text.length);
    if (depth === 0) {
      // scalar value: consume until a delimiter
      while (i < text.length && !',}'.includes(text[i])) i++;
    }
  };
  ws();
  i++; // '{'
  for (;;) {
    ws();
    if (text[i] === '}' || i >= text.length) break;
    keys.push(str());
    ws();
    i++; // ':'
    ws();
    skipValue();
    ws();
    if (text[i] === ',') i++;
  }
  return keys;
}

const isCount = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

export function parseSafetensors(buf: Uint8Array, file = '<buffer>'): SafeFile {
  const fail = (rule: string): never => {
    throw new SafetensorsError(`${file}: ${rule}`);
  };
  if (buf.byteLength < 8) fail(`file is ${buf.byteLength} bytes, shorter than the 8-byte header length`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const n64 = dv.getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER)) fail(`header length ${n64} exceeds the limit of ${MAX_HEADER} bytes`);
  const n = Number(n64);
  if (8 + n > buf.byteLength) fail(`header length ${n} runs past the end of the ${buf.byteLength}-byte file`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(8, 8 + n));
  } catch {
    return fail('header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    return fail(`header is not JSON (${(e as Error).message})`);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) fail('header is not a JSON object');
  const keys = topLevelKeys(text);
  const seen = new Set<string>();
  for (const k of keys) {
    if (seen.has(k)) fail(`duplicate tensor name '${k}'`);
    seen.add(k);
  }
  const dataStart = 8 + n;
  const dataLen = buf.byteLength - dataStart;
  const metadata: Record<string, string> = {};
  const entries: [string, SafeEntry, number, number][] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (!raw || typeof raw !== 'object' || Array.isArray(raw)) fail('__metadata__ is not an object');
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__ value for '${k}' is not a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (!e || typeof e !== 'object') fail(`entry '${name}' is not an object`);
    if (typeof e.dtype !== 'string' || !(e.dtype in DTYPE_SIZE))
      fail(`entry '${name}' has unknown dtype ${JSON.stringify(e.dtype)}`);
    if (!Array.isArray(e.shape) || !e.shape.every(isCount))
      fail(`entry '${name}' has a bad shape ${JSON.stringify(e.shape)}`);
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every(isCount)) {
      fail(`entry '${name}' has bad data_offsets ${JSON.stringify(off)}`);
    }
    const [begin, end] = off as [number, number];
    if (end < begin) fail(`entry '${name}' ends (${end}) before it begins (${begin})`);
    const shape = e.shape as number[];
    let count = 1;
    for (const d of shape) {
      count *= d;
      if (!Number.isSafeInteger(count)) fail(`entry '${name}' has more elements than 2^53`);
    }
    const dtype = e.dtype as SafeDType;
    const size = count * DTYPE_SIZE[dtype];
    if (!Number.isSafeInteger(size)) fail(`entry '${name}' is larger than 2^53 bytes`);
    if (end - begin !== size) {
      fail(`entry '${name}' spans ${end - begin} bytes but ${dtype} ${JSON.stringify(shape)} needs ${size}`);
    }
    if (end > dataLen) fail(`entry '${name}' ends at ${end}, past the ${dataLen}-byte data section`);
    entries.push([
      name,
      { dtype, shape, bytes: buf.subarray(dataStart + begin, dataStart + end) },
      begin,
      end,
    ]);
  }
  entries.sort((a, b) => a[2] - b[2] || a[3] - b[3]);
  let at = 0;
  for (const [name, , begin, end] of entries) {
    if (begin !== at)
      fail(
        begin < at
          ? `entry '${name}' overlaps the previous tensor`
          : `gap before entry '${name}' (at ${at}, begins ${begin})`,
      );
    at = end;
  }
  if (at !== dataLen) fail(`${dataLen - at} bytes after the last tensor (expected none)`);
  return { tensors: new Map(entries.map(([name, e]) => [name, e])), metadata };
}

export interface SafeInput {
  dtype: SafeDType;
  shape: number[];
  data: ArrayBufferView;
}

/** Serialise tensors (sorted by name, like the Python library) with the header padded to 8 bytes. */
export function serializeSafetensors(
  tensors: Record<string, SafeInput>,
  metadata?: Record<string, string>,
): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length) header.__metadata__ = metadata;
  let off = 0;
  for (const name of names) {
    const t = tensors[name];
    const count = t.shape.reduce((p, d) => p * d, 1);
    const size = count * DTYPE_SIZE[t.dtype];
    if (t.data.byteLength !== size) {
      throw new SafetensorsError(
        `serialize: '${name}' has ${t.data.byteLength} bytes, ${t.dtype} ${JSON.stringify(t.shape)} needs ${size}`,
      );
    }
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [off, off + size] };
    off += size;
  }
  let json = JSON.stringify(header);
  const enc = new TextEncoder();
  while (enc.encode(json).length % 8 !== 0) json += ' ';
  const hb = enc.encode(json);
  const out = new Uint8Array(8 + hb.length + off);
  new DataView(out.buffer).setBigUint64(0, BigInt(hb.length), true);
  out.set(hb, 8);
  let at = 8 + hb.length;
  for (const name of names) {
    const d = tensors[name].data;
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), at);
    at += d.byteLength;
  }
  return out;
}

/** Decode an entry to numbers: floats to Float32Array (F16/BF16 widened), integers to Int32Array. */
export function decodeEntry(e: SafeEntry, where = ''): Float32Array | Int32Array | Uint32Array {
  const n = e.shape.reduce((p, d) => p * d, 1);
  const b = e.bytes;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  switch (e.dtype) {
    case 'F32': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getFloat32(i * 4, true);
      return out;
    }
    case 'F64': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getFloat64(i * 8, true);
      return out;
    }
    case 'F16': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = halfToFloat(dv.getUint16(i * 2, true));
      return out;
    }
    case 'BF16': {
      const out = new Float32Array(n);
      const u = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) u[i] = dv.getUint16(i * 2, true) << 16;
      return out;
    }
    case 'I64': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = dv.getBigInt64(i * 8, true);
        if (v > 2147483647n || v < -2147483648n)
          throw new SafetensorsError(`${where}: I64 value ${v} at ${i} does not fit i32`);
        out[i] = Number(v);
      }
      return out;
    }
    case 'I32': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getInt32(i * 4, true);
      return out;
    }
    case 'U32': {
      const out = new Uint32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getUint32(i * 4, true);
      return out;
    }
    case 'I16':
      return Int32Array.from({ length: n }, (_, i) => dv.getInt16(i * 2, true));
    case 'U16':
      return Int32Array.from({ length: n }, (_, i) => dv.getUint16(i * 2, true));
    case 'I8':
      return Int32Array.from({ length: n }, (_, i) => dv.getInt8(i));
    default:
      return Int32Array.from(b.subarray(0, n));
  }
}

const F32 = new Float32Array(1);
const F32_BITS = new Uint32Array(F32.buffer);

/** IEEE 754 binary16 bits of x, rounded to nearest even (overflow -> ±Inf, NaN stays NaN). */
export function floatToHalf(x: number): number {
  F32[0] = x;
  const b = F32_BITS[0];
  const sign = (b >>> 16) & 0x8000;
  const e = (b >>> 23) & 0xff;
  const m = b & 0x7fffff;
  if (e === 0xff) return sign | 0x7c00 | (m ? 0x200 : 0);
  const he = e - 112; // the binary16 exponent field (bias 15 vs 127)
  if (he >= 0x1f) return sign | 0x7c00;
  if (he <= 0) {
    // subnormal (or zero): value = (m | 2^23) * 2^(e - 150) = hm * 2^-24
    if (he < -10) return sign;
    const full = m | 0x800000;
    const shift = 14 - he;
    const hm = full >>> shift;
    const rem = full & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    return sign | (rem > half || (rem === half && hm & 1) ? hm + 1 : hm);
  }
  const h = sign | (he << 10) | (m >>> 13);
  const rem = m & 0x1fff;
  // a carry out of the mantissa moves into the exponent, which is the correct rounding (up to Inf)
  return rem > 0x1000 || (rem === 0x1000 && h & 1) ? h + 1 : h;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}
