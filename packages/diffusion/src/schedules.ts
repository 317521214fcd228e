// Mask schedules of the absorbing process (docs/architecture.md, D3Diff) and the small shared math every scheduler and
// loss uses. In diffusion time t ∈ [0, 1] a token is masked with probability m(t) (m(0) = 0, m rising);
// the process's cumulative rate is sigmaBar(t) = -log(1 - m(t)) and its rate sigmaBar'(t).
// The score-entropy weight sigma'(t)·r(t), r = 1 / (e^sigmaBar - 1), equals m'(t) / m(t) for every
// schedule: weight() computes it that way, in f64, with t clamped to [tMin, 1].
// MaskGIT's gamma(u) = cos(pi u / 2) is the cosine schedule at t = 1 - u.

export type ScheduleName = 'cosine' | 'linear' | 'log-linear';

export interface ScheduleOptions {
  /** weight() and the loss terms use max(t, tMin): w(t) grows like 1/t near 0. Default 1e-3. */
  tMin?: number;
}

export interface MaskSchedule {
  readonly name: ScheduleName;
  readonly tMin: number;
  /** m(t): the probability that a token is masked at time t. */
  maskProb(t: number): number;
  /** m'(t). */
  maskProbRate(t: number): number;
  /** sigmaBar(t) = -log(1 - m(t)) (Infinity where m = 1). */
  sigmaBar(t: number): number;
  /** sigmaBar'(t) = m'(t) / (1 - m(t)) (Infinity where m = 1). */
  rate(t: number): number;
  /** r(t) = 1 / (e^sigmaBar - 1) = (1 - m) / m: the absorbing score's time factor, at max(t, tMin). */
  ratio(t: number): number;
  /** w(t) = m'(t) / m(t) at max(t, tMin): the RADD weight of the time-weighted cross-entropy. */
  weight(t: number): number;
  toConfig(): ScheduleConfig;
}

export interface ScheduleConfig {
  _class: ScheduleName;
  _version: 1;
  tMin: number;
  eps?: number;
}

function checkT(t: number, where: string): number {
  if (typeof t !== 'number' || !(t >= 0 && t <= 1))
    throw new RangeError(`${where}: t must be a number in [0, 1], got ${String(t)}`);
  return t;
}

abstract class BaseSchedule implements MaskSchedule {
  abstract readonly name: ScheduleName;
  readonly tMin: number;
  constructor(opts: ScheduleOptions = {}) {
    const tMin = opts.tMin ?? 1e-3;
    if (!(tMin > 0 && tMin < 1)) throw new RangeError(`schedule: tMin must be in (0, 1), got ${tMin}`);
    this.tMin = tMin;
  }
  protected abstract m(t: number): number;
  protected abstract dm(t: number): number;
  maskProb(t: number): number {
    return this.m(checkT(t, `${this.name}.maskProb`));
  }
  maskProbRate(t: number): number {
    return this.dm(checkT(t, `${this.name}.maskProbRate`));
  }
  sigmaBar(t: number): number {
    return -Math.log1p(-this.m(checkT(t, `${this.name}.sigmaBar`)));
  }
  rate(t: number): number {
    checkT(t, `${this.name}.rate`);
    return this.dm(t) / (1 - this.m(t));
  }
  ratio(t: number): number {
    const tc = Math.max(checkT(t, `${this.name}.ratio`), this.tMin);
    const m = this.m(tc);
    return (1 - m) / m;
  }
  weight(t: number): number {
    const tc = Math.max(checkT(t, `${this.name}.weight`), this.tMin);
    return this.dm(tc) / this.m(tc);
  }
  toConfig(): ScheduleConfig {
    return { _class: this.name, _version: 1, tMin: this.tMin };
  }
}

/** m(t) = sin(pi t / 2) (MaskGIT / Show-o's cos(pi u / 2) at u = 1 - t); w(t) = (pi/2) cot(pi t / 2). */
export class CosineSchedule extends BaseSchedule {
  readonly name = 'cosine' as const;
  protected m(t: number): number {
    return t === 1 ? 1 : Math.sin((Math.PI / 2) * t);
  }
  protected dm(t: number): number {
    return t === 1 ? 0 : (Math.PI / 2) * Math.cos((Math.PI / 2) * t);
  }
}

/** m(t) = t; w(t) = 1 / t. */
export class LinearSchedule extends BaseSchedule {
  readonly name = 'linear' as const;
  protected m(t: number): number {
    return t;
  }
  protected dm(_t: number): number {
    return 1;
  }
}

