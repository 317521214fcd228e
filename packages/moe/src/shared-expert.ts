// Shared experts (DeepSeekMoE): always on for every token of their group, gate 1. They live in the same
// ExpertBank as the routed 'mlp' experts and ride in the same grouped matmuls, as extra assignments with an
// unlimited capacity: y = Σ_routed g·E_i(x) + Σ_shared E_s(x) in one dispatch.

/** Slot layout of a bank: per group, `shared` shared slots, then its routed 'mlp' slots. */
export interface SlotLayout {
  groups: number;
  shared: number;
  /** Routed 'mlp' experts per group. */
  routedMlp: number;
}

export const slotsPerGroup = (l: SlotLayout) => l.shared + l.routedMlp;
export const sharedSlot = (l: SlotLayout, g: number, s: number) => g * slotsPerGroup(l) + s;
export const routedSlot = (l: SlotLayout, g: number, m: number) => g * slotsPerGroup(l) + l.shared + m;

/** Slots of the shared assignments, token-major: [T · shared] (their gate is 1). */
export function sharedAssignments(l: SlotLayout, tokenGroup: ArrayLike<number>): { keys: Int32Array } {
  const T = tokenGroup.length;
  const keys = new Int32Array(T * l.shared);
  for (let t = 0; t < T; t++) {
    for (let s = 0; s < l.shared; s++) keys[t * l.shared + s] = sharedSlot(l, tokenGroup[t], s);
  }
  return { keys };
}
