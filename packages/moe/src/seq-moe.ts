// SeqMoE (docs/architecture.md, two-level MoE): per group, a router reads the mean-pooled sequence and picks top-k whole-sequence
// experts (paper: 2 of 4); the output is the gate-weighted sum of the picked experts' outputs. Defaults:
// generation group Copy, Copy, Zero, Noise; understanding group Copy, Copy, CLIP-like, Face. A group's
// sequences are gathered once (groups are known on the host) and its experts run on them, weighted by the
// dense gates (0 where not picked): with 4 mostly cheap experts per group that beats a per-expert sort.
import { type InitRng, Module, type ModuleConfig, registerModule } from '@unif2ace/nn';
import { keep, noGrad, ops, type Tensor, tensor, tidy } from '@unif2ace/tensor';
import { balanceLoss } from './balance-loss.js';
import { mergeOptions, readConfig, serialisableOptions } from './config.js';
import { type ExpertContext, expertFactory, type SequenceExpert } from './registry.js';
import { Router } from './router.js';
import './seq-experts.js';

export interface SeqMoEOptions {
  dim: number;
  /** Default ['generation', 'understanding']. */
  groups?: string[];
  /** Expert names per group (the same count in every group). Default: the paper's, see above. */
  experts?: string[][];
  /** Experts per sequence. Default 2. */
  topK?: number;
  /** λ of the per-group balance loss over sequences. Default 0.01. */
  balanceWeight?: number;
  /** Options for expert factories by name, e.g. { clip: { featureDim: 64, features: (ctx) => … } }. */
  expertOptions?: Record<string, Record<string, unknown>>;
  rng?: InitRng;
}

export interface SeqMoEOutput {
  /** [B, L, dim]. */
  y: Tensor;
  /** = balanceLoss (scalar). */
  auxLoss: Tensor;
  balanceLoss: Tensor;
}

export interface SeqRoutingStats {
  groups: { name: string; sequences: number; experts: string[]; load: number[] }[];
  sequenceGroup: number[];
  /** Per sequence: the k chosen experts as global ids g·E + j, best first. */
  sequenceExperts: number[][];
  sequenceGates: number[][];
}

export const DEFAULT_SEQ_EXPERTS: Record<string, string[]> = {
  generation: ['copy', 'copy', 'zero', 'noise'],
  understanding: ['copy', 'copy', 'clip', 'face'],
};

class SeqExperts extends Module {
  forward(): Tensor {
    throw new Error('SeqMoE: the expert holder is not callable; call SeqMoE.route()');
  }
}

const SEQ_MOE_KEYS = ['dim', 'groups', 'experts', 'topK', 'balanceWeight', 'expertOptions'];

/** One routing pass: `[B, k]` expert ids (group * E + slot), `[B, k]` gates, each sequence's group. */
export interface SeqRoutingRecord {
  indices: Tensor;
  gates: Tensor;
  seqGroup: Int32Array;
}

export class SeqMoE extends Module {
  readonly groupNames: string[];
  readonly expertNames: string[][];
  readonly topK: number;
  readonly balanceWeight: number;
  router: Router;
  experts: SeqExperts;
  private readonly mods: SequenceExpert[][];
  private last: SeqRoutingRecord | null = null;

