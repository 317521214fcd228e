// TokenMoE (docs/architecture.md, two-level MoE): expert groups chosen per sequence by task (a group per sequence), in each group
// shared experts (always on) plus routed experts picked per token by a softmax router, top-k, gates
// renormalised over the k picks. Built-in 'mlp' experts of every group (shared and routed) sit in one
// ExpertBank and run as two grouped matmuls over the assignments sorted by expert, so a layer's cost grows
// with k (rows = tokens · (k + shared)), not with the number of experts. Registered custom token experts run
// densely on the layer's tokens, scaled by their gate (zero where not picked).
import { type InitRng, Module, type ModuleConfig, registerModule } from '@unif2ace/nn';
import { keep, noGrad, ops, type Tensor, tensor, tidy } from '@unif2ace/tensor';
import { balanceLoss, zLoss } from './balance-loss.js';
import { mergeOptions, readConfig, serialisableOptions } from './config.js';
import { gatherRows, plan, repeatRows, scatterRows } from './dispatch.js';
import { BUILTIN_TOKEN_EXPERT, ExpertBank } from './experts.js';
import { type ExpertContext, expertFactory, type TokenExpert } from './registry.js';
import { Router } from './router.js';
import {
  routedSlot,
  type SlotLayout,
  sharedAssignments,
  sharedSlot,
  slotsPerGroup,
} from './shared-expert.js';

export interface TokenMoEOptions {
  dim: number;
  /** Hidden size of the 'mlp' experts. */
  hidden: number;
  /** Group names; a sequence names its group by name or index. Default ['generation', 'understanding']. */
  groups?: string[];
  /** Routed experts per group: a count of 'mlp' experts, or registered token-expert names. Default 4. */
  experts?: number | string[];
  /** Shared ('mlp') experts per group, always on. Default 1. */
  shared?: number;
  /** Experts per token. Default 2. */
  topK?: number;
  /**
   * Capacity factor: each routed expert of group g keeps at most ceil(factor · T_g · k / E) assignments (in
   * token order); the rest are dropped (counted in the routing statistics). Default null: unlimited.
   */
  capacityFactor?: number | null;
  /** λ of the balance loss λ·E·Σ f_i·P_i (per group, summed). Default 0.01. */
  balanceWeight?: number;
  /** Weight of the router z-loss. Default 0 (off). */
  zLossWeight?: number;
  /** Options handed to custom experts' factories, by expert name. */
  expertOptions?: Record<string, Record<string, unknown>>;
  rng?: InitRng;
}

export interface TokenMoEOutput {
  /** Same shape as the input. */
  y: Tensor;
  /** balanceLoss + zLoss (scalar): add it to the training loss. */
  auxLoss: Tensor;
  balanceLoss: Tensor;
  zLoss: Tensor;
}

/** Routing of the last forward as plain arrays (for heatmaps and tests). */
export interface TokenRoutingStats {
  groups: {
    name: string;
    /** Tokens of this group in the batch. */
    tokens: number;
    /** Routed expert names, by slot j (global id g·E + j). */
    experts: string[];
    /** Kept assignments per routed expert. */
    load: number[];
    /** Assignments dropped by the capacity limit. */
    dropped: number;
  }[];
  /** Per token: its group index. */
  tokenGroup: number[];
  /** Per token: the k chosen experts as global ids g·E + j, best first. */
  tokenExperts: number[][];
  /** Per token: their renormalised gates. */
  tokenGates: number[][];
  /** Per token and pick: dropped by the capacity limit. */
  tokenDropped: boolean[][];
}

interface LastRouting {
  indices: Tensor;
  gates: Tensor;
  order: Tensor;
  offsets: Tensor;
  tokenGroup: Int32Array;
  tokensPerGroup: number[];
  slots: number;
}

/** Holds custom experts as fields named `<group>.<slot>.<name>`, so state-dict keys carry their names. */
class CustomExperts extends Module {
  forward(): Tensor {
    throw new Error('TokenMoE: the custom-expert holder is not callable; call TokenMoE.route()');
  }
}

const TOKEN_MOE_KEYS = [
  'dim',
  'hidden',
  'groups',
  'experts',
  'shared',
  'topK',
  'capacityFactor',
  'balanceWeight',
  'zLossWeight',
  'expertOptions',
];

