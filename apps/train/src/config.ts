// The training config (configs/*.json): one JSON file that says what data, tokenizers, model and schedule a
// run uses. Every field is checked against a small schema with errors naming the file and the field
// (unknown keys list the valid ones); omitted fields take the defaults below.
import { readFileSync } from 'node:fs';
import { PRESETS, type UniF2aceConfig, validateConfig } from '@unif2ace/model';

export type Objective = 'd3diff' | 'mask' | 'score';

export interface DataConfig {
  /** Faces to render (all splits together; about 92 % land in train) when no --data folder is given. */
  faces: number;
  /** Image size in pixels (must match the image tokenizer's). */
  size: number;
  /** Base seed of the rendered dataset. */
  seed: number;
  shardSize: number;
  /** Render worker threads (0: in the main thread). */
  workers: number;
  /** Validation faces used for the in-training VQA accuracy and sample prompts. */
  validation: number;
}

export interface TextTokenizerConfig {
  vocabSize: number;
  minFrequency: number;
}

export interface ShippedImageTokenizer {
  source: 'shipped';
}

export interface TrainedImageTokenizer {
  source: 'train';
  steps: number;
  batch: number;
  lr: number;
  /** vq's CodecConfig without imageSize (taken from data.size). */
  codec: {
    patchSize: number;
    channels: number;
    channelMult: number[];
    resBlocks: number;
    groups: number;
    latentChannels: number;
  };
  /** FSQ levels (the quantizer a short run trains reliably); latentChannels = levels.length. */
  levels: number[];
}

export type ImageTokenizerConfig = ShippedImageTokenizer | TrainedImageTokenizer;

export interface OptimConfig {
  steps: number;
  /** Sequences per optimizer step (all micro-batches together). */
  batch: number;
  /** Fraction of each batch that is text-to-image; the rest is understanding (VQA and captioning). */
  t2iFraction: number;
  /** Fraction of the understanding examples that are captions ("Describe this face in detail."). */
  captionFraction: number;
  /** Micro-batches per step (gradient accumulation); batch must be a multiple. */
  accumulate: number;
  lr: number;
  minLr: number;
  warmup: number;
  weightDecay: number;
  beta1: number;
  beta2: number;
  clip: number;
  seed: number;
  objective: Objective;
  /** D3Diff weight of the score-entropy term. */
  alpha: number;
  /** Classifier-free guidance: probability of training a T2I example on the empty caption. */
  cfgDropout: number;
}

export interface LogConfig {
  /** Metrics row and progress line every this many steps. */
  every: number;
  checkpointEvery: number;
  keepLast: number;
  /** Sample grid, VQA accuracy, loss curve and routing heatmap every this many steps (0: only at the end). */
  sampleEvery: number;
  samplePrompts: number;
  sampleSteps: number;
  sampleCfg: number;
  /** Validation questions for the periodic VQA accuracy. */
  vqaQuestions: number;
}

export interface RuntimeConfig {
  backend: 'auto' | 'wasm' | 'webgpu' | 'cpu';
  /** WASM worker threads (0: the backend's default). */
  threads: number;
}

export interface TrainConfig {
  /** A preset name of @unif2ace/model (nano, small, base) or a full UniF2aceConfig object. */
  model: string | Record<string, unknown>;
  data: DataConfig;
  textTokenizer: TextTokenizerConfig;
  imageTokenizer: ImageTokenizerConfig;
  train: OptimConfig;
  log: LogConfig;
  runtime: RuntimeConfig;
}

export const DEFAULTS: Omit<TrainConfig, 'model' | 'imageTokenizer'> & {
  imageTokenizer: ShippedImageTokenizer;
} = {
  data: { faces: 8000, size: 64, seed: 0, shardSize: 1000, workers: 2, validation: 32 },
  textTokenizer: { vocabSize: 1000, minFrequency: 2 },
  imageTokenizer: { source: 'shipped' },
  train: {
    steps: 2000,
    batch: 16,
    t2iFraction: 0.5,
    captionFraction: 0.2,
    accumulate: 1,
    lr: 1e-3,
    minLr: 1e-4,
    warmup: 100,
    weightDecay: 0.01,
    beta1: 0.9,
    beta2: 0.999,
    clip: 1,
    seed: 0,
    objective: 'd3diff',
    alpha: 0.01,
    cfgDropout: 0.1,
  },
  log: {
    every: 10,
    checkpointEvery: 50,
    keepLast: 3,
    sampleEvery: 500,
    samplePrompts: 8,
    sampleSteps: 18,
    sampleCfg: 3,
    vqaQuestions: 64,
  },
  runtime: { backend: 'auto', threads: 0 },
};

