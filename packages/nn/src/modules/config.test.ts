// toConfig() / moduleFromConfig(): every built-in module rebuilds from its JSON with the same architecture
// (state-dict names and shapes, forward shapes), and bad configs fail naming what is wrong.
import { tidy } from '@unif2ace/tensor';
import { checkLeaks, rand } from '@unif2ace/tensor/testing';
import { describe, expect, it } from 'vitest';
import { Module, type ModuleConfig } from '../module.js';
import { MultiHeadAttention, RotaryEmbedding } from './attention.js';
import { Embedding } from './embedding.js';
import { Conv2d, Dropout, LearnedPositions, MLP, Upsample } from './layers.js';
import { Linear } from './linear.js';
import { GroupNorm, LayerNorm, RMSNorm } from './norm.js';
import { moduleFromConfig, registerModule } from './registry.js';
import { Activation, Sequential } from './sequential.js';

checkLeaks();

const shapes = (m: Module) => [...m.stateDict()].map(([k, t]) => `${k} [${t.shape.join(', ')}]`);

const MODULES: [string, () => Module][] = [
  ['Linear', () => new Linear(3, 4, { bias: false })],
  ['Embedding', () => new Embedding(10, 4)],
  ['LayerNorm', () => new LayerNorm(4, { eps: 1e-6, bias: false })],
  ['RMSNorm', () => new RMSNorm(4, { eps: 1e-5 })],
  ['GroupNorm', () => new GroupNorm(2, 4, { eps: 1e-3 })],
  ['MLP', () => new MLP(4, 8, { activation: 'silu' })],
  ['Conv2d', () => new Conv2d(2, 4, 3, { stride: 2, padding: 1 })],
  ['Dropout', () => new Dropout({ p: 0.25 })],
  ['Upsample', () => new Upsample({ scale: 3 })],
  ['LearnedPositions', () => new LearnedPositions(16, 4)],
  ['MultiHeadAttention', () => new MultiHeadAttention(8, 2, { rotaryDim: 2 })],
  ['Activation', () => new Activation('tanh')],
  [
    'Sequential',
    () => new Sequential(new Linear(2, 8), new Activation('gelu'), new LayerNorm(8), new Linear(8, 1)),
  ],
];

describe('toConfig / moduleFromConfig', () => {
  it.each(MODULES)('%s rebuilds from its JSON', (name, make) => {
    const m = make();
    const config = m.toConfig();
    expect(config._class).toBe(name);
    const json = JSON.parse(JSON.stringify(config)) as ModuleConfig;
    const rebuilt = moduleFromConfig(json);
    expect(rebuilt.constructor).toBe(m.constructor);
    expect(rebuilt.toConfig()).toEqual(config);
    expect(shapes(rebuilt)).toEqual(shapes(m));
    m.dispose();
    rebuilt.dispose();
  });

  it('keeps the constructor options: a rebuilt network computes the same shapes', () => {
    const m = new Sequential(new Conv2d(2, 4, 3, { padding: 1 }), new Upsample({ scale: 2 }));
    const r = moduleFromConfig(m.toConfig());
    tidy(() => {
      const x = rand([1, 2, 5, 5], 3);
      expect(r.forward(x).shape).toEqual([1, 4, 10, 10]);
      expect(m.forward(x).shape).toEqual([1, 4, 10, 10]);
    });
    m.dispose();
    r.dispose();
  });

  it('rejects unknown classes, versions and keys, and missing sizes, naming the valid ones', () => {
    expect(() => moduleFromConfig({ _class: 'Linearr', _version: 1 })).toThrow(
      /moduleFromConfig: config: unknown _class "Linearr" \(known: Linear, Embedding, /,
    );
    expect(() => moduleFromConfig({ _class: 'RMSNorm', _version: 2, dim: 4 })).toThrow(
      'moduleFromConfig: config: RMSNorm: _version 2 is not supported (1)',
    );
    expect(() => moduleFromConfig({ _class: 'RMSNorm', _version: 1, dim: 4, epsilon: 1 })).toThrow(
      'moduleFromConfig: config: RMSNorm: unknown keys epsilon (valid: dim, eps)',
    );
    expect(() => moduleFromConfig({ _class: 'Linear', _version: 1, inFeatures: 2 })).toThrow(
      'moduleFromConfig: config: Linear: missing outFeatures',
    );
    expect(() =>
      moduleFromConfig({ _class: 'Sequential', _version: 1, layers: [{ _class: 'Nope', _version: 1 }] }),
    ).toThrow(/moduleFromConfig: layers\.0: unknown _class "Nope"/);
    expect(() => moduleFromConfig([])).toThrow('moduleFromConfig: config: not an object');
  });

  it('a custom module joins with registerModule; without toConfig it says so', () => {
    class Scale extends Module {
      constructor(readonly factor: number) {
        super();
      }
      forward(x: never) {
        return x;
      }
      override toConfig(): ModuleConfig {
        return { _class: 'Scale', _version: 1, factor: this.factor };
      }
    }
    registerModule('Scale', {
      keys: ['factor'],
      required: ['factor'],
      build: (c) => new Scale(c.factor as number),
    });
    expect((moduleFromConfig({ _class: 'Scale', _version: 1, factor: 3 }) as Scale).factor).toBe(3);
    expect(() => registerModule('Scale', { keys: [], required: [], build: () => new Scale(1) })).toThrow(
      "registerModule: 'Scale' is already registered",
    );
    class Bare extends Module {
      forward(x: never) {
        return x;
      }
    }
    expect(() => new Bare().toConfig()).toThrow('Bare.toConfig(): not implemented');
  });

  it('still takes the old positional eps / p / scale / base (deprecated)', () => {
    const n = new RMSNorm(4, 1e-3);
    const g = new GroupNorm(2, 4, 1e-2);
    expect([
      n.eps,
      g.eps,
      new Dropout(0.3).p,
      new Upsample(4).scale,
      new RotaryEmbedding(4, 500).base,
    ]).toEqual([1e-3, 1e-2, 0.3, 4, 500]);
    n.dispose();
    g.dispose();
  });
});
