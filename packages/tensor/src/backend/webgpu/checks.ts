// Device-side error flag. A kernel that meets bad input it cannot handle (an index out of range) cannot
// throw, and stalling to ask after every dispatch would cost a round trip per op. So such a kernel records
// the first bad value in one small storage buffer [set, check, value, position] and carries on; the
// backend copies (and clears) that buffer as part of the next read-back or sync() it was going to do
// anyway, and throws there. What the error says comes from the check's context, registered on the host
// when the dispatch is recorded (a few distinct contexts per program, so the table stays small).
import { STORAGE_USAGE } from './buffers.js';
import type { Binding, UniformField } from './wgsl.js';

/** Builds the error for the bad value (u32 bits as the kernel saw them) found at `position`. */
export type CheckMessage = (value: number, position: number) => Error;

/** Bytes of the flag buffer: set, check id, value, position (u32 each). */
export const CHECK_BYTES = 16;

/** The binding a checking kernel adds (name ERR) and its uniform (`check`, the context id). */
export const CHECK_BINDING: Binding = {
  name: 'ERR',
  dtype: 'u32',
  access: 'read_write',
  elem: 'atomic<u32>',
};
export const CHECK_UNIFORM: UniformField = { name: 'check', type: 'u32' };

/** WGSL: `fail(value, position)` records the first failure of any invocation (one winner). */
export const CHECK_FN = `fn fail(value: u32, position: u32) {
  if (atomicExchange(&ERR[0], 1u) == 0u) {
    atomicStore(&ERR[1], u_check());
    atomicStore(&ERR[2], value);
    atomicStore(&ERR[3], position);
  }
}`;

export class DeviceChecks {
  readonly buffer: GPUBuffer;
  /** A checking kernel was recorded since the flag was last read. */
  pending = false;
  private ids = new Map<string, number>();
  private messages: CheckMessage[] = [];

  constructor(device: GPUDevice) {
    this.buffer = device.createBuffer({ label: 'device checks', size: CHECK_BYTES, usage: STORAGE_USAGE });
  }

  /**
   * The id a kernel passes as its `check` uniform for the context `key` (op and the numbers its message
   * names); marks the flag as worth reading at the next read-back.
   */
  id(key: string, message: CheckMessage): number {
    this.pending = true;
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.messages.push(message);
      this.ids.set(key, id);
    }
    return id;
  }

  /** The error the flag words hold, or null when no kernel failed. */
  error(words: Uint32Array): Error | null {
    if (!words[0]) return null;
    const m = this.messages[words[1] - 1];
    return m
      ? m(words[2], words[3])
      : new Error(`a WebGPU kernel reported bad input (check ${words[1]}, value ${words[2]})`);
  }
}
