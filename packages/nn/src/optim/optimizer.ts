// Optimizer base: parameter groups (e.g. no weight decay on norms and biases), per-parameter state
// tensors saved and restored by name, and the step count.
import { type Tensor, tidy } from '@unif2ace/tensor';

export interface ParamGroup {
  params: Tensor[];
  /** Per-group overrides (e.g. weightDecay: 0). */
  weightDecay?: number;
  lr?: number;
}

export abstract class Optimizer {
  readonly groups: ParamGroup[];
  step = 0;
  lr: number;
  /** State tensors per parameter, e.g. { m, v } for AdamW. */
  protected state = new Map<Tensor, Record<string, Tensor>>();

  constructor(params: Tensor[] | ParamGroup[], lr: number) {
    this.groups =
      params.length && !(params as ParamGroup[])[0].params
        ? [{ params: params as Tensor[] }]
        : (params as ParamGroup[]);
    this.lr = lr;
  }

  params(): Tensor[] {
    return this.groups.flatMap((g) => g.params);
  }

  zeroGrad(): void {
    for (const p of this.params()) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  /** Apply one update from the parameters' .grad (those without a grad are skipped). */
  update(): void {
    this.step++;
    tidy(() => {
      for (const g of this.groups) for (const p of g.params) if (p.grad) this.updateOne(p, p.grad, g);
    });
  }

  protected abstract updateOne(p: Tensor, grad: Tensor, group: ParamGroup): void;

  /** State tensors keyed `<paramIndex>.<slot>` (parameter order is the model's, stable across runs). */
  stateTensors(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    this.params().forEach((p, i) => {
      const s = this.state.get(p);
      if (s) for (const [k, t] of Object.entries(s)) out.set(`${i}.${k}`, t);
    });
    return out;
  }

  loadStateTensors(values: Map<string, Tensor>, step: number): void {
    this.step = step;
    this.params().forEach((p, i) => {
      const s = this.ensureState(p);
      for (const [k, t] of Object.entries(s)) {
        const v = values.get(`${i}.${k}`);
        if (!v)
          throw new Error(`optimizer state: missing '${i}.${k}' for parameter ${i} [${p.shape.join(', ')}]`);
        t.copy_(v);
      }
    });
  }

  protected abstract ensureState(p: Tensor): Record<string, Tensor>;

  dispose(): void {
    for (const s of this.state.values()) for (const t of Object.values(s)) t.dispose();
    this.state.clear();
  }
}