  constructor(readonly opts: SeqMoEOptions) {
    super();
    const { dim } = opts;
    if (!Number.isInteger(dim) || dim < 1)
      throw new RangeError(`SeqMoE: dim must be a positive integer, got ${dim}`);
    this.groupNames = opts.groups ?? ['generation', 'understanding'];
    this.expertNames =
      opts.experts ?? this.groupNames.map((g) => DEFAULT_SEQ_EXPERTS[g] ?? ['copy', 'copy', 'zero', 'noise']);
    if (this.expertNames.length !== this.groupNames.length) {
      throw new RangeError(
        `SeqMoE: experts lists ${this.expertNames.length} groups, groups names ${this.groupNames.length} (${this.groupNames.join(', ')})`,
      );
    }
    const E = this.expertNames[0].length;
    if (!E || this.expertNames.some((l) => l.length !== E)) {
      throw new RangeError(
        `SeqMoE: every group needs the same number of experts, got ${this.expertNames.map((l) => l.length).join(', ')}`,
      );
    }
    this.topK = opts.topK ?? 2;
    if (!Number.isInteger(this.topK) || this.topK < 1 || this.topK > E) {
      throw new RangeError(`SeqMoE: topK must be an integer in [1, ${E}], got ${this.topK}`);
    }
    this.balanceWeight = opts.balanceWeight ?? 0.01;
    const factories = this.expertNames.map((l) => l.map((n) => expertFactory(n, 'sequence')));
    // experts first: a factory that throws must not leave the router's parameters behind
    this.experts = new SeqExperts();
    const made: Module[] = [];
    try {
      this.mods = this.groupNames.map((group, g) =>
        this.expertNames[g].map((name, j) => {
          const ctx: ExpertContext = {
            dim,
            hidden: dim,
            group,
            index: j,
            rng: opts.rng,
            options: opts.expertOptions?.[name] ?? {},
          };
          const m = factories[g][j](ctx);
          if (!(m instanceof Module) || typeof m.forward !== 'function') {
            throw new TypeError(
              `SeqMoE: the factory of sequence expert '${name}' must return a Module with forward(x, input)`,
            );
          }
          made.push(m);
          (this.experts as unknown as Record<string, Module>)[`${group}.${j}.${name}`] = m;
          return m;
        }),
      );
    } catch (e) {
      for (const m of made) m.dispose();
      throw e;
    }
    this.router = new Router(dim, this.groupNames.length, E, this.topK, opts.rng);
  }

  /** JSON config that rebuilds this layer (feature functions left out: pass them to fromConfig). */
  override toConfig(): ModuleConfig {
    return {
      _class: 'SeqMoE',
      _version: 1,
      dim: this.opts.dim,
      groups: [...this.groupNames],
      experts: this.expertNames.map((l) => [...l]),
      topK: this.topK,
      balanceWeight: this.balanceWeight,
      ...(this.opts.expertOptions ? { expertOptions: serialisableOptions(this.opts.expertOptions) } : {}),
    };
  }

  static fromConfig(config: Record<string, unknown>, extra: Partial<SeqMoEOptions> = {}): SeqMoE {
    const o = readConfig('SeqMoE', 1, config, SEQ_MOE_KEYS) as unknown as SeqMoEOptions;
    return new SeqMoE({ ...o, ...extra, expertOptions: mergeOptions(o.expertOptions, extra.expertOptions) });
  }

  forward(x: Tensor, groups: readonly (number | string)[], opts: { context?: unknown } = {}): Tensor {
    return tidy(() => this.route(x, groups, opts).y);
  }

