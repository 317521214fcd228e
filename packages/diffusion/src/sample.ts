// The two sampling pipelines (docs/architecture.md, adding a scheduler): denoiser → processors → scheduler.step, per step. The
// denoiser runs on any backend; its logits come back to the host, where guidance, temperature and every
// random choice happen in f64 from a counter-based Philox stream. So a seed gives the same tokens on the
// CPU, WASM and WebGPU backends, in Node and in browsers (given the same logits).
import { getBackend, ops, type Tensor, tensor } from '@unif2ace/tensor';
import { ClassifierFreeGuidance } from './processors/cfg.js';
import type { LogitsProcessor, ProcessorContext } from './processors/processor.js';
import { Temperature } from './processors/temperature.js';
import { Philox } from './rng.js';
import { MaskGitScheduler, type RevealOrder } from './schedulers/maskgit.js';
import type { Scheduler } from './schedulers/scheduler.js';
import { SeddAbsorbingScheduler, type SeddMethod } from './schedulers/sedd-absorbing.js';
import type { MaskSchedule, ScheduleName } from './schedules.js';

/**
 * A model as the samplers see it: tokens i32 [B, N] (maskId where unknown) → logits [B, N, K] over the
 * K codes. The sampler disposes both the tokens tensor (after the call) and the returned logits.
 */
export type Denoiser = (
  tokens: Tensor,
  info: { step: number; t: number; uncond: boolean },
) => Tensor | Promise<Tensor>;

/** What onStep receives after every step (arrays are the sampler's own copies: keep them if needed). */
export interface SampleState {
  step: number;
  steps: number;
  /** The diffusion time the denoiser saw at this step. */
  t: number;
  /** i32 [B·N] after the step, maskId where still unknown. */
  tokens: Int32Array;
  /** The step's guess of the whole sample (masked positions drawn from their logits). */
  predX0: Int32Array;
}

export interface SampleOptions {
  batch: number;
  length: number;
  codebookSize: number;
  maskId: number;
  steps?: number;
  /** Classifier-free guidance w: (1 + w)·cond - w·uncond; 0 (default) runs no unconditional pass. */
  cfg?: number;
  /** Philox seed of every random choice. Default 0. */
  seed?: number;
  onStep?: (state: SampleState) => void | Promise<void>;
  /** Extra logits processors, applied after guidance and temperature. */
  processors?: LogitsProcessor[];
  /** The backend the tokens tensor is created on. Default: the current default backend. */
  backend?: string;
}

export interface MaskGitSampleOptions extends SampleOptions {
  temperature?: number;
  /** Gumbel noise scale on the confidences, annealed to 0 over the steps. Default 4.5. */
  noise?: number;
  order?: RevealOrder;
  /** Mask schedule gamma (in diffusion time). Default 'cosine'. */
  schedule?: ScheduleName | MaskSchedule;
}

export interface SeddSampleOptions extends SampleOptions {
  /** Default 'log-linear'. */
  schedule?: ScheduleName | MaskSchedule;
  method?: SeddMethod;
}

/** Show-o / MaskGIT sampling: confidence (or random-order) re-masking. Default 18 steps. */
export async function maskgitSample(denoiser: Denoiser, opts: MaskGitSampleOptions): Promise<Int32Array> {
  const scheduler = new MaskGitScheduler({
    ...opts,
    noise: opts.noise ?? 4.5,
    order: opts.order ?? 'confidence',
  });
  const temperature = opts.temperature ?? 1;
  return run('maskgitSample', denoiser, scheduler, opts, opts.steps ?? 18, [new Temperature(temperature)]);
}

/** The reverse absorbing process with the model's scores. Default 64 steps, log-linear schedule. */
export async function seddSample(denoiser: Denoiser, opts: SeddSampleOptions): Promise<Int32Array> {
  const scheduler = new SeddAbsorbingScheduler(opts);
  return run('seddSample', denoiser, scheduler, opts, opts.steps ?? 64, []);
}

async function readLogits(
  where: string,
  out: Tensor,
  B: number,
  N: number,
  K: number,
): Promise<Float32Array> {
  if (!out || typeof out.live !== 'function')
    throw new TypeError(`${where}: the denoiser must return a Tensor of logits [B, N, K]`);
  try {
    out.live(where);
    if (out.rank !== 3 || out.shape[0] !== B || out.shape[1] !== N || out.shape[2] !== K)
      throw new RangeError(
        `${where}: the denoiser returned [${out.shape.join(', ')}], expected logits [${B}, ${N}, ${K}]`,
      );
    if (out.dtype === 'f32') return (await out.data()) as Float32Array;
    if (out.dtype !== 'f16')
      throw new TypeError(`${where}: the denoiser returned ${out.dtype} logits, expected f32 or f16`);
    const f = ops.cast(out, 'f32');
    try {
      return (await f.data()) as Float32Array;
    } finally {
      f.dispose();
    }
  } finally {
    out.dispose();
  }
}

async function run(
  where: string,
  denoiser: Denoiser,
  scheduler: Scheduler & { length: number; codebookSize: number; maskId: number },
  opts: SampleOptions,
  steps: number,
  builtIn: LogitsProcessor[],
): Promise<Int32Array> {
  if (typeof denoiser !== 'function') throw new TypeError(`${where}: denoiser must be a function`);
  const B = opts.batch;
  if (!Number.isInteger(B) || B < 1)
    throw new RangeError(`${where}: batch must be an integer >= 1, got ${String(B)}`);
  const { length: N, codebookSize: K, maskId } = scheduler;
  const cfg = opts.cfg ?? 0;
  const processors = [new ClassifierFreeGuidance(cfg), ...builtIn, ...(opts.processors ?? [])];
  const needsUncond = processors.some((p) => p.needsUncond);
  const rng = new Philox(opts.seed ?? 0);
  const backend = opts.backend ?? getBackend().name;
  scheduler.setTimesteps(steps);
  let sample: Int32Array = new Int32Array(B * N).fill(maskId);
  const logits = new Float64Array(B * N * K);
  const active = new Uint8Array(B * N);
  for (let s = 0; s < steps; s++) {
    const t = scheduler.timesteps[s];
    const call = async (uncond: boolean) => {
      const tokens = tensor(sample, [B, N], { dtype: 'i32', backend });
      let out: Tensor;
      try {
        out = await denoiser(tokens, { step: s, t, uncond });
      } finally {
        tokens.dispose();
      }
      return readLogits(where, out, B, N, K);
    };
    const cond = await call(false);
    const uncond = needsUncond ? await call(true) : null;
    // only masked positions are sampled: copy (and process) just their rows
    for (let i = 0; i < active.length; i++) {
      active[i] = sample[i] === maskId ? 1 : 0;
      if (active[i]) logits.set(cond.subarray(i * K, (i + 1) * K), i * K);
    }
    const ctx: ProcessorContext = { step: s, steps, t, K, active, uncond };
    for (const p of processors) p.apply(logits, ctx);
    // predX0 at every masked position only when someone looks at it (same samples either way)
    const { prevSample, predX0 } = scheduler.step(logits, s, sample, { rng, predX0: !!opts.onStep });
    sample = prevSample;
    if (opts.onStep) await opts.onStep({ step: s, steps, t, tokens: sample.slice(), predX0 });
  }
  return sample;
}
