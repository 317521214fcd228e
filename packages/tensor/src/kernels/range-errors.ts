// The errors for ids and targets out of range, one wording for every backend: the CPU and WASM kernels
// throw them at once, the WebGPU kernels report the bad value through the device check flag
// (backend/webgpu/checks.ts) and the backend throws the same error at the next read-back or sync.

/** 'gather' attrs.op: the op a user called (embedding, indexSelect, gather), named by the error. */
export type GatherOp = 'embedding' | 'indexSelect' | 'gather';

export function indexOutOfRange(
  op: string,
  value: number,
  position: number,
  n: number,
  axis: number,
): RangeError {
  if (op === 'embedding') {
    return new RangeError(
      `embedding: id ${value} at position ${position} is out of range: the table has ${n} rows, valid ids are [0, ${n})`,
    );
  }
  return new RangeError(
    `${op}: index ${value} at position ${position} is out of range for axis ${axis} of size ${n}: valid indices are [0, ${n})`,
  );
}

/** The first entry of `ids` (i32 or u32 values) outside [0, n), as [value, position], or null. */
export function firstOutOfRange(
  ids: ArrayLike<number>,
  offset: number,
  m: number,
  n: number,
): [number, number] | null {
  for (let j = 0; j < m; j++) {
    const v = ids[offset + j];
    if (!(v >= 0 && v < n)) return [v, j];
  }
  return null;
}

export interface TargetRange {
  start: number;
  end: number;
  ignoreIndex: number;
}

export function targetOutOfRange(target: number, row: number, a: TargetRange): RangeError {
  return new RangeError(
    `crossEntropy: target ${target} in row ${row} is outside the classes [${a.start}, ${a.end}) and is not ignoreIndex ${a.ignoreIndex}`,
  );
}