  /** x [B, L, dim]; groups[b] names sequence b's group; context is handed to the experts (features). */
  route(x: Tensor, groups: readonly (number | string)[], opts: { context?: unknown } = {}): SeqMoEOutput {
    const D = this.opts.dim;
    if (x.rank !== 3 || x.shape[2] !== D) {
      throw new RangeError(`SeqMoE: input must be [B, L, ${D}], got [${x.shape.join(', ')}]`);
    }
    const [B, L] = x.shape;
    if (groups.length !== B) {
      throw new RangeError(
        `SeqMoE: ${groups.length} group ids for ${B} sequences (input [${x.shape.join(', ')}])`,
      );
    }
    const G = this.groupNames.length;
    const E = this.expertNames[0].length;
    const k = this.topK;
    const seqGroup = Int32Array.from(groups, (v, b) => {
      const g = typeof v === 'number' ? v : this.groupNames.indexOf(v);
      if (!Number.isInteger(g) || g < 0 || g >= G) {
        throw new RangeError(
          `SeqMoE: sequence ${b} names group ${JSON.stringify(v)}; groups are ${this.groupNames.map((n, i) => `${i} '${n}'`).join(', ')}`,
        );
      }
      return g;
    });
    const perGroup = Array.from({ length: G }, (_, g) => seqGroup.filter((v) => v === g).length);
    return tidy(() => {
      const r = this.router.route(x.mean(1), seqGroup);
      const base = Int32Array.from({ length: B * k }, (_, a) => Math.floor(a / k) * G * E);
      const flat = r.indices.reshape([B * k]).add(tensor(base, [B * k], { dtype: 'i32' }));
      const gd = ops.indexAdd([B * G * E], 0, flat, r.weights.reshape([B * k])).reshape([B, G * E]);
      let y: Tensor | null = null;
      for (let g = 0; g < G; g++) {
        if (!perGroup[g]) continue;
        const rowsHost = Int32Array.from(seqGroup.keys()).filter((b) => seqGroup[b] === g);
        const rows = tensor(rowsHost, [rowsHost.length], { dtype: 'i32' });
        const xg = ops.indexSelect(x, 0, rows);
        const gg = ops.indexSelect(gd, 0, rows);
        let yg: Tensor | null = null;
        this.mods[g].forEach((m, j) => {
          const name = this.expertNames[g][j];
          let out: Tensor;
          try {
            out = m.forward(xg, { context: opts.context, training: this.training, rows });
          } catch (e) {
            throw new Error(
              `SeqMoE: expert '${name}' (group '${this.groupNames[g]}', slot ${j}) failed on input [${xg.shape.join(', ')}]: ${(e as Error).message}`,
              { cause: e },
            );
          }
          if (out.shape.join() !== xg.shape.join()) {
            throw new RangeError(
              `SeqMoE: expert '${name}' (group '${this.groupNames[g]}', slot ${j}) returned [${out.shape.join(', ')}] for input [${xg.shape.join(', ')}]; a sequence expert must keep the shape`,
            );
          }
          const col = g * E + j;
          const term = out.mul(gg.slice(1, col, col + 1).reshape([rowsHost.length, 1, 1]));
          yg = yg ? yg.add(term) : term;
        });
        const back = ops.indexAdd([B, L, D], 0, rows, yg!);
        y = y ? y.add(back) : back;
      }
      const bal = balanceLoss(r.probs, r.indices, perGroup, E, this.balanceWeight);
      this.forgetRouting();
      this.last = { indices: keep(r.indices), gates: keep(noGrad(() => r.weights.detach())), seqGroup };
      return { y: y!, auxLoss: bal.add(0), balanceLoss: bal };
    });
  }

  forgetRouting(): void {
    if (!this.last) return;
    this.last.indices.dispose();
    this.last.gates.dispose();
    this.last = null;
  }

  /** The last route()'s routing as plain arrays. */
  async routingStats(): Promise<SeqRoutingStats> {
    const l = this.last;
    if (!l) throw new Error('SeqMoE.routingStats: no route() has run yet (or the record was freed)');
    return this.routingStatsOf(l);
  }

  /**
   * A routing record (top-k expert ids and gates per sequence, and each sequence's group) as plain arrays,
   * named with this layer's groups and experts. For callers that route through this layer's router and
   * experts themselves and keep their own record (the model's Block).
   */
  async routingStatsOf(record: SeqRoutingRecord): Promise<SeqRoutingStats> {
    const [idx, gates] = await Promise.all([record.indices.data(), record.gates.data()]);
    const E = this.expertNames[0].length;
    const k = this.topK;
    const groups = this.groupNames.map((name, g) => ({
      name,
      sequences: 0,
      experts: [...this.expertNames[g]],
      load: new Array<number>(E).fill(0),
    }));
    const sequenceExperts: number[][] = [];
    const sequenceGates: number[][] = [];
    record.seqGroup.forEach((g, b) => {
      groups[g].sequences++;
      const ids = Array.from(idx.slice(b * k, (b + 1) * k));
      for (const id of ids) groups[Math.floor(id / E)].load[id % E]++;
      sequenceExperts.push(ids);
      sequenceGates.push(Array.from(gates.slice(b * k, (b + 1) * k)));
    });
    return { groups, sequenceGroup: Array.from(record.seqGroup), sequenceExperts, sequenceGates };
  }

  override dispose(): void {
    this.forgetRouting();
    super.dispose();
  }
}

registerModule('SeqMoE', {
  keys: SEQ_MOE_KEYS,
  required: ['dim'],
  build: (c) => new SeqMoE(c as unknown as SeqMoEOptions),
});
