// Mixed precision training: f16 working weights and activations for the forward/backward passes, f32
// master weights for the optimizer, and dynamic loss scaling (like torch.cuda.amp.GradScaler) so small
// f16 gradients do not flush to zero. Overflow is detected on the device; one scalar is read per step.
import { type DType, keep, noGrad, type Tensor, tidy } from '@unif2ace/tensor';
import type { Module } from '../module.js';
import type { Optimizer } from './optimizer.js';

export type Precision = 'f32' | 'f16';

export interface MixedPrecisionOptions {
  /** Default 'f16'. Falls back to 'f32' (see `fallbackReason`) where the adapter lacks shader-f16. */
  precision?: Precision;
  /** Throw instead of falling back to f32 when f16 is not supported. */
  strict?: boolean;
  /** Dynamic loss scaling; default on for f16, off for f32. */
  lossScaling?: boolean;
  /** Default 2^16 (torch's GradScaler). */
  initScale?: number;
  /** Scale *= growthFactor after growthInterval overflow-free steps (default 2, 2000). */
  growthFactor?: number;
  growthInterval?: number;
  /** Scale *= backoffFactor on overflow (default 0.5). */
  backoffFactor?: number;
}

/** Why `t`'s backend cannot hold f16 tensors, or null when it can. */
export function f16Unsupported(t: Tensor): string | null {
  const be = t.backend as { name: string; hasF16?: boolean };
  if (be.name === 'cpu' || be.hasF16 === true) return null;
  if (be.name === 'webgpu') return 'the WebGPU adapter lacks the shader-f16 feature (e.g. SwiftShader)';
  return `the ${be.name} backend has no f16 support`;
}

export class MixedPrecision {
  /** The precision in use (f32 after a fallback). */
  readonly precision: Precision;
  readonly dtype: DType;
  /** Set when f16 was asked for but is unsupported; also logged once with console.warn. */
  readonly fallbackReason: string | null = null;
  readonly lossScaling: boolean;
  scale: number;
  /** Overflow-free steps since the scale last changed, and steps skipped for overflow in total. */
  goodSteps = 0;
  skippedSteps = 0;
  private readonly master: [string, Tensor][];
  private readonly working: Tensor[];
  private readonly growthFactor: number;
  private readonly growthInterval: number;
  private readonly backoffFactor: number;

  /** Converts `model`'s parameters to working copies in place (f16 mode); give the optimizer `parameters()`. */
  constructor(
    readonly model: Module,
    opts: MixedPrecisionOptions = {},
  ) {
    const named = [...model.namedParameters()];
    let precision = opts.precision ?? 'f16';
    if (precision !== 'f16' && precision !== 'f32') {
      throw new RangeError(`MixedPrecision: precision must be 'f32' or 'f16', got '${String(precision)}'`);
    }
    const why = precision === 'f16' && named.length ? f16Unsupported(named[0][1]) : null;
    if (why) {
      const msg = `MixedPrecision: precision 'f16' is unavailable because ${why}`;
      if (opts.strict) throw new Error(`${msg}; pass precision: 'f32' or drop strict to fall back`);
      this.fallbackReason = why;
      console.warn(`${msg}; training in f32 instead`);
      precision = 'f32';
    }
    this.precision = precision;
    this.dtype = precision;
    this.lossScaling = opts.lossScaling ?? precision === 'f16';
    this.scale = this.lossScaling ? (opts.initScale ?? 2 ** 16) : 1;
    this.growthFactor = opts.growthFactor ?? 2;
    this.growthInterval = opts.growthInterval ?? 2000;
    this.backoffFactor = opts.backoffFactor ?? 0.5;
    if (
      !(this.scale > 0) ||
      !(this.growthFactor >= 1) ||
      !(this.backoffFactor > 0 && this.backoffFactor < 1)
    ) {
      throw new RangeError(
        `MixedPrecision: need initScale > 0, growthFactor >= 1, 0 < backoffFactor < 1 (got ${this.scale}, ${this.growthFactor}, ${this.backoffFactor})`,
      );
    }
    for (const [name, p] of named) {
      if (p.dtype !== 'f32')
        throw new TypeError(`MixedPrecision: parameter '${name}' must be f32, got ${p.dtype}`);
    }
    this.master = named;
    if (precision === 'f16') {
      model.replaceParameters((_, p) => noGrad(() => p.cast('f16')));
      for (const [, p] of named) p.requiresGrad_(false);
    }
    this.working = model.parameters();
  }

