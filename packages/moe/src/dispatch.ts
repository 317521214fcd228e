// Sparse dispatch (docs/architecture.md, adding an expert, like megablocks' binned gather): the assignments (token-major: every
// token's k routed picks, then its shared experts) are sorted by slot with a stable counting sort that also
// applies each slot's capacity and yields the slot offsets; the rows are gathered into that order, run
// through the grouped matmuls and put back in assignment order, where the gates weight them and each
// token sums its own rows. Both moves are permutations (gather by `order` and its adjoint, a scatter
// where every row has exactly one source), so forward and backward are deterministic on every backend:
// no float atomics ever add two values. Everything stays on the device.
import { ops, type Tensor } from '@unif2ace/tensor';

export interface DispatchPlan {
  /** i32 [A]: assignment ids sorted by slot (kept ones first, dropped ones after offsets[slots]). */
  order: Tensor;
  /** i32 [slots + 1]. */
  offsets: Tensor;
}

/** keys i32 [A] (slot per assignment; negative = handled elsewhere), capacities per slot (-1 unlimited). */
export function plan(keys: Tensor, slots: number, capacities: readonly number[]): DispatchPlan {
  return ops.countingSort(keys, slots, { capacity: capacities });
}

/** x [T, D] repeated `reps` times per token, token-major -> [T · reps, D]. */
export function repeatRows(x: Tensor, reps: number): Tensor {
  const [T, D] = x.shape;
  return x
    .reshape([T, 1, D])
    .expand([T, reps, D])
    .reshape([T * reps, D]);
}

/** Rows in assignment order [A, D] -> sorted by slot. */
export function gatherRows(rows: Tensor, p: DispatchPlan): Tensor {
  return ops.indexSelect(rows, 0, p.order);
}

/** Rows sorted by slot [A, D] -> back in assignment order (dropped assignments' rows are whatever came in). */
export function scatterRows(sorted: Tensor, p: DispatchPlan): Tensor {
  return ops.indexAdd([...sorted.shape], 0, p.order, sorted);
}