export class TokenMoE extends Module {
  readonly groupNames: string[];
  readonly expertNames: string[];
  readonly shared: number;
  readonly topK: number;
  readonly capacityFactor: number | null;
  readonly balanceWeight: number;
  readonly zLossWeight: number;
  readonly layout: SlotLayout;
  router: Router;
  bank: ExpertBank;
  custom: CustomExperts;
  /** Per group, per routed slot j: the bank's 'mlp' index, or -1 for a custom expert. */
  private readonly mlpIndex: number[];
  private readonly customs: { g: number; j: number; m: TokenExpert; name: string }[] = [];
  private last: LastRouting | null = null;

  constructor(readonly opts: TokenMoEOptions) {
    super();
    const { dim, hidden } = opts;
    for (const [k, v] of [
      ['dim', dim],
      ['hidden', hidden],
    ] as const) {
      if (!Number.isInteger(v) || v < 1)
        throw new RangeError(`TokenMoE: ${k} must be a positive integer, got ${v}`);
    }
    this.groupNames = opts.groups ?? ['generation', 'understanding'];
    if (!this.groupNames.length || new Set(this.groupNames).size !== this.groupNames.length) {
      throw new RangeError(`TokenMoE: groups must be distinct names, got ${JSON.stringify(this.groupNames)}`);
    }
    const ex = opts.experts ?? 4;
    this.expertNames = typeof ex === 'number' ? new Array<string>(ex).fill(BUILTIN_TOKEN_EXPERT) : [...ex];
    if (!this.expertNames.length)
      throw new RangeError('TokenMoE: needs at least one routed expert per group');
    this.shared = opts.shared ?? 1;
    this.topK = opts.topK ?? 2;
    this.capacityFactor = opts.capacityFactor ?? null;
    if (this.capacityFactor !== null && !(this.capacityFactor > 0)) {
      throw new RangeError(`TokenMoE: capacityFactor must be > 0 or null, got ${this.capacityFactor}`);
    }
    this.balanceWeight = opts.balanceWeight ?? 0.01;
    this.zLossWeight = opts.zLossWeight ?? 0;
    const rng = opts.rng;
    const G = this.groupNames.length;
    const E = this.expertNames.length;
    let m = 0;
    this.mlpIndex = this.expertNames.map((n) => (n === BUILTIN_TOKEN_EXPERT ? m++ : -1));
    this.layout = { groups: G, shared: this.shared, routedMlp: m };
    // resolve every name before allocating parameters (an unknown one must not leave tensors behind)
    const factories = this.expertNames.map((n) => expertFactory(n, 'token'));
    if (!Number.isInteger(this.topK) || this.topK < 1 || this.topK > E) {
      throw new RangeError(
        `TokenMoE: topK must be an integer in [1, ${E}] (routed experts per group), got ${this.topK}`,
      );
    }
    this.router = new Router(dim, G, E, this.topK, rng);
    this.bank = new ExpertBank(G * slotsPerGroup(this.layout), dim, hidden, rng);
    this.custom = new CustomExperts();
    this.groupNames.forEach((group, g) => {
      this.expertNames.forEach((name, j) => {
        if (name === BUILTIN_TOKEN_EXPERT) return;
        const ctx: ExpertContext = {
          dim,
          hidden,
          group,
          index: j,
          rng,
          options: opts.expertOptions?.[name] ?? {},
        };
        const mod = factories[j](ctx);
        if (!(mod instanceof Module) || typeof mod.forward !== 'function') {
          throw new TypeError(
            `TokenMoE: the factory of token expert '${name}' must return a Module with forward(x)`,
          );
        }
        (this.custom as unknown as Record<string, Module>)[`${group}.${j}.${name}`] = mod;
        this.customs.push({ g, j, m: mod, name });
      });
    });
  }

  /** JSON config that rebuilds this layer (function-valued expert options left out). */
  override toConfig(): ModuleConfig {
    return {
      _class: 'TokenMoE',
      _version: 1,
      dim: this.opts.dim,
      hidden: this.opts.hidden,
      groups: [...this.groupNames],
      experts: [...this.expertNames],
      shared: this.shared,
      topK: this.topK,
      capacityFactor: this.capacityFactor,
      balanceWeight: this.balanceWeight,
      zLossWeight: this.zLossWeight,
      ...(this.opts.expertOptions ? { expertOptions: serialisableOptions(this.opts.expertOptions) } : {}),
    };
  }

