// Weight initialisation on the host from a seeded generator (init runs once; reproducible anywhere).
import { Rng } from '@unif2ace/common';
import { type Tensor, tensor } from '@unif2ace/tensor';

/** The project's Rng (@unif2ace/common) with nn's seeding: seed 0 starts from the golden-ratio constant. */
export class InitRng extends Rng {
  constructor(seed = 0) {
    super(seed >>> 0 || 0x9e3779b9);
  }
}

let global = new InitRng(0);
/** Seed the generator used by module constructors that are not given one. */
export function seedInit(seed: number): void {
  global = new InitRng(seed);
}
export const initRng = () => global;

export type InitScheme =
  | { kind: 'normal'; std: number }
  | { kind: 'uniform'; bound: number }
  | { kind: 'xavier' }
  | { kind: 'zeros' }
  | { kind: 'ones' };

/** A tensor of `shape` initialised by `scheme` (xavier uses fanIn = shape[last], fanOut = shape[0]). */
export function initTensor(shape: number[], scheme: InitScheme, rng: InitRng = global): Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  const v = new Float32Array(n);
  if (scheme.kind === 'normal') for (let i = 0; i < n; i++) v[i] = rng.normal() * scheme.std;
  else if (scheme.kind === 'uniform') for (let i = 0; i < n; i++) v[i] = (rng.next() * 2 - 1) * scheme.bound;
  else if (scheme.kind === 'xavier') {
    const fanIn = shape[shape.length - 1] * shape.slice(2).reduce((p, d) => p * d, 1);
    const fanOut = shape[0];
    const bound = Math.sqrt(6 / (fanIn + fanOut));
    for (let i = 0; i < n; i++) v[i] = (rng.next() * 2 - 1) * bound;
  } else if (scheme.kind === 'ones') v.fill(1);
  return tensor(v, shape);
}
