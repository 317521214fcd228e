// Rebuilding modules from their toConfig() JSON: an explicit map from class name to the constructor
// arguments it takes and a factory. Unknown classes, versions and keys are errors that list what is valid
// (never silently ignored). A package's own module joins with registerModule().
import type { Module, ModuleConfig } from '../module.js';
import { MultiHeadAttention } from './attention.js';
import { Embedding } from './embedding.js';
import { Conv2d, Dropout, LearnedPositions, MLP, Upsample } from './layers.js';
import { Linear } from './linear.js';
import { GroupNorm, LayerNorm, RMSNorm } from './norm.js';
import { Activation, Sequential } from './sequential.js';

export interface ModuleFactory {
  /** Every key a config of this class may hold besides _class and _version; `required` must be present. */
  keys: readonly string[];
  required: readonly string[];
  build(config: Record<string, unknown>): Module;
}

// biome-ignore lint/suspicious/noExplicitAny: a config's values are checked JSON; each factory reads its own
type C = Record<string, any>;
const MODULES = new Map<string, ModuleFactory>([
  [
    'Linear',
    {
      keys: ['inFeatures', 'outFeatures', 'bias'],
      required: ['inFeatures', 'outFeatures'],
      build: (c: C) => new Linear(c.inFeatures, c.outFeatures, { bias: c.bias }),
    },
  ],
  [
    'Embedding',
    { keys: ['num', 'dim'], required: ['num', 'dim'], build: (c: C) => new Embedding(c.num, c.dim) },
  ],
  [
    'LayerNorm',
    {
      keys: ['dim', 'eps', 'affine', 'bias'],
      required: ['dim'],
      build: (c: C) => new LayerNorm(c.dim, { eps: c.eps, affine: c.affine, bias: c.bias }),
    },
  ],
  [
    'RMSNorm',
    { keys: ['dim', 'eps'], required: ['dim'], build: (c: C) => new RMSNorm(c.dim, { eps: c.eps }) },
  ],
  [
    'GroupNorm',
    {
      keys: ['groups', 'channels', 'eps'],
      required: ['groups', 'channels'],
      build: (c: C) => new GroupNorm(c.groups, c.channels, { eps: c.eps }),
    },
  ],
  [
    'MLP',
    {
      keys: ['dim', 'hidden', 'activation'],
      required: ['dim', 'hidden'],
      build: (c: C) => new MLP(c.dim, c.hidden, { activation: c.activation }),
    },
  ],
  [
    'Conv2d',
    {
      keys: ['inChannels', 'outChannels', 'kernelSize', 'stride', 'padding', 'groups', 'bias'],
      required: ['inChannels', 'outChannels', 'kernelSize'],
      build: (c: C) =>
        new Conv2d(c.inChannels, c.outChannels, c.kernelSize, {
          stride: c.stride,
          padding: c.padding,
          groups: c.groups,
          bias: c.bias,
        }),
    },
  ],
  ['Dropout', { keys: ['p'], required: [], build: (c: C) => new Dropout({ p: c.p }) }],
  ['Upsample', { keys: ['scale'], required: [], build: (c: C) => new Upsample({ scale: c.scale }) }],
  [
    'LearnedPositions',
    {
      keys: ['maxLen', 'dim'],
      required: ['maxLen', 'dim'],
      build: (c: C) => new LearnedPositions(c.maxLen, c.dim),
    },
  ],
  [
    'MultiHeadAttention',
    {
      keys: ['dim', 'heads', 'rotaryDim'],
      required: ['dim', 'heads'],
      build: (c: C) => new MultiHeadAttention(c.dim, c.heads, { rotaryDim: c.rotaryDim }),
    },
  ],
  ['Activation', { keys: ['fn'], required: ['fn'], build: (c: C) => new Activation(c.fn) }],
  [
    'Sequential',
    {
      keys: ['layers'],
      required: ['layers'],
      build: (c: C) => {
        if (!Array.isArray(c.layers))
          throw new Error('moduleFromConfig(Sequential): layers must be an array of configs');
        return new Sequential(...c.layers.map((l: unknown, i: number) => moduleFromConfig(l, `layers.${i}`)));
      },
    },
  ],
]);

/** Makes `moduleFromConfig` rebuild a custom module class from its toConfig(). */
export function registerModule(name: string, factory: ModuleFactory): void {
  if (MODULES.has(name)) throw new Error(`registerModule: '${name}' is already registered`);
  MODULES.set(name, factory);
}

/** A new module (fresh weights) with the architecture `config` describes; load weights with loadModule. */
export function moduleFromConfig(config: unknown, where = 'config'): Module {
  const fail = (why: string): never => {
    throw new Error(`moduleFromConfig: ${where}: ${why}`);
  };
  if (typeof config !== 'object' || config === null || Array.isArray(config)) fail('not an object');
  const c = config as ModuleConfig;
  const factory = MODULES.get(c._class);
  if (!factory) fail(`unknown _class ${JSON.stringify(c._class)} (known: ${[...MODULES.keys()].join(', ')})`);
  const f = factory as ModuleFactory;
  if (c._version !== 1) fail(`${c._class}: _version ${JSON.stringify(c._version)} is not supported (1)`);
  const args = Object.fromEntries(Object.entries(c).filter(([k]) => k !== '_class' && k !== '_version'));
  const unknown = Object.keys(args).filter((k) => !f.keys.includes(k));
  if (unknown.length) fail(`${c._class}: unknown keys ${unknown.join(', ')} (valid: ${f.keys.join(', ')})`);
  const missing = f.required.filter((k) => args[k] === undefined);
  if (missing.length) fail(`${c._class}: missing ${missing.join(', ')}`);
  return f.build(args);
}