  /** Rebuild from toConfig(); `extra` adds what JSON cannot hold (rng, feature functions in expertOptions). */
  static fromConfig(config: Record<string, unknown>, extra: Partial<TokenMoEOptions> = {}): TokenMoE {
    const o = readConfig('TokenMoE', 1, config, TOKEN_MOE_KEYS) as unknown as TokenMoEOptions;
    return new TokenMoE({
      ...o,
      ...extra,
      expertOptions: mergeOptions(o.expertOptions, extra.expertOptions),
    });
  }

  /** Group index per sequence (names or indices), with a clear error for unknown ones. */
  private groupIndex(groups: readonly (number | string)[]): number[] {
    return groups.map((v, b) => {
      const g = typeof v === 'number' ? v : this.groupNames.indexOf(v);
      if (!Number.isInteger(g) || g < 0 || g >= this.groupNames.length) {
        throw new RangeError(
          `TokenMoE: sequence ${b} names group ${JSON.stringify(v)}; groups are ${this.groupNames.map((n, i) => `${i} '${n}'`).join(', ')}`,
        );
      }
      return g;
    });
  }

  private prepare(x: Tensor, groups: readonly (number | string)[]) {
    const D = this.opts.dim;
    if (x.rank < 2 || x.shape[x.rank - 1] !== D) {
      throw new RangeError(`TokenMoE: input must be [..., ${D}] (dim ${D}), got [${x.shape.join(', ')}]`);
    }
    const T = x.size / D;
    const B = groups.length;
    if (!B || T % B !== 0 || (x.rank > 2 && x.shape[0] !== B)) {
      throw new RangeError(
        `TokenMoE: ${B} group ids for input [${x.shape.join(', ')}]: give one group per sequence (the first axis)`,
      );
    }
    const L = T / B;
    const gi = this.groupIndex(groups);
    const tokenGroup = new Int32Array(T);
    const tokensPerGroup = new Array<number>(this.groupNames.length).fill(0);
    gi.forEach((g, b) => {
      tokenGroup.fill(g, b * L, (b + 1) * L);
      tokensPerGroup[g] += L;
    });
    return { T, D, tokenGroup, tokensPerGroup };
  }

  /** Dense [T, G·E] gate matrix: the token's renormalised gate at its k picks, 0 elsewhere. */
  private denseGates(weights: Tensor, indices: Tensor, T: number): Tensor {
    const GE = this.groupNames.length * this.expertNames.length;
    const k = this.topK;
    const base = new Int32Array(T * k);
    for (let a = 0; a < T * k; a++) base[a] = Math.floor(a / k) * GE;
    const flat = indices.reshape([T * k]).add(tensor(base, [T * k], { dtype: 'i32' }));
    return ops.indexAdd([T * GE], 0, flat, weights.reshape([T * k])).reshape([T, GE]);
  }

  private customOutputs(xt: Tensor, gd: Tensor): Tensor | null {
    const E = this.expertNames.length;
    let y: Tensor | null = null;
    for (const c of this.customs) {
      let out: Tensor;
      try {
        out = c.m.forward(xt);
      } catch (e) {
        throw new Error(
          `TokenMoE: expert '${c.name}' (group '${this.groupNames[c.g]}', slot ${c.j}) failed on input [${xt.shape.join(', ')}]: ${(e as Error).message}`,
          { cause: e },
        );
      }
      if (out.shape.length !== 2 || out.shape[0] !== xt.shape[0] || out.shape[1] !== xt.shape[1]) {
        throw new RangeError(
          `TokenMoE: expert '${c.name}' (group '${this.groupNames[c.g]}', slot ${c.j}) returned [${out.shape.join(', ')}] for input [${xt.shape.join(', ')}]; a token expert must keep the shape`,
        );
      }
      const col = c.g * E + c.j;
      const term = out.mul(gd.slice(1, col, col + 1));
      y = y ? y.add(term) : term;
    }
    return y;
  }