  /** The f32 master weights, for the optimizer (the model's own parameters in f32 mode). */
  parameters(): Tensor[] {
    return this.master.map(([, p]) => p);
  }

  /** Master weights by the model's parameter names, e.g. for decayGroups or saving. */
  namedParameters(): [string, Tensor][] {
    return [...this.master];
  }

  /** Cast a floating input to the working dtype (a new tensor, or x itself when it already matches). */
  cast(x: Tensor): Tensor {
    return x.dtype === this.dtype || (x.dtype !== 'f32' && x.dtype !== 'f16') ? x : x.cast(this.dtype);
  }

  /** Back-propagate loss * scale (the loss is taken to f32 first). */
  backward(loss: Tensor): void {
    tidy(() => {
      const l = loss.dtype === 'f32' ? loss : loss.cast('f32');
      (this.scale === 1 ? l : l.mul(this.scale)).backward();
    });
  }

  /**
   * Unscale the working gradients into f32 master gradients; with loss scaling, check them for inf/NaN
   * (one scalar readback) and on overflow skip the update and back off the scale. Otherwise run
   * `opt.update()` and copy the master weights back into the working ones. Clears all gradients.
   * Resolves true when the update was applied.
   */
  async step(opt: Optimizer, { beforeUpdate }: { beforeUpdate?: () => void } = {}): Promise<boolean> {
    const check = this.moveGrads();
    let finite = true;
    if (check) {
      const total = await check.item();
      check.dispose();
      finite = Number.isFinite(total);
    }
    if (!finite) {
      this.skippedSteps++;
      this.goodSteps = 0;
      this.scale *= this.backoffFactor;
      opt.zeroGrad();
      return false;
    }
    beforeUpdate?.();
    opt.update();
    opt.zeroGrad();
    this.syncWorking();
    if (this.lossScaling && ++this.goodSteps >= this.growthInterval) {
      this.scale *= this.growthFactor;
      this.goodSteps = 0;
    }
    return true;
  }

  /** Master grads = working grads / scale, in f32; returns sum |grad| (inf/NaN on overflow) when scaling. */
  private moveGrads(): Tensor | null {
    if (this.precision === 'f32' && !this.lossScaling) return null; // grads are already where they belong
    const inv = 1 / this.scale;
    return tidy(() => {
      let total: Tensor | null = null;
      for (let i = 0; i < this.working.length; i++) {
        const w = this.working[i];
        const g = w.grad;
        if (!g) continue;
        const m = this.master[i][1];
        const g32 = noGrad(() => (g.dtype === 'f32' ? g : g.cast('f32')).mul(inv));
        if (this.lossScaling) {
          const s = g32.abs().sum();
          total = total ? total.add(s) : s;
        }
        w.grad = null;
        g.dispose();
        m.grad?.dispose();
        m.grad = keep(g32);
      }
      return total;
    });
  }

  /** Scaler state for checkpoints (restore with `loadState`). */
  state(): { scale: number; goodSteps: number; skippedSteps: number } {
    return { scale: this.scale, goodSteps: this.goodSteps, skippedSteps: this.skippedSteps };
  }

  loadState(s: { scale: number; goodSteps: number; skippedSteps?: number }): void {
    if (!(s.scale > 0)) throw new RangeError(`MixedPrecision.loadState: bad scale ${s.scale}`);
    this.scale = s.scale;
    this.goodSteps = s.goodSteps;
    this.skippedSteps = s.skippedSteps ?? 0;
  }

  /** Copy the master weights into the working ones (after loading master weights from a checkpoint). */
  syncWorking(): void {
    if (this.precision !== 'f16') return;
    tidy(() => {
      for (let i = 0; i < this.master.length; i++) this.working[i].copy_(this.master[i][1].cast('f16'));
    });
  }

  /** Dispose the master copies (f16 mode; the model owns its working weights). */
  dispose(): void {
    if (this.precision !== 'f16') return;
    for (const [, m] of this.master) {
      m.grad?.dispose();
      m.dispose();
    }
  }
}
