// Quantizer registry: config kind -> constructor (an explicit map, so an unknown kind names the valid ones).
import type { Quantizer, QuantizerConfig } from '../quantizer.js';
import { FSQ } from './fsq.js';
import { LFQ } from './lfq.js';
import { VectorQuantizerEMA } from './vq-ema.js';

const REGISTRY = new Map<string, (c: QuantizerConfig) => Quantizer>([
  ['fsq', (c) => new FSQ(c as Extract<QuantizerConfig, { kind: 'fsq' }>)],
  ['lfq', (c) => new LFQ(c as Extract<QuantizerConfig, { kind: 'lfq' }>)],
  ['vq-ema', (c) => new VectorQuantizerEMA(c as Extract<QuantizerConfig, { kind: 'vq-ema' }>)],
]);

export function registerQuantizer(kind: string, make: (c: QuantizerConfig) => Quantizer): void {
  REGISTRY.set(kind, make);
}

export function createQuantizer(config: QuantizerConfig): Quantizer {
  const make = REGISTRY.get(config?.kind);
  if (!make)
    throw new RangeError(
      `createQuantizer: unknown kind ${JSON.stringify(config?.kind)}; valid: ${[...REGISTRY.keys()].join(', ')}`,
    );
  return make(config);
}