  /** route(x, groups).y, the losses neither computed nor returned (inference). */
  forward(x: Tensor, groups: readonly (number | string)[]): Tensor {
    return tidy(() => this.route(x, groups, { losses: false }).y);
  }

  /**
   * x [B, L, dim] (or [B·L, dim] with L tokens per sequence), groups[b]: sequence b's group (name or
   * index). Sparse dispatch; records the routing for routingStats(). `losses: false` (inference) leaves
   * the balance and z losses out (they are returned as 0).
   */
  route(x: Tensor, groups: readonly (number | string)[], opts: { losses?: boolean } = {}): TokenMoEOutput {
    const { T, D, tokenGroup, tokensPerGroup } = this.prepare(x, groups);
    const losses = opts.losses ?? true;
    const G = this.groupNames.length;
    const E = this.expertNames.length;
    const k = this.topK;
    const S = this.shared;
    const slots = G * slotsPerGroup(this.layout);
    return tidy(() => {
      const xt = x.reshape([T, D]);
      const r = this.router.route(xt, tokenGroup);
      // routed assignments (token-major, T·k) then shared ones (T·S)
      const table = new Int32Array(G * E);
      for (let g = 0; g < G; g++) {
        for (let j = 0; j < E; j++)
          table[g * E + j] = this.mlpIndex[j] < 0 ? -1 : routedSlot(this.layout, g, this.mlpIndex[j]);
      }
      const routedKeys = ops.indexSelect(
        tensor(table, [G * E], { dtype: 'i32' }),
        0,
        r.indices.reshape([T * k]),
      );
      const sh = sharedAssignments(this.layout, tokenGroup);
      const keys = S ? ops.concat([routedKeys, tensor(sh.keys, [T * S], { dtype: 'i32' })], 0) : routedKeys;
      const caps = new Array<number>(slots).fill(-1);
      if (this.capacityFactor !== null) {
        for (let g = 0; g < G; g++) {
          const c = Math.ceil((this.capacityFactor * tokensPerGroup[g] * k) / E);
          for (let m = 0; m < this.layout.routedMlp; m++) caps[routedSlot(this.layout, g, m)] = c;
        }
      }
      const p = plan(keys, slots, caps);
      const rows = S ? ops.concat([repeatRows(xt, k), repeatRows(xt, S)], 0) : repeatRows(xt, k);
      const out = scatterRows(this.bank.forward(gatherRows(rows, p), p.offsets), p); // [T·(k + S), D]
      let y = out
        .slice(0, 0, T * k)
        .reshape([T, k, D])
        .mul(r.weights.reshape([T, k, 1]))
        .sum(1);
      if (S)
        y = y.add(
          out
            .slice(0, T * k, T * (k + S))
            .reshape([T, S, D])
            .sum(1),
        );
      if (this.customs.length) y = y.add(this.customOutputs(xt, this.denseGates(r.weights, r.indices, T))!);
      // losses: false (inference) skips the balance and z losses' kernels; they read 0
      const bal = losses ? balanceLoss(r.probs, r.indices, tokensPerGroup, E, this.balanceWeight) : tensor(0);
      const z = losses && this.zLossWeight ? zLoss(r.logits).mul(this.zLossWeight) : tensor(0);
      this.remember({
        indices: r.indices,
        gates: noGrad(() => r.weights.detach()),
        order: p.order,
        offsets: p.offsets,
        tokenGroup,
        tokensPerGroup,
        slots,
      });
      return { y: y.reshape([...x.shape]), auxLoss: bal.add(z), balanceLoss: bal, zLoss: z };
    });
  }

