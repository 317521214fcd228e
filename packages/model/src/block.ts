// One transformer block (docs/architecture.md, "The two-level mixture of experts"):
//   x += Attn(LN1 x)                 multi-head attention, partial rotary, the batch's per-row masks
//   x += TokenMoE(LN2 x, group)      shared + routed experts per token, expert group per row
//   x += SeqMoE(LN3 x, group)        whole-sequence experts picked per row
// The sequence router reads a pooled summary of each row. moe's SeqMoE pools over every position; here the
// pool is the row's condition (T2I: every non-pad position; MMU: the prefix through <|eoi|>), so an
// understanding row's routing does not depend on its answer tokens (no leak of the answer into earlier
// positions during training) and stays fixed while an answer is decoded (what a KV cache needs). The
// SeqMoE's router and experts are used as they are (same parameters, same names); only the pooled input
// differs, so the loop over experts is written here.

import {
  balanceLoss,
  CopyExpert,
  NoiseExpert,
  SeqMoE,
  type SeqRoutingStats,
  type SequenceExpert,
  TokenMoE,
  ZeroExpert,
} from '@unif2ace/moe';
import { type InitRng, type KVCache, LayerNorm, Module, MultiHeadAttention } from '@unif2ace/nn';
import { keep, noGrad, ops, type Tensor, tensor, tidy } from '@unif2ace/tensor';
import type { UniF2aceConfig } from './config.js';

export const GROUPS = ['generation', 'understanding'];

export interface BlockInput {
  /** [B, S, S] u32: the rows' attention masks. */
  mask: Tensor;
  /** Token-MoE group per row. */
  groups: readonly string[];
  /** Sequence-MoE group index per row. */
  seqGroup: Int32Array;
  /** [B, 1, S] f32: each row's pooling weights (sum 1 over its condition). */
  pool: Tensor;
  /** Features for the sequence experts: { clip: [B, dim], face: [B, N, dim] }. */
  context: unknown;
  /** false (inference): the balance losses are not computed (they read 0). Default true. */
  losses?: boolean;
}

/** A block's decoding state: its attention keys/values and the sequence router's gates of the prefix. */
export interface BlockCache {
  kv: KVCache;
  /** [B, G·E] dense sequence-expert gates, kept; null until the prefix ran. */
  gates: Tensor | null;
}

export class Block extends Module {
  ln1: LayerNorm;
  attn: MultiHeadAttention;
  ln2: LayerNorm;
  tokenMoe: TokenMoE;
  ln3: LayerNorm;
  seqMoe: SeqMoE;
  #lastSeq: { indices: Tensor; gates: Tensor; seqGroup: Int32Array } | null = null;

  constructor(c: UniF2aceConfig, rng?: InitRng) {
    super();
    const { dim } = c;
    this.ln1 = new LayerNorm(dim);
    this.attn = new MultiHeadAttention(dim, c.heads, { rotaryDim: c.rotaryDim, rng });
    this.ln2 = new LayerNorm(dim);
    this.tokenMoe = new TokenMoE({
      dim,
      hidden: c.tokenMoe.hidden,
      groups: GROUPS,
      experts: c.tokenMoe.routed,
      shared: c.tokenMoe.shared,
      topK: c.tokenMoe.topK,
      balanceWeight: c.tokenMoe.balanceWeight,
      rng,
    });
    this.ln3 = new LayerNorm(dim);
    this.seqMoe = new SeqMoE({
      dim,
      groups: GROUPS,
      experts: [c.seqMoe.generation, c.seqMoe.understanding],
      topK: c.seqMoe.topK,
      balanceWeight: c.seqMoe.balanceWeight,
      // the features are the image-token embeddings (model.ts): dim wide
      expertOptions: { clip: { featureDim: dim }, face: { featureDim: dim } },
      rng,
    });
  }

  /** x [B, S, dim] -> { y, aux } (aux: the two balance losses, a scalar). */
  run(x: Tensor, inp: BlockInput): { y: Tensor; aux: Tensor } {
    x = x.add(this.attn.forward(this.ln1.forward(x), { mask: inp.mask }));
    const t = this.tokenMoe.route(this.ln2.forward(x), inp.groups, { losses: inp.losses ?? true });
    x = x.add(t.y);
    const s = this.seqRoute(this.ln3.forward(x), inp);
    return { y: x.add(s.y), aux: t.auxLoss.add(s.balance) };
  }

  forward(x: Tensor, inp: BlockInput): Tensor {
    return tidy(() => this.run(x, inp).y);
  }

  /**
   * Inference with a cache: with no gates cached, x is the prefix (inp.mask its [B, S, S] mask) and the
   * sequence router's gates are stored; afterwards x holds new rows (no mask: they see every cached position
   * and themselves) and reuse the stored gates. Returns x after the block.
   */
  runCached(x: Tensor, inp: BlockInput, cache: BlockCache): Tensor {
    const prefix = !cache.gates;
    x = x.add(this.attn.forwardCached(this.ln1.forward(x), cache.kv, prefix ? { mask: inp.mask } : {}));
    x = x.add(this.tokenMoe.route(this.ln2.forward(x), inp.groups, { losses: false }).y);
    const s = this.seqRoute(this.ln3.forward(x), inp, cache.gates ?? undefined);
    if (prefix) cache.gates = keep(s.gates);
    return x.add(s.y);
  }

