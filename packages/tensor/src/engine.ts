// Global state: the backends, the default one, memory scopes and the grad switch.
import type { Backend } from './backend/backend.js';
import type { Tensor } from './tensor.js';

interface Scope {
  tensors: Set<Tensor>;
  name: string;
}

/** Every backend name the package knows; anything else is a typo worth an error (e.g. 'cuda', 'WebGPU'). */
export const BACKEND_NAMES = ['webgpu', 'wasm', 'cpu'] as const;

/** Throws naming the valid backends when `name` is not one of them; `where` says who asked. */
export function checkBackendName(name: unknown, where: string, extra: readonly string[] = []): void {
  const valid: readonly unknown[] = [...BACKEND_NAMES, ...extra];
  if (valid.includes(name)) return;
  const list = valid.map((v) => `'${v}'`).join(', ');
  throw new Error(`${where}: unknown backend ${JSON.stringify(name)} (valid: ${list})`);
}

class Engine {
  readonly backends = new Map<string, Backend>();
  defaultBackend: Backend | null = null;
  readonly scopes: Scope[] = [];
  gradEnabled = true;
  liveTensors = 0;
  nextId = 1;

  backend(name?: string): Backend {
    if (name !== undefined) {
      checkBackendName(name, 'backend');
      const b = this.backends.get(name);
      if (!b)
        throw new Error(`backend '${name}' is not initialised (call init({ backend: '${name}' }) first)`);
      return b;
    }
    if (!this.defaultBackend) throw new Error('no backend: call `await init()` before creating tensors');
    return this.defaultBackend;
  }

  track(t: Tensor): void {
    this.liveTensors++;
    const s = this.scopes[this.scopes.length - 1];
    if (s) s.tensors.add(t);
  }

  untrack(t: Tensor): void {
    this.liveTensors--;
    for (let i = this.scopes.length - 1; i >= 0; i--) if (this.scopes[i].tensors.delete(t)) break;
  }
}

export const engine = new Engine();
