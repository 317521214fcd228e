// Fused optimizer updates for the nn package. adamwStep matches torch.optim.AdamW (decoupled weight
// decay, bias correction by step, amsgrad off): one dispatch per parameter updates p, m and v in place.
import { noGrad } from '../autograd/tape.js';
import { fmtShape, sameShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { kernel } from './run.js';

/** AdamW's hyperparameters: the one options type (nn's AdamW optimizer takes it too). */
export interface AdamWOptions {
  /** Learning rate; adamwStep requires it, nn's AdamW defaults it to 1e-3. */
  lr?: number;
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.999. */
  beta2?: number;
  /** Default 1e-8. */
  eps?: number;
  /** Decoupled weight decay (p *= 1 - lr * weightDecay); default 0.01 like torch. */
  weightDecay?: number;
}

/** One adamwStep call: the hyperparameters, the learning rate and the step. */
export interface AdamWStepOptions extends AdamWOptions {
  lr: number;
  /** 1-based step count after this update (bias correction uses beta^step). */
  step: number;
}

/** The kernels' scalar attributes; bias corrections are computed here in double precision. */
export function adamwAttrs(o: AdamWStepOptions): Record<string, number> {
  const { lr, step } = o;
  const b1 = o.beta1 ?? 0.9;
  const b2 = o.beta2 ?? 0.999;
  const eps = o.eps ?? 1e-8;
  const wd = o.weightDecay ?? 0.01;
  const bad = (what: string, v: unknown) =>
    new RangeError(`adamwStep: ${what} is invalid (got ${String(v)})`);
  if (!(lr >= 0) || !Number.isFinite(lr)) throw bad('lr (must be finite and >= 0)', lr);
  if (!(b1 >= 0 && b1 < 1)) throw bad('beta1 (must be in [0, 1))', b1);
  if (!(b2 >= 0 && b2 < 1)) throw bad('beta2 (must be in [0, 1))', b2);
  if (!(eps >= 0)) throw bad('eps (must be >= 0)', eps);
  if (!(wd >= 0) || !Number.isFinite(wd)) throw bad('weightDecay (must be finite and >= 0)', wd);
  if (!Number.isInteger(step) || step < 1) throw bad('step (must be an integer >= 1)', step);
  return {
    decay: 1 - lr * wd,
    b1,
    omb1: 1 - b1,
    b2,
    omb2: 1 - b2,
    stepSize: lr / (1 - b1 ** step),
    bc2s: Math.sqrt(1 - b2 ** step),
    eps,
  };
}

/**
 * One AdamW update of every params[i] with grads[i], updating params, m (exp_avg) and v (exp_avg_sq)
 * in place. Params, m and v are f32 (master weights); grads f32 or f16. A null grad skips its
 * parameter (like torch, for parameters that got no gradient). No autograd.
 */
export function adamwStep(
  params: Tensor[],
  grads: (Tensor | null)[],
  m: Tensor[],
  v: Tensor[],
  opts: AdamWStepOptions,
): void {
  if (grads.length !== params.length || m.length !== params.length || v.length !== params.length) {
    throw new RangeError(
      `adamwStep: ${params.length} params but ${grads.length} grads, ${m.length} m, ${v.length} v`,
    );
  }
  const attrs = adamwAttrs(opts);
  params.forEach((p, i) => {
    const g = grads[i];
    if (!g) return;
    const ts = [p, g, m[i], v[i]];
    const names = ['param', 'grad', 'm', 'v'];
    ts.forEach((t, k) => {
      t.live(`adamwStep (${names[k]} ${i})`);
      if (!sameShape(t.shape, p.shape)) {
        throw new RangeError(
          `adamwStep: ${names[k]} ${i} has shape ${fmtShape(t.shape)}, param ${fmtShape(p.shape)}`,
        );
      }
      if (!t.isContiguous())
        throw new TypeError(`adamwStep: ${names[k]} ${i} ${fmtShape(t.shape)} must be contiguous`);
      if (t.dtype !== 'f32' && !(k === 1 && t.dtype === 'f16')) {
        throw new TypeError(
          `adamwStep: ${names[k]} ${i} must be f32${k === 1 ? ' or f16' : ''}, got ${t.dtype}`,
        );
      }
      for (let q = 0; q < k; q++) {
        if (ts[q].storage === t.storage) {
          throw new Error(
            `adamwStep: ${names[k]} ${i} shares storage with ${names[q]} ${i}; in-place update needs separate buffers`,
          );
        }
      }
    });
    noGrad(() => kernel('adamw', ts, attrs));
  });
}
