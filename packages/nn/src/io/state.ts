// Module state <-> safetensors bytes. Works in Node and browsers (no fs here).
import { type Tensor, tensor } from '@unif2ace/tensor';
import type { Module } from '../module.js';
import {
  decodeEntry,
  floatToHalf,
  parseSafetensors,
  type SafeDType,
  type SafeInput,
  serializeSafetensors,
} from './safetensors.js';

const TO_SAFE: Record<string, SafeDType> = { f32: 'F32', f16: 'F16', i32: 'I32', u32: 'U32' };

/**
 * Tensors (read back from the device) as safetensors bytes, each in its own dtype (f16 as F16, half the
 * bytes of F32; cast a tensor to f16 first to store it so). `safetensorsToTensors` widens F16 to f32.
 */
export async function tensorsToSafetensors(
  tensors: Map<string, Tensor>,
  metadata?: Record<string, string>,
): Promise<Uint8Array> {
  const input: Record<string, SafeInput> = {};
  for (const [name, t] of tensors) {
    const values = await t.data();
    const data = t.dtype === 'f16' ? Uint16Array.from(values, floatToHalf) : values;
    input[name] = { dtype: TO_SAFE[t.dtype], shape: [...t.shape], data };
  }
  return serializeSafetensors(input, metadata);
}

export async function saveModule(m: Module, metadata?: Record<string, string>): Promise<Uint8Array> {
  return tensorsToSafetensors(m.stateDict(), metadata);
}

/** Parse safetensors bytes into tensors on the default backend (caller disposes them). */
export function safetensorsToTensors(bytes: Uint8Array, file = '<buffer>'): Map<string, Tensor> {
  const parsed = parseSafetensors(bytes, file);
  const out = new Map<string, Tensor>();
  for (const [name, e] of parsed.tensors) {
    const data = decodeEntry(e, `${file}: ${name}`);
    const dtype = data instanceof Float32Array ? 'f32' : data instanceof Uint32Array ? 'u32' : 'i32';
    out.set(name, tensor(data, e.shape, { dtype }));
  }
  return out;
}

/** Load safetensors bytes into a module; strict by default, returning the key report. */
export function loadModule(m: Module, bytes: Uint8Array, opts: { strict?: boolean; file?: string } = {}) {
  const values = safetensorsToTensors(bytes, opts.file);
  try {
    return m.loadStateDict(values, { strict: opts.strict ?? true });
  } finally {
    for (const t of values.values()) t.dispose();
  }
}
