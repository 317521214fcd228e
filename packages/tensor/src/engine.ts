// Global state: the backends, the default one, memory scopes and the grad switch.
import type { Backend } from './backend/backend.js';
import type { Tensor } from './tensor.js';

interface Scope {
  tensors: Set<Tensor>;
  name: string;
}

class Engine {
  readonly backends = new Map<string, Backend>();
  defaultBackend: Backend | null = null;
  readonly scopes: Scope[] = [];
  gradEnabled = true;
  liveTensors = 0;
  nextId = 1;

  backend(name?: string): Backend {
    if (name) {
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
