// Attention test cases shared by src/ops/attention.test.ts (every backend) and
// src/kernels/wasm/attention.test.ts (the WASM kernels' own sweep): sizes and mask forms, with mask inputs
// that are deterministic from the sizes.

import { type AttentionOptions, prefixBidirectionalMask } from '../ops/attention.js';
import { tensor } from '../tensor.js';

export type MaskKind =
  | 'none'
  | 'causal'
  | 'keyPadding'
  | 'prefix'
  | 'mask3d'
  | 'mask1'
  | 'causal+keyPadding'
  | 'all';

export interface Case {
  B: number;
  H: number;
  Sq: number;
  Sk?: number;
  Dh: number;
  kind: MaskKind;
}

/** Host-side mask inputs for a case, deterministic from the sizes. */
export function maskData(c: Case) {
  const Sk = c.Sk ?? c.Sq;
  // even batches: the last quarter of the keys is padding; odd batches: the first third (left padding)
  const kp = new Int32Array(c.B * Sk).map((_, i) => {
    const b = Math.floor(i / Sk);
    const j = i % Sk;
    return b % 2 === 0 ? (j < Sk - Math.floor(Sk / 4) ? 1 : 0) : j >= Math.floor(Sk / 3) ? 1 : 0;
  });
  const m3 = new Uint32Array(c.B * c.Sq * Sk).map((_, i) => (((i * 2654435761) >>> 0) % 7 < 4 ? 1 : 0));
  return { kp, m3 };
}

export function optsFor(c: Case, backend: string): AttentionOptions {
  const Sk = c.Sk ?? c.Sq;
  const { kp, m3 } = maskData(c);
  const kpT = () => tensor(kp, [c.B, Sk], { dtype: 'i32', backend });
  switch (c.kind) {
    case 'none':
      return {};
    case 'causal':
      return { causal: true };
    case 'keyPadding':
      return { keyPadding: kpT() };
    case 'prefix':
      return { mask: prefixBidirectionalMask(c.Sq, Math.floor(c.Sq / 2), backend) };
    case 'mask3d':
      return { mask: tensor(m3, [c.B, c.Sq, Sk], { dtype: 'u32', backend }) };
    case 'mask1': // one i32 mask shared by the batch
      return {
        mask: tensor(new Int32Array(m3.subarray(0, c.Sq * Sk)), [1, c.Sq, Sk], { dtype: 'i32', backend }),
        scale: 0.7,
      };
    case 'causal+keyPadding':
      return { causal: true, keyPadding: kpT() };
    case 'all':
      return {
        causal: true,
        keyPadding: kpT(),
        mask: tensor(m3, [c.B, c.Sq, Sk], { dtype: 'u32', backend }),
        scale: 0.3,
      };
  }
}
