// Explicit memory scopes, like tfjs tidy: tensors created inside and not returned are disposed.
// Returned tensors (also inside arrays and plain objects) move to the enclosing scope.
import { engine } from './engine.js';
import { Tensor } from './tensor.js';

function collect(value: unknown, out: Set<Tensor>, depth = 0): void {
  if (depth > 4 || value === null || typeof value !== 'object') return;
  if (value instanceof Tensor) {
    out.add(value);
    return;
  }
  if (Array.isArray(value)) for (const v of value) collect(v, out, depth + 1);
  else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collect(v, out, depth + 1);
  } else if (value instanceof Map) for (const v of value.values()) collect(v, out, depth + 1);
}

function open(name: string) {
  const s = { tensors: new Set<Tensor>(), name };
  engine.scopes.push(s);
  return s;
}

function close(s: { tensors: Set<Tensor>; name: string }, result: unknown): void {
  if (engine.scopes[engine.scopes.length - 1] !== s) {
    throw new Error(`scope '${s.name}' closed out of order: async scopes must not interleave`);
  }
  engine.scopes.pop();
  const keepSet = new Set<Tensor>();
  collect(result, keepSet);
  const parent = engine.scopes[engine.scopes.length - 1];
  for (const t of s.tensors) {
    if (keepSet.has(t) || t.kept) {
      if (parent && !t.kept) parent.tensors.add(t);
    } else if (!t.disposed) t.dispose();
  }
}

/** Synchronous scope (tfjs `tidy`). */
export function tidy<T>(fn: () => T, name = 'tidy'): T {
  const s = open(name);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    close(s, undefined);
    throw e;
  }
  if (result instanceof Promise) {
    close(s, undefined);
    throw new Error('tidy() got an async function: use `await scope(async () => ...)`');
  }
  close(s, result);
  return result;
}

/** Scope that may await inside. Scopes nest; two running concurrently is an error. */
export async function scope<T>(fn: () => T | Promise<T>, name = 'scope'): Promise<T> {
  const s = open(name);
  let result: T;
  try {
    result = await fn();
  } catch (e) {
    close(s, undefined);
    throw e;
  }
  close(s, result);
  return result;
}

/** Exempt a tensor from every enclosing scope; dispose it yourself. */
export function keep<T extends Tensor>(t: T): T {
  t.kept = true;
  return t;
}

export function memoryStats() {
  const b = engine.defaultBackend?.stats() ?? { buffers: 0, bytesInUse: 0, bytesAllocated: 0, pooled: 0 };
  return { liveTensors: engine.liveTensors, ...b };
}