  /**
   * The readable reference (DeepSeek-V3's loop over experts): every expert runs on every token, weighted
   * by the same router's dense gates (shared experts by their group's indicator). Ignores capacity: with
   * unlimited capacity it equals forward(). Cost grows with the number of experts. With `parts`, also
   * returns each expert's weighted [T, dim] term (y is their sum), so a caller can back-propagate expert
   * by expert (the benchmark does, to bound memory).
   */
  routeDense(
    x: Tensor,
    groups: readonly (number | string)[],
    opts: { parts?: boolean } = {},
  ): TokenMoEOutput & { parts: Tensor[] } {
    const { T, D, tokenGroup, tokensPerGroup } = this.prepare(x, groups);
    const G = this.groupNames.length;
    const E = this.expertNames.length;
    return tidy(() => {
      const xt = x.reshape([T, D]);
      const r = this.router.route(xt, tokenGroup);
      const gd = this.denseGates(r.weights, r.indices, T);
      const custom = this.customOutputs(xt, gd);
      let y: Tensor | null = custom;
      const parts: Tensor[] = custom ? [custom] : [];
      const add = (t: Tensor) => {
        y = y ? y.add(t) : t;
        if (opts.parts) parts.push(t);
      };
      for (let g = 0; g < G; g++) {
        const own = tensor(
          Float32Array.from(tokenGroup, (v) => (v === g ? 1 : 0)),
          [T, 1],
        );
        for (let s = 0; s < this.shared; s++)
          add(this.bank.expert(sharedSlot(this.layout, g, s), xt).mul(own));
        for (let j = 0; j < E; j++) {
          if (this.mlpIndex[j] < 0) continue;
          const col = g * E + j;
          add(
            this.bank.expert(routedSlot(this.layout, g, this.mlpIndex[j]), xt).mul(gd.slice(1, col, col + 1)),
          );
        }
      }
      const bal = balanceLoss(r.probs, r.indices, tokensPerGroup, E, this.balanceWeight);
      const z = this.zLossWeight ? zLoss(r.logits).mul(this.zLossWeight) : tensor(0);
      return {
        y: y!.reshape([...x.shape]),
        auxLoss: bal.add(z),
        balanceLoss: bal,
        zLoss: z,
        parts: opts.parts ? parts : [],
      };
    });
  }

  private remember(l: LastRouting): void {
    this.forgetRouting();
    for (const t of [l.indices, l.gates, l.order, l.offsets]) keep(t);
    this.last = l;
  }

  /** Free the last forward's routing record (dispose() does it too). */
  forgetRouting(): void {
    if (!this.last) return;
    for (const t of [this.last.indices, this.last.gates, this.last.order, this.last.offsets]) t.dispose();
    this.last = null;
  }

  /** The last forward's routing as plain arrays (reads a few small tensors back from the device). */
  async routingStats(): Promise<TokenRoutingStats> {
    const l = this.last;
    if (!l) throw new Error('TokenMoE.routingStats: no forward has run yet (or the record was freed)');
    const [idx, gates, order, offsets] = await Promise.all(
      [l.indices, l.gates, l.order, l.offsets].map((t) => t.data()),
    );
    const T = l.tokenGroup.length;
    const k = this.topK;
    const E = this.expertNames.length;
    const kept = offsets[l.slots];
    const droppedAt = new Uint8Array(order.length);
    for (let i = kept; i < order.length; i++) droppedAt[order[i]] = 1;
    const groups = this.groupNames.map((name, g) => ({
      name,
      tokens: l.tokensPerGroup[g],
      experts: [...this.expertNames],
      load: new Array<number>(E).fill(0),
      dropped: 0,
    }));
    const tokenExperts: number[][] = [];
    const tokenGates: number[][] = [];
    const tokenDropped: boolean[][] = [];
    for (let t = 0; t < T; t++) {
      const ids: number[] = [];
      const gs: number[] = [];
      const ds: boolean[] = [];
      for (let q = 0; q < k; q++) {
        const a = t * k + q;
        const id = idx[a];
        const g = Math.floor(id / E);
        // custom experts run densely: never dropped
        const dropped = this.mlpIndex[id % E] >= 0 && droppedAt[a] === 1;
        if (dropped) groups[g].dropped++;
        else groups[g].load[id % E]++;
        ids.push(id);
        gs.push(gates[a]);
        ds.push(dropped);
      }
      tokenExperts.push(ids);
      tokenGates.push(gs);
      tokenDropped.push(ds);
    }
    return { groups, tokenGroup: Array.from(l.tokenGroup), tokenExperts, tokenGates, tokenDropped };
  }

  override dispose(): void {
    this.forgetRouting();
    super.dispose();
  }
}

// nn's moduleFromConfig rebuilds TokenMoE from its toConfig() too (e.g. inside a model's config)
registerModule('TokenMoE', {
  keys: TOKEN_MOE_KEYS,
  required: ['dim', 'hidden'],
  build: (c) => new TokenMoE(c as unknown as TokenMoEOptions),
});
