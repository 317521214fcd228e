// Shape arithmetic shared by every op. Errors name the op and the shapes.
export type Shape = readonly number[];

export function numel(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function contiguousStrides(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

export function fmtShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

export function assertShape(shape: Shape, where: string): number[] {
  if (!Array.isArray(shape)) throw new TypeError(`${where}: shape must be an array of integers`);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0)
      throw new RangeError(`${where}: bad dimension ${d} in shape ${fmtShape(shape)}`);
  }
  return [...shape];
}

export function normAxis(axis: number, rank: number, where: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    throw new RangeError(`${where}: axis ${axis} is out of range for rank ${rank}`);
  }
  return a;
}

/** NumPy broadcasting; throws naming the op and both shapes. */
export function broadcastShapes(a: Shape, b: Shape, where: string): number[] {
  const r = Math.max(a.length, b.length);
  const out = new Array<number>(r);
  for (let i = 0; i < r; i++) {
    const da = a[a.length - r + i] ?? 1;
    const db = b[b.length - r + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new RangeError(`${where}: shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides to read a tensor of `shape`/`strides` as if it had `target` shape (0 on broadcast dims). */
export function broadcastStrides(shape: Shape, strides: readonly number[], target: Shape): number[] {
  const off = target.length - shape.length;
  return target.map((d, i) => {
    if (i < off) return 0;
    return shape[i - off] === 1 && d !== 1 ? 0 : strides[i - off];
  });
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