/** SEDD's log-linear noise: sigmaBar(t) = -log(1 - (1 - eps) t), so m(t) = (1 - eps) t; w(t) = 1 / t. */
export class LogLinearSchedule extends BaseSchedule {
  readonly name = 'log-linear' as const;
  readonly eps: number;
  constructor(opts: ScheduleOptions & { eps?: number } = {}) {
    super(opts);
    const eps = opts.eps ?? 1e-3;
    if (!(eps >= 0 && eps < 1)) throw new RangeError(`log-linear: eps must be in [0, 1), got ${eps}`);
    this.eps = eps;
  }
  protected m(t: number): number {
    return (1 - this.eps) * t;
  }
  protected dm(_t: number): number {
    return 1 - this.eps;
  }
  override toConfig(): ScheduleConfig {
    return { ...super.toConfig(), eps: this.eps };
  }
}

const FACTORIES: ReadonlyMap<ScheduleName, (o: ScheduleOptions & { eps?: number }) => MaskSchedule> = new Map<
  ScheduleName,
  (o: ScheduleOptions & { eps?: number }) => MaskSchedule
>([
  ['cosine', (o) => new CosineSchedule(o)],
  ['linear', (o) => new LinearSchedule(o)],
  ['log-linear', (o) => new LogLinearSchedule(o)],
]);

/** A schedule by name (with options), or the schedule itself. */
export function getSchedule(
  s: ScheduleName | MaskSchedule = 'cosine',
  opts: ScheduleOptions = {},
): MaskSchedule {
  if (typeof s !== 'string') return s;
  const f = FACTORIES.get(s);
  if (!f) throw new RangeError(`unknown schedule '${s}' (known: ${[...FACTORIES.keys()].join(', ')})`);
  return f(opts);
}

/** Rebuild a schedule from toConfig(); unknown keys are an error naming the valid ones. */
export function scheduleFromConfig(c: ScheduleConfig): MaskSchedule {
  const valid = ['_class', '_version', 'tMin', ...(c?._class === 'log-linear' ? ['eps'] : [])];
  const bad = Object.keys(c ?? {}).filter((k) => !valid.includes(k));
  if (bad.length)
    throw new RangeError(`scheduleFromConfig: unknown key(s) ${bad.join(', ')} (valid: ${valid.join(', ')})`);
  if (c._version !== 1)
    throw new RangeError(`scheduleFromConfig: unsupported _version ${String(c._version)}`);
  return getSchedule(c._class, c);
}

/**
 * How many of `n` tokens to mask at ratio m: ceil(m·n) in [1, n]. A relative slack of 1e-9 keeps
 * rounding (sin(pi/6)·6 = 3.0000000000000004) from adding a token.
 */
export function maskCount(m: number, n: number): number {
  return Math.min(n, Math.max(1, Math.ceil(m * n - 1e-9 * n)));
}

/**
 * The `k` positions of `scores` (length n) with the lowest scores, ties to the lower index, as a 0/1
 * array: MaskGIT's "keep the least confident masked" and maskTokens' random subset both use it.
 */
export function lowestK(scores: Float64Array, k: number, out = new Uint8Array(scores.length)): Uint8Array {
  const n = scores.length;
  out.fill(0);
  if (k <= 0) return out;
  if (k >= n) return out.fill(1);
  // the k-th smallest value by a native numeric sort, then everything below it and, in index order,
  // as many equal to it as are still needed
  const sorted = scores.slice().sort();
  const cut = sorted[k - 1];
  let left = k;
  for (let i = 0; i < n; i++) {
    if (scores[i] < cut) {
      out[i] = 1;
      left--;
    }
  }
  for (let i = 0; i < n && left > 0; i++) {
    if (scores[i] === cut) {
      out[i] = 1;
      left--;
    }
  }
  return out;
}

/** Standard Gumbel noise from a uniform on (0, 1). */
export const gumbelOf = (u: number): number => -Math.log(-Math.log(u));

let scratch = new Float64Array(0);

/**
 * Inverse-CDF draw from softmax(logits[off .. off + K)) with a uniform u on (0, 1), in f64 (one exp per
 * code). Returns the code and its log-probability; id -1 when the row has no finite maximum.
 */
export function sampleLogits(
  logits: ArrayLike<number>,
  off: number,
  K: number,
  u: number,
): { id: number; logp: number } {
  let mx = -Infinity;
  for (let k = 0; k < K; k++) if (logits[off + k] > mx) mx = logits[off + k];
  if (!(mx > -Infinity) || mx === Infinity) return { id: -1, logp: Number.NaN };
  if (scratch.length < K) scratch = new Float64Array(K);
  const e = scratch;
  let z = 0;
  for (let k = 0; k < K; k++) {
    e[k] = Math.exp(logits[off + k] - mx);
    z += e[k];
  }
  const target = u * z;
  let acc = 0;
  let id = -1;
  for (let k = 0; k < K; k++) {
    if (e[k] === 0) continue;
    id = k; // the last positive-weight code catches rounding at the top of the CDF
    acc += e[k];
    if (acc > target) break;
  }
  return { id, logp: logits[off + id] - mx - Math.log(z) };
}
