// Sparse dispatch (STYLE.md §12, like megablocks' binned gather): the assignments (token, slot, gate) are
// sorted by slot with a stable counting sort that also applies each slot's capacity and yields the
// slot offsets; rows are gathered into that order, run through the grouped matmuls, scaled by their gates
// and scatter-added back to their tokens. Gather and scatter-add are each other's adjoints, so gradients
// reach the experts, the tokens and (through the gates) the router. Everything stays on the device.
import { ops, type Tensor, tensor } from '@unif2ace/tensor';

export interface DispatchPlan {
  /** i32 [A]: assignment ids sorted by slot (kept ones first, dropped ones after offsets[slots]). */
  order: Tensor;
  /** i32 [slots + 1]. */
  offsets: Tensor;
  /** i32 [A]: the token of each sorted row. */
  rowToken: Tensor;
  /** [A]: the gate of each sorted row (differentiable). */
  rowGate: Tensor;
}

/**
 * keys i32 [A] (slot per assignment; negative = handled elsewhere), gates [A], tokenOf[a] (host: the token of
 * assignment a), capacities per slot (-1 unlimited).
 */
export function plan(
  keys: Tensor,
  gates: Tensor,
  tokenOf: Int32Array,
  slots: number,
  capacities: readonly number[],
): DispatchPlan {
  const { order, offsets } = ops.countingSort(keys, slots, { capacity: capacities });
  const rowToken = ops.indexSelect(tensor(tokenOf, [tokenOf.length], { dtype: 'i32' }), 0, order);
  const rowGate = ops.indexSelect(gates, 0, order);
  return { order, offsets, rowToken, rowGate };
}

/** Gather x [T, D] rows into sorted order -> [A, D]. */
export function gatherRows(x: Tensor, p: DispatchPlan): Tensor {
  return ops.indexSelect(x, 0, p.rowToken);
}

/** Scale sorted rows [A, D] by their gates and add them into their tokens -> [T, D]. */
export function combine(rows: Tensor, p: DispatchPlan, T: number): Tensor {
  const [A, D] = rows.shape;
  return ops.indexAdd([T, D], 0, p.rowToken, rows.mul(p.rowGate.reshape([A, 1])));
}