  private seqRoute(
    x: Tensor,
    inp: BlockInput,
    given?: Tensor,
  ): { y: Tensor; balance: Tensor; gates: Tensor } {
    const m = this.seqMoe;
    const [B, S, D] = x.shape;
    const G = GROUPS.length;
    const E = m.expertNames[0].length;
    const k = m.topK;
    const seqGroup = inp.seqGroup;
    const perGroup = GROUPS.map((_, g) => seqGroup.filter((v) => v === g).length);
    let gd: Tensor;
    let balance: Tensor;
    if (given) {
      gd = given;
      balance = tensor(0);
    } else {
      const pooled = ops.matmul(inp.pool, x).reshape([B, D]);
      const r = m.router.route(pooled, seqGroup);
      const base = Int32Array.from({ length: B * k }, (_, a) => Math.floor(a / k) * G * E);
      const flat = r.indices.reshape([B * k]).add(tensor(base, [B * k], { dtype: 'i32' }));
      gd = ops.indexAdd([B * G * E], 0, flat, r.weights.reshape([B * k])).reshape([B, G * E]);
      balance =
        given || inp.losses === false
          ? tensor(0)
          : balanceLoss(r.probs, r.indices, perGroup, E, m.balanceWeight);
      this.forgetSeq();
      this.#lastSeq = { indices: keep(r.indices), gates: keep(noGrad(() => r.weights.detach())), seqGroup };
    }
    const holder = m.experts as unknown as Record<string, SequenceExpert>;
    // Copy experts return x: their terms add up to x · (the sum of their gate columns), one product for
    // every group at once (a row's other-group columns are 0). Zero experts add nothing, nor does Noise
    // outside training. Only the rest run, on their group's rows.
    const copyCols = new Float32Array(G * E);
    const rest: { g: number; j: number; e: SequenceExpert }[] = [];
    for (let g = 0; g < G; g++) {
      m.expertNames[g].forEach((name, j) => {
        const e = holder[`${GROUPS[g]}.${j}.${name}`];
        if (e instanceof CopyExpert) copyCols[g * E + j] = 1;
        else if (e instanceof ZeroExpert || (e instanceof NoiseExpert && !this.training)) return;
        else if (perGroup[g]) rest.push({ g, j, e });
      });
    }
    const coef = ops.matmul(gd, tensor(copyCols, [G * E, 1]));
    let y: Tensor = x.mul(coef.reshape([B, 1, 1]));
    for (let g = 0; g < G; g++) {
      const mine = rest.filter((r) => r.g === g);
      if (!mine.length) continue;
      const all = perGroup[g] === B;
      const rowsHost = Int32Array.from(seqGroup.keys()).filter((b) => seqGroup[b] === g);
      const rows = tensor(rowsHost, [rowsHost.length], { dtype: 'i32' });
      const xg = all ? x : ops.indexSelect(x, 0, rows);
      const gg = all ? gd : ops.indexSelect(gd, 0, rows);
      let yg: Tensor | null = null;
      for (const { j, e } of mine) {
        const out = e.forward(xg, {
          context: inp.context,
          training: this.training,
          rows: all ? undefined : rows,
        });
        const col = g * E + j;
        const term = out.mul(gg.slice(1, col, col + 1).reshape([rowsHost.length, 1, 1]));
        yg = yg ? yg.add(term) : term;
      }
      y = y.add(all ? yg! : ops.indexAdd([B, S, D], 0, rows, yg!));
    }
    return { y, balance, gates: gd };
  }

  private forgetSeq(): void {
    if (this.#lastSeq) {
      this.#lastSeq.indices.dispose();
      this.#lastSeq.gates.dispose();
      this.#lastSeq = null;
    }
  }

  /** Frees the last forward's routing records (token and sequence level). */
  forgetRouting(): void {
    this.forgetSeq();
    this.tokenMoe.forgetRouting();
    this.seqMoe.forgetRouting(); // only set when SeqMoE.route ran directly
  }

  /** The last forward's sequence routing (moe's SeqRoutingStats format). */
  async seqRoutingStats(): Promise<SeqRoutingStats> {
    const l = this.#lastSeq;
    if (!l) throw new Error('UniF2ace.routingStats: no forward has run yet');
    return this.seqMoe.routingStatsOf(l);
  }

  /** Frees what Module.dispose does not: the routing records and the rotary tables. */
  releaseCaches(): void {
    this.forgetRouting();
    this.attn.rotary?.dispose();
  }

  override dispose(): void {
    this.releaseCaches();
    super.dispose();
  }
}