const TRAINED_TOKENIZER_DEFAULTS: Omit<TrainedImageTokenizer, 'source'> = {
  steps: 60,
  batch: 8,
  lr: 0.003,
  codec: { patchSize: 2, channels: 8, channelMult: [1, 2], resBlocks: 0, groups: 4, latentChannels: 2 },
  levels: [4, 4],
};

/** A config file error: the message names the file and the field. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Spec =
  | { kind: 'int'; min: number; max?: number }
  | { kind: 'num'; min: number; max?: number; minExclusive?: boolean }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'ints'; min: number; max?: number; minLength: number }
  | { kind: 'object'; fields: Record<string, Spec> };

const int = (min: number, max?: number): Spec => ({ kind: 'int', min, max });
const num = (min: number, max?: number, minExclusive = false): Spec => ({
  kind: 'num',
  min,
  max,
  minExclusive,
});
const oneOf = (...values: string[]): Spec => ({ kind: 'enum', values });
const obj = (fields: Record<string, Spec>): Spec => ({ kind: 'object', fields });

const SCHEMA = {
  data: obj({
    faces: int(1),
    size: int(16, 1024),
    seed: int(0, 0xffffffff),
    shardSize: int(1),
    workers: int(0, 64),
    validation: int(1),
  }),
  textTokenizer: obj({ vocabSize: int(257, 65536), minFrequency: int(1) }),
  train: obj({
    steps: int(1),
    batch: int(1),
    t2iFraction: num(0, 1),
    captionFraction: num(0, 1),
    accumulate: int(1),
    lr: num(0, undefined, true),
    minLr: num(0),
    warmup: int(0),
    weightDecay: num(0),
    beta1: num(0, 1),
    beta2: num(0, 1),
    clip: num(0),
    seed: int(0, 0xffffffff),
    objective: oneOf('d3diff', 'mask', 'score'),
    alpha: num(0),
    cfgDropout: num(0, 1),
  }),
  log: obj({
    every: int(1),
    checkpointEvery: int(1),
    keepLast: int(1),
    sampleEvery: int(0),
    samplePrompts: int(1, 64),
    sampleSteps: int(1, 256),
    sampleCfg: num(0),
    vqaQuestions: int(1),
  }),
  runtime: obj({ backend: oneOf('auto', 'wasm', 'webgpu', 'cpu'), threads: int(0, 64) }),
} satisfies Record<string, Spec>;

const TRAINED_TOKENIZER_SCHEMA = obj({
  source: oneOf('train'),
  steps: int(1),
  batch: int(1),
  lr: num(0, undefined, true),
  codec: obj({
    patchSize: int(1, 8),
    channels: int(1),
    channelMult: { kind: 'ints', min: 1, minLength: 1 },
    resBlocks: int(0),
    groups: int(1),
    latentChannels: int(1),
  }),
  levels: { kind: 'ints', min: 2, max: 256, minLength: 1 },
});

const show = (v: unknown) => (v === undefined ? 'nothing' : JSON.stringify(v));

function check(spec: Spec, v: unknown, path: string, where: string, defaults: unknown): unknown {
  const fail = (msg: string): never => {
    throw new ConfigError(`${where}: ${path} ${msg}, got ${show(v)}`);
  };
  switch (spec.kind) {
    case 'int':
      if (typeof v !== 'number' || !Number.isInteger(v)) fail('must be an integer');
      if ((v as number) < spec.min || (spec.max !== undefined && (v as number) > spec.max))
        fail(spec.max === undefined ? `must be >= ${spec.min}` : `must be in [${spec.min}, ${spec.max}]`);
      return v;
    case 'num': {
      if (typeof v !== 'number' || !Number.isFinite(v)) fail('must be a finite number');
      const n = v as number;
      if (spec.minExclusive ? n <= spec.min : n < spec.min)
        fail(`must be ${spec.minExclusive ? '>' : '>='} ${spec.min}`);
      if (spec.max !== undefined && n > spec.max) fail(`must be <= ${spec.max}`);
      return v;
    }
    case 'enum':
      if (typeof v !== 'string' || !spec.values.includes(v)) fail(`must be one of ${spec.values.join(', ')}`);
      return v;
    case 'ints':
      if (!Array.isArray(v) || v.length < spec.minLength)
        fail(`must be an array of at least ${spec.minLength} integers`);
      (v as unknown[]).forEach((x, i) => {
        check({ kind: 'int', min: spec.min, max: spec.max }, x, `${path}[${i}]`, where, undefined);
      });
      return [...(v as number[])];
    case 'object': {
      if (!v || typeof v !== 'object' || Array.isArray(v)) fail('must be a JSON object');
      const o = v as Record<string, unknown>;
      const keys = Object.keys(spec.fields);
      for (const k of Object.keys(o))
        if (!keys.includes(k))
          throw new ConfigError(`${where}: unknown key '${path}.${k}'; valid: ${keys.join(', ')}`);
      const d = (defaults ?? {}) as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const k of keys) {
        if (k in o) out[k] = check(spec.fields[k], o[k], `${path}.${k}`, where, d[k]);
        else if (k in d) out[k] = structuredClone(d[k]);
        else throw new ConfigError(`${where}: missing key '${path}.${k}'`);
      }
      return out;
    }
  }
}

const TOP_KEYS = [
  '$schema',
  'description',
  'model',
  'data',
  'textTokenizer',
  'imageTokenizer',
  'train',
  'log',
  'runtime',
];

/** Checks a parsed training config and fills in the defaults; `where` names it in errors (the file). */
export function validateTrainConfig(raw: unknown, where = 'config'): TrainConfig {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new ConfigError(`${where}: the config must be a JSON object, got ${show(raw)}`);
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (!TOP_KEYS.includes(k))
      throw new ConfigError(`${where}: unknown key '${k}'; valid: ${TOP_KEYS.join(', ')}`);
  if (!('model' in o))
    throw new ConfigError(
      `${where}: missing key 'model' (a preset name such as "nano", or a model config object)`,
    );
  const model = o.model;
  if (typeof model !== 'string' && (!model || typeof model !== 'object' || Array.isArray(model)))
    throw new ConfigError(`${where}: model must be a preset name or a JSON object, got ${show(model)}`);
  const out = { model } as TrainConfig;
  for (const [k, spec] of Object.entries(SCHEMA) as [keyof typeof SCHEMA, Spec][])
    (out as unknown as Record<string, unknown>)[k] = check(spec, o[k] ?? {}, k, where, DEFAULTS[k]);

  const it = o.imageTokenizer ?? DEFAULTS.imageTokenizer;
  if (!it || typeof it !== 'object' || Array.isArray(it))
    throw new ConfigError(`${where}: imageTokenizer must be a JSON object, got ${show(it)}`);
  const source = (it as Record<string, unknown>).source;
  if (source === 'shipped') {
    const extra = Object.keys(it).filter((k) => k !== 'source');
    if (extra.length)
      throw new ConfigError(
        `${where}: unknown key 'imageTokenizer.${extra[0]}' (a shipped tokenizer takes only 'source')`,
      );
    out.imageTokenizer = { source: 'shipped' };
  } else if (source === 'train') {
    out.imageTokenizer = check(TRAINED_TOKENIZER_SCHEMA, it, 'imageTokenizer', where, {
      ...TRAINED_TOKENIZER_DEFAULTS,
      source: 'train',
    }) as TrainedImageTokenizer;
    const t = out.imageTokenizer;
    if (t.codec.latentChannels !== t.levels.length)
      throw new ConfigError(
        `${where}: imageTokenizer.codec.latentChannels (${t.codec.latentChannels}) must equal the number of FSQ levels (${t.levels.length})`,
      );
  } else {
    throw new ConfigError(
      `${where}: imageTokenizer.source must be one of shipped, train, got ${show(source)}`,
    );
  }

  const t = out.train;
  if (t.batch % t.accumulate !== 0)
    throw new ConfigError(
      `${where}: train.batch (${t.batch}) must be a multiple of train.accumulate (${t.accumulate})`,
    );
  if (t.minLr > t.lr)
    throw new ConfigError(`${where}: train.minLr (${t.minLr}) must be <= train.lr (${t.lr})`);
  if (t.warmup >= t.steps && t.steps > 1)
    throw new ConfigError(`${where}: train.warmup (${t.warmup}) must be below train.steps (${t.steps})`);
  return out;
}

/** Reads and validates a config file; errors name the file. */
export function loadTrainConfig(path: string): TrainConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(
      `${path}: cannot read the config (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  return validateTrainConfig(raw, path);
}

/** Per-micro-batch counts of T2I, VQA and caption examples (each at least 0, summing to batch / accumulate). */
export function microBatchMix(t: OptimConfig): { t2i: number; vqa: number; caption: number } {
  const micro = t.batch / t.accumulate;
  const t2i = Math.round(micro * t.t2iFraction);
  const mmu = micro - t2i;
  const caption = Math.round(mmu * t.captionFraction);
  return { t2i, vqa: mmu - caption, caption };
}

/** The model architecture a training config names (a preset) or holds. */
export function resolveModelConfig(
  model: TrainConfig['model'],
  where: string,
  presets = PRESETS,
): UniF2aceConfig {
  if (typeof model === 'string') {
    const p = (presets as Record<string, UniF2aceConfig>)[model];
    if (!p)
      throw new ConfigError(
        `${where}: model: unknown preset '${model}'; valid: ${Object.keys(presets).join(', ')}`,
      );
    return structuredClone(p);
  }
  try {
    return validateConfig(model, `${where}: model`);
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
}
