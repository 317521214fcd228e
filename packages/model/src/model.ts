// UniF2ace: embedding of the unified vocabulary -> blocks -> final LayerNorm -> LM head. One batch mixes
// T2I rows (image codes trained with D3Diff, sampled with MaskGIT) and MMU rows (answers trained with
// cross-entropy, decoded autoregressively). See docs/architecture.md.

import { readAsset } from '@unif2ace/common';
import { BpeTokenizer } from '@unif2ace/data';
import { d3diffLoss, getSchedule, maskgitSample, maskPositions, Philox } from '@unif2ace/diffusion';
import { FaceExpert, type SeqRoutingStats, type TokenRoutingStats } from '@unif2ace/moe';
import {
  disposeKVCache,
  Embedding,
  emptyKVCache,
  floatToHalf,
  InitRng,
  LayerNorm,
  Linear,
  loadModule,
  Module,
  type ModuleConfig,
  type SafeInput,
  serializeSafetensors,
} from '@unif2ace/nn';
import {
  type BackendName,
  getRngState,
  init,
  keep,
  manualSeed,
  noGrad,
  ops,
  setRngState,
  type Tensor,
  tensor,
  tidy,
} from '@unif2ace/tensor';
import { ImageTokenizer, type LoadProgress } from '@unif2ace/vq';
import { Block, type BlockCache, type BlockInput, GROUPS } from './block.js';
import { type UniF2aceConfig, validateConfig } from './config.js';
import { imagesToTensor, isRgbImage, type RgbImage, tensorDataToImages } from './images.js';
import {
  CAPTION_QUESTION,
  type Collated,
  collate,
  mmuRow,
  type Row,
  t2iRow,
  Vocab,
  type VocabSizes,
} from './sequence.js';

export interface T2IExample {
  caption: string;
  /** N image codes (indices into the image tokenizer's codebook). */
  codes: Int32Array;
}
export interface MMUExample {
  codes: Int32Array;
  question: string;
  answer: string;
}
/** Either list may be empty (not both). */
export interface TrainBatch {
  t2i: T2IExample[];
  mmu: MMUExample[];
}
export type Objective = 'd3diff' | 'mask' | 'score';
export interface LossOptions {
  /** Every random choice of the step (CFG dropout, diffusion times, masked positions) comes from it. */
  seed: number;
  /** Weight of the score-entropy term. Default 0.01. */
  alpha?: number;
  /** Default 'd3diff'. */
  objective?: Objective;
  /** Probability that a T2I caption is replaced by the empty one. Default 0.1. */
  cfgDropout?: number;
}
export interface LossResult {
  /** Scalar, differentiable: t2i + mmu + balance. */
  total: Tensor;
  /** Scalars: t2i (D3Diff), mmu (answer CE), balance (MoE), mask and score (D3Diff's two parts, detached). */
  parts: Record<string, Tensor>;
}
export interface GenerateOptions {
  seed?: number;
  /** Default 18. */
  steps?: number;
  /** Classifier-free guidance w ((1 + w)·cond − w·uncond; cond and uncond rows run in one batch). Default 2. */
  cfg?: number;
  /** Default 1. */
  temperature?: number;
  /** After each step; codes hold `maskCode` (= K) where still unknown. */
  onStep?: (s: { step: number; steps: number; codes: Int32Array }) => void | Promise<void>;
}
export interface AnswerOptions {
  /** Default: the rest of the config's maxSequence budget. */
  maxTokens?: number;
  /** 0 (default): greedy. */
  temperature?: number;
  seed?: number;
  /** Default true: decode with the KV cache (false recomputes the whole sequence per token). */
  kvCache?: boolean;
  /** After each chosen token (streaming), with the logits over the text and special tokens it came from. */
  onToken?: (s: { step: number; token: number; logits: Float32Array }) => void;
}

/** Incremental decoding: logits of the prompt's last position, then of each appended token. */
interface Decoder {
  first(): Promise<Float32Array>;
  next(token: number): Promise<Float32Array>;
  dispose(): void;
}
export interface LoadModelOptions {
  backend?: 'auto' | BackendName;
  onProgress?: (e: LoadProgress) => void;
}
export interface RoutingStats {
  layers: { token: TokenRoutingStats; seq: SeqRoutingStats }[];
}

/** The shipped nano model (packages/model/weights/nano/), resolved next to the package's code. */
export const SHIPPED_MODEL = new URL('../weights/nano/', import.meta.url);

/** What config.json holds. */
export interface ModelFolderConfig {
  format: 1;
  model: UniF2aceConfig & { vocab: VocabSizes };
}

// Philox purposes (counter word 2) of the loss's own draws; diffusion uses 1, 2 and 4.
const DRAW_CFG = 101;
const DRAW_TIME = 102;
const DRAW_TOKEN = 103;

export class UniF2ace extends Module {
  embed: Embedding;
  blocks: Block[];
  lnFinal: LayerNorm;
  head: Linear;
  readonly config: UniF2aceConfig;
  readonly vocab: Vocab;
  readonly tokenizer: BpeTokenizer;
  // private fields stay out of the state dict (the image tokenizer saves its own folder)
  #imageTokenizer: ImageTokenizer;

  private constructor(
    config: UniF2aceConfig,
    tokenizer: BpeTokenizer,
    imageTokenizer: ImageTokenizer,
    seed: number,
  ) {
    super();
    this.config = validateConfig(config);
    if (!(tokenizer instanceof BpeTokenizer))
      throw new TypeError('UniF2ace: deps.tokenizer must be a BpeTokenizer');
    if (!(imageTokenizer instanceof ImageTokenizer))
      throw new TypeError('UniF2ace: deps.imageTokenizer must be an ImageTokenizer');
    this.tokenizer = tokenizer;
    this.#imageTokenizer = imageTokenizer;
    const [h, w] = imageTokenizer.gridSize;
    this.vocab = new Vocab({
      text: tokenizer.textVocabSize,
      specials: tokenizer.numSpecials,
      codes: imageTokenizer.codebookSize,
      imageTokens: h * w,
    });
    const rng = new InitRng(seed);
    const { dim, depth } = this.config;
    this.embed = new Embedding(this.vocab.size, dim, { std: 0.02, rng });
    this.blocks = Array.from({ length: depth }, () => new Block(this.config, rng));
    this.lnFinal = new LayerNorm(dim);
    this.head = new Linear(dim, this.vocab.size, { rng });
  }

  get imageTokenizer(): ImageTokenizer {
    return this.#imageTokenizer;
  }

  /** The code index that means "unknown" in generate's onStep codes (= the codebook size K). */
  get maskCode(): number {
    return this.vocab.codes;
  }

  static create(
    config: UniF2aceConfig,
    deps: { tokenizer: BpeTokenizer; imageTokenizer: ImageTokenizer; seed?: number },
  ): UniF2ace {
    return new UniF2ace(config, deps.tokenizer, deps.imageTokenizer, deps.seed ?? 0);
  }

  /** The architecture as a ModuleConfig (weights and tokenizers travel separately). */
  override toConfig(): ModuleConfig {
    return { _class: 'UniF2ace', _version: 1, ...structuredClone(this.config) };
  }

  /** Rebuild (freshly initialised) from toConfig(); the tokenizers are given as to create(). */
  static fromConfig(
    config: Record<string, unknown>,
    deps: { tokenizer: BpeTokenizer; imageTokenizer: ImageTokenizer; seed?: number },
  ): UniF2ace {
    const { _class, _version, ...rest } = config;
    if (_class !== 'UniF2ace' || _version !== 1)
      throw new RangeError(
        `UniF2ace.fromConfig: expected _class 'UniF2ace' and _version 1, got ${JSON.stringify(_class)} ${JSON.stringify(_version)}`,
      );
    return UniF2ace.create(validateConfig(rest, 'UniF2ace.fromConfig'), deps);
  }

  /** config.json's content. */
  folderConfig(): ModelFolderConfig {
    return { format: 1, model: { ...structuredClone(this.config), vocab: this.vocab.sizes() } };
  }

  // ---------------------------------------------------------------- forward

  /** Hidden states [B, S, dim] after the final LayerNorm, and the summed balance losses. */
  hidden(c: Collated, maskTensor?: Tensor, opts: { losses?: boolean } = {}): { h: Tensor; aux: Tensor } {
    const { x: x0, inp } = this.inputs(c, maskTensor);
    inp.losses = opts.losses ?? true;
    let x = x0;
    let aux: Tensor | null = null;
    for (const blk of this.blocks) {
      const o = blk.run(x, inp);
      x = o.y;
      aux = aux ? aux.add(o.aux) : o.aux;
    }
    return { h: this.lnFinal.forward(x), aux: aux! };
  }

  /** The embedded batch and what every block reads besides it (masks, groups, pooling, expert features). */
  private inputs(c: Collated, maskTensor?: Tensor): { x: Tensor; inp: BlockInput } {
    const { B, S } = c;
    const D = this.config.dim;
    const N = this.vocab.imageTokens;
    const ids = tensor(c.ids, [B, S], { dtype: 'i32' });
    const x = this.embed.forward(ids);
    // sequence-expert features: the image-token embeddings (face: [B, N, dim]) and their mean (clip)
    const imgIdx = new Int32Array(B * N);
    const pool = new Float32Array(B * S);
    const pad = this.vocab.special('pad');
    c.rows.forEach((r, b) => {
      for (let i = 0; i < N; i++) imgIdx[b * N + i] = b * S + r.imageStart + i;
      const end = r.task === 't2i' ? r.ids.length : r.boundary + 1;
      let n = 0;
      for (let p = 0; p < end; p++) if (r.ids[p] !== pad) n++;
      for (let p = 0; p < end; p++) if (r.ids[p] !== pad) pool[b * S + p] = 1 / n;
    });
    const face = x
      .reshape([B * S, D])
      .indexSelect(0, tensor(imgIdx, [B * N], { dtype: 'i32' }))
      .reshape([B, N, D]);
    const inp: BlockInput = {
      mask: maskTensor ?? tensor(c.mask, [B, S, S], { dtype: 'u32' }),
      groups: c.groups,
      seqGroup: Int32Array.from(c.groups, (g) => GROUPS.indexOf(g)),
      pool: tensor(pool, [B, 1, S]),
      context: { clip: face.mean(1), face },
    };
    return { x, inp };
  }

  /** Logits over vocabulary columns [from, to) at flat positions idx of h [B, S, dim] -> [M, to − from]. */
  logitsAt(h: Tensor, idx: Int32Array, from: number, to: number): Tensor {
    const D = this.config.dim;
    const rows = h.reshape([h.size / D, D]).indexSelect(0, tensor(idx, [idx.length], { dtype: 'i32' }));
    const out = ops.matmul(rows, this.head.weight.slice(0, from, to).T);
    return this.head.bias ? out.add(this.head.bias.slice(0, from, to)) : out;
  }

  /** Logits [B, S, V] of a collated batch (every position, every column; for tests and tools). */
  forward(c: Collated): Tensor {
    return tidy(() => {
      const { h } = this.hidden(c, undefined, { losses: false });
      const idx = Int32Array.from({ length: c.B * c.S }, (_, i) => i);
      return this.logitsAt(h, idx, 0, this.vocab.size).reshape([c.B, c.S, this.vocab.size]);
    });
  }

  // ---------------------------------------------------------------- sequences

  t2iRow(caption: string, codes: ArrayLike<number> | null): Row {
    return t2iRow(this.vocab, this.tokenizer, caption, codes, this.config.textLength);
  }
  mmuRow(codes: ArrayLike<number>, question: string, answer: string | null): Row {
    return mmuRow(this.vocab, this.tokenizer, codes, question, answer, this.config.maxSequence);
  }
  collate(rows: Row[]): Collated {
    return collate(this.vocab, rows);
  }

  // ---------------------------------------------------------------- training

  /** The training loss of a mixed batch; every random choice comes from opts.seed. */
  loss(batch: TrainBatch, opts: LossOptions): LossResult {
    const seed = opts?.seed;
    if (!Number.isSafeInteger(seed) || seed < 0)
      throw new RangeError(`UniF2ace.loss: opts.seed must be an integer >= 0, got ${String(seed)}`);
    const cfgDropout = opts.cfgDropout ?? 0.1;
    if (!(cfgDropout >= 0 && cfgDropout <= 1))
      throw new RangeError(`UniF2ace.loss: cfgDropout must be in [0, 1], got ${cfgDropout}`);
    const t2i = batch?.t2i ?? [];
    const mmu = batch?.mmu ?? [];
    if (!Array.isArray(t2i) || !Array.isArray(mmu))
      throw new TypeError('UniF2ace.loss: batch must be { t2i: T2IExample[], mmu: MMUExample[] }');
    if (!t2i.length && !mmu.length)
      throw new RangeError('UniF2ace.loss: the batch is empty (no t2i and no mmu examples)');
    const v = this.vocab;
    const N = v.imageTokens;
    const K = v.codes;
    const checkCodes = (codes: Int32Array, where: string) => {
      if (!(codes instanceof Int32Array) || codes.length !== N)
        throw new RangeError(`UniF2ace.loss: ${where}.codes must be an Int32Array of ${N} image codes`);
      for (let i = 0; i < N; i++)
        if (!(codes[i] >= 0 && codes[i] < K))
          throw new RangeError(
            `UniF2ace.loss: ${where}.codes[${i}] = ${codes[i]} is outside the codebook [0, ${K})`,
          );
    };
    const rng = new Philox(seed);
    const Bt = t2i.length;
    const times = new Float64Array(Bt);
    for (let i = 0; i < Bt; i++) times[i] = rng.uniform(i, 0, DRAW_TIME);
    const schedule = getSchedule('cosine');
    // the positions diffusion's maskTokens would mask for (codes, times, seed): computed on the host so the
    // masked ids go into the sequence directly
    const hostMask = maskPositions(Bt, N, times, { seed, schedule });
    const rows: Row[] = [];
    const targets = new Int32Array(Bt * N);
    t2i.forEach((ex, i) => {
      checkCodes(ex.codes, `batch.t2i[${i}]`);
      if (typeof ex.caption !== 'string')
        throw new TypeError(`UniF2ace.loss: batch.t2i[${i}].caption must be a string`);
      targets.set(ex.codes, i * N);
      const noisy = Int32Array.from(ex.codes, (c, j) => (hostMask.mask[i * N + j] ? K : c));
      const drop = rng.uniform(i, 0, DRAW_CFG) < cfgDropout;
      rows.push(this.t2iRow(drop ? '' : ex.caption, noisy));
    });
    mmu.forEach((ex, i) => {
      checkCodes(ex.codes, `batch.mmu[${i}]`);
      if (typeof ex.question !== 'string' || typeof ex.answer !== 'string')
        throw new TypeError(`UniF2ace.loss: batch.mmu[${i}] needs string question and answer`);
      rows.push(this.mmuRow(ex.codes, ex.question, ex.answer));
    });
    const c = this.collate(rows);
    // the device-side draws of the step (the noise expert's Gaussian noise) from the seed too; the global
    // generator's state is put back afterwards
    const rngState = getRngState();
    manualSeed(seed);
    try {
      return this.lossOf(c, Bt, mmu.length, targets, hostMask.mask, times, opts);
    } finally {
      setRngState(rngState);
    }
  }

  private lossOf(
    c: Collated,
    Bt: number,
    Bm: number,
    targets: Int32Array,
    hostMask: Uint8Array,
    times: Float64Array,
    opts: LossOptions,
  ): LossResult {
    const v = this.vocab;
    const N = v.imageTokens;
    const K = v.codes;
    const rows = c.rows;
    const schedule = getSchedule('cosine');
    return tidy(() => {
      const { h, aux } = this.hidden(c);
      const zero = () => tensor(0);
      let lT2I = zero();
      let lMask = zero();
      let lScore = zero();
      if (Bt) {
        const idx = new Int32Array(Bt * N);
        rows.slice(0, Bt).forEach((r, b) => {
          for (let i = 0; i < N; i++) idx[b * N + i] = b * c.S + r.imageStart + i;
        });
        const logits = this.logitsAt(h, idx, v.codeStart, v.codeStart + K).reshape([Bt, N, K]);
        const d = d3diffLoss(
          logits,
          tensor(targets, [Bt, N], { dtype: 'i32' }),
          { mask: tensor(Float32Array.from(hostMask), [Bt, N]), t: times, schedule },
          { alpha: opts.alpha, objective: opts.objective },
        );
        lT2I = d.total;
        lMask = d.parts.mask;
        lScore = d.parts.score;
      }
      let lMMU = zero();
      if (Bm) {
        const idx: number[] = [];
        const tgt: number[] = [];
        rows.slice(Bt).forEach((r, i) => {
          const b = Bt + i;
          for (let p = r.answerStart - 1; p < r.answerEnd - 1; p++) {
            idx.push(b * c.S + p);
            tgt.push(r.ids[p + 1]);
          }
        });
        const logits = this.logitsAt(h, Int32Array.from(idx), 0, v.textColumns);
        lMMU = ops.crossEntropy(logits, tensor(Int32Array.from(tgt), [tgt.length], { dtype: 'i32' }));
      }
      const total = lT2I.add(lMMU).add(aux);
      return {
        total,
        parts: { t2i: lT2I.detach(), mmu: lMMU.detach(), balance: aux.detach(), mask: lMask, score: lScore },
      };
    });
  }

  // ---------------------------------------------------------------- generation

  /** Text to face: MaskGIT sampling over the image codes (cond and uncond rows batched for CFG). */
  async generate(
    prompt: string,
    opts: GenerateOptions = {},
  ): Promise<{ codes: Int32Array; image: RgbImage }> {
    if (typeof prompt !== 'string') throw new TypeError('UniF2ace.generate: prompt must be a string');
    const cfg = opts.cfg ?? 2;
    if (!(cfg >= 0 && Number.isFinite(cfg)))
      throw new RangeError(`UniF2ace.generate: cfg must be >= 0, got ${cfg}`);
    const v = this.vocab;
    const N = v.imageTokens;
    const K = v.codes;
    const rows = [this.t2iRow(prompt, null)];
    if (cfg > 0) rows.push(this.t2iRow('', null));
    const c = this.collate(rows);
    const R = rows.length;
    const mask = tensor(c.mask, [R, c.S, c.S], { dtype: 'u32' });
    const idx = new Int32Array(R * N);
    rows.forEach((r, b) => {
      for (let i = 0; i < N; i++) idx[b * N + i] = b * c.S + r.imageStart + i;
    });
    let uncond: Tensor | null = null;
    const wasTraining = this.training;
    this.eval();
    try {
      const codes = await maskgitSample(
        async (tokens, info) => {
          if (info.uncond) {
            const u = uncond;
            uncond = null;
            if (!u)
              throw new Error('UniF2ace.generate: the sampler asked for uncond logits before cond ones');
            return u;
          }
          const cur = (await tokens.data()) as Int32Array;
          rows.forEach((r, b) => {
            for (let i = 0; i < N; i++) c.ids[b * c.S + r.imageStart + i] = v.codeStart + cur[i];
          });
          const out = noGrad(() =>
            tidy(() => {
              const { h } = this.hidden(c, mask, { losses: false });
              const l = this.logitsAt(h, idx, v.codeStart, v.codeStart + K).reshape([R, N, K]);
              if (R === 1) return [l];
              return [0, 1].map((b) => ops.indexSelect(l, 0, tensor([b], [1], { dtype: 'i32' })));
            }),
          );
          if (out[1]) uncond = out[1];
          return out[0];
        },
        {
          batch: 1,
          length: N,
          codebookSize: K,
          maskId: K,
          steps: opts.steps ?? 18,
          cfg,
          temperature: opts.temperature ?? 1,
          seed: opts.seed ?? 0,
          onStep: opts.onStep
            ? (s) => opts.onStep!({ step: s.step, steps: s.steps, codes: s.tokens })
            : undefined,
        },
      );
      const [image] = await this.decodeCodes([codes]);
      return { codes, image };
    } finally {
      mask.dispose();
      (uncond as Tensor | null)?.dispose();
      this.train(wasTraining);
    }
  }

  /**
   * Answers a question about a face (autoregressive; greedy at temperature 0). With the KV cache (default)
   * the image prefix and question run once and each new token costs one row; `kvCache: false` recomputes
   * the whole sequence per token (the reference the cache is tested against).
   */
  async answer(
    image: RgbImage | Tensor | Int32Array,
    question: string,
    opts: AnswerOptions = {},
  ): Promise<string> {
    if (typeof question !== 'string') throw new TypeError('UniF2ace.answer: question must be a string');
    const codes = await this.codesOf(image, 'UniF2ace.answer');
    const v = this.vocab;
    const prompt = this.mmuRow(codes, question, null);
    const used = prompt.ids.length - prompt.boundary - 1; // bos + question
    const room = this.config.maxSequence - used;
    const maxTokens = Math.min(opts.maxTokens ?? room, room);
    const temperature = opts.temperature ?? 0;
    if (!(temperature >= 0))
      throw new RangeError(`UniF2ace.answer: temperature must be >= 0, got ${temperature}`);
    const rng = new Philox(opts.seed ?? 0);
    const eos = v.special('eos');
    const out: number[] = [];
    const wasTraining = this.training;
    this.eval();
    const dec = opts.kvCache === false ? this.recomputingDecoder(prompt) : this.cachedDecoder(prompt);
    try {
      let logits = await dec.first();
      for (let step = 0; step < maxTokens; step++) {
        const next = pickToken(logits, temperature, rng, step);
        opts.onToken?.({ step, token: next, logits });
        if (next === eos) break;
        out.push(next);
        if (step + 1 < maxTokens) logits = await dec.next(next);
      }
    } finally {
      dec.dispose();
      this.train(wasTraining);
    }
    return this.tokenizer.decode(out, { skipSpecial: true });
  }

  /** Readback of [1, textColumns] logits as a host array (disposes the tensor). */
  private async hostLogits(t: Tensor): Promise<Float32Array> {
    try {
      return Float32Array.from(await t.data());
    } finally {
      t.dispose();
    }
  }

  private recomputingDecoder(prompt: Row): Decoder {
    let ids = prompt.ids;
    const v = this.vocab;
    const run = () => {
      const c = this.collate([{ ...prompt, ids, answerStart: ids.length, answerEnd: ids.length }]);
      return this.hostLogits(
        noGrad(() =>
          tidy(() =>
            this.logitsAt(
              this.hidden(c, undefined, { losses: false }).h,
              Int32Array.of(ids.length - 1),
              0,
              v.textColumns,
            ),
          ),
        ),
      );
    };
    return {
      first: run,
      next: (token) => {
        const grown = new Int32Array(ids.length + 1);
        grown.set(ids);
        grown[ids.length] = token;
        ids = grown;
        return run();
      },
      dispose: () => {},
    };
  }

  private cachedDecoder(prompt: Row): Decoder {
    const v = this.vocab;
    const caches: BlockCache[] = this.blocks.map(() => ({ kv: emptyKVCache(), gates: null }));
    let inp: BlockInput | null = null;
    const D = this.config.dim;
    // face experts resample the same image features at every new token: their keys and values are
    // computed once, after the prefix
    const faces = this.blocks.flatMap((b) =>
      Object.values(b.seqMoe.experts as unknown as Record<string, unknown>).filter(
        (e): e is FaceExpert => e instanceof FaceExpert,
      ),
    );
    const free = () => {
      for (const f of faces) f.cacheFeatures(null);
      for (const c of caches) {
        disposeKVCache(c.kv);
        c.gates?.dispose();
        c.gates = null;
      }
      if (inp) {
        const ctx = inp.context as { clip: Tensor; face: Tensor };
        ctx.clip.dispose();
        ctx.face.dispose();
        inp.mask.dispose();
        inp.pool.dispose();
        inp = null;
      }
    };
    const last = (x: Tensor, row: number) =>
      this.logitsAt(this.lnFinal.forward(x), Int32Array.of(row), 0, v.textColumns);
    return {
      first: () => {
        const c = this.collate([prompt]);
        const logits = noGrad(() =>
          tidy(() => {
            const { x: x0, inp: made } = this.inputs(c);
            const ctx = made.context as { clip: Tensor; face: Tensor };
            // what the new rows need again: the expert features (the gates live in the caches)
            inp = {
              ...made,
              mask: keep(made.mask),
              pool: keep(made.pool),
              context: { clip: keep(ctx.clip), face: keep(ctx.face) },
            };
            let x = x0;
            for (let b = 0; b < this.blocks.length; b++) x = this.blocks[b].runCached(x, made, caches[b]);
            for (const f of faces) f.cacheFeatures(ctx.face);
            return last(x, c.S - 1);
          }),
        );
        return this.hostLogits(logits);
      },
      next: (token) => {
        const logits = noGrad(() =>
          tidy(() => {
            let x = this.embed.forward(tensor(Int32Array.of(token), [1, 1], { dtype: 'i32' }));
            for (let b = 0; b < this.blocks.length; b++) x = this.blocks[b].runCached(x, inp!, caches[b]);
            return last(x.reshape([1, D]), 0);
          }),
        );
        return this.hostLogits(logits);
      },
      dispose: free,
    };
  }

  /** A caption: the answer to "Describe this face in detail." */
  describe(image: RgbImage | Tensor | Int32Array, opts: AnswerOptions = {}): Promise<string> {
    return this.answer(image, CAPTION_QUESTION, opts);
  }

  // ---------------------------------------------------------------- images

  /** RGB images (the image tokenizer's size) -> N codes each. */
  async encodeImages(images: RgbImage[]): Promise<Int32Array[]> {
    const tok = this.#imageTokenizer;
    const x = imagesToTensor(images, tok.imageSize, 'UniF2ace.encodeImages');
    try {
      const codes = tok.encode(x);
      try {
        const data = Int32Array.from(await codes.data());
        const N = this.vocab.imageTokens;
        return images.map((_, b) => data.slice(b * N, (b + 1) * N));
      } finally {
        codes.dispose();
      }
    } finally {
      x.dispose();
    }
  }

  /** N codes per image -> RGB images. */
  async decodeCodes(codes: Int32Array[]): Promise<RgbImage[]> {
    const N = this.vocab.imageTokens;
    const K = this.vocab.codes;
    if (!Array.isArray(codes) || !codes.length)
      throw new RangeError('UniF2ace.decodeCodes: expected a non-empty array of Int32Array codes');
    const flat = new Int32Array(codes.length * N);
    codes.forEach((c, b) => {
      if (c.length !== N)
        throw new RangeError(`UniF2ace.decodeCodes: codes[${b}] has ${c.length} codes, expected ${N}`);
      for (let i = 0; i < N; i++)
        if (!(c[i] >= 0 && c[i] < K))
          throw new RangeError(
            `UniF2ace.decodeCodes: codes[${b}][${i}] = ${c[i]} is outside the codebook [0, ${K})`,
          );
      flat.set(c, b * N);
    });
    const [h, w] = this.#imageTokenizer.gridSize;
    const t = tensor(flat, [codes.length, h, w], { dtype: 'i32' });
    try {
      const img = this.#imageTokenizer.decode(t);
      try {
        return tensorDataToImages(await img.data(), img.shape);
      } finally {
        img.dispose();
      }
    } finally {
      t.dispose();
    }
  }

  private async codesOf(image: RgbImage | Tensor | Int32Array, where: string): Promise<Int32Array> {
    const N = this.vocab.imageTokens;
    if (isRgbImage(image)) return (await this.encodeImages([image]))[0];
    if (image instanceof Int32Array) {
      if (image.length !== N)
        throw new RangeError(`${where}: ${image.length} image codes, the model reads ${N}`);
      for (let i = 0; i < N; i++)
        if (!(image[i] >= 0 && image[i] < this.vocab.codes))
          throw new RangeError(
            `${where}: code ${image[i]} at ${i} is outside the codebook [0, ${this.vocab.codes})`,
          );
      return image;
    }
    const t = image as Tensor;
    if (!t || typeof t.live !== 'function')
      throw new TypeError(
        `${where}: image must be { rgb, width, height }, a Tensor or an Int32Array of codes`,
      );
    if (t.dtype === 'i32') {
      if (t.size !== N)
        throw new RangeError(`${where}: a codes tensor must hold ${N} codes, got [${t.shape.join(', ')}]`);
      const c = Int32Array.from(await t.data());
      for (let i = 0; i < N; i++)
        if (!(c[i] >= 0 && c[i] < this.vocab.codes))
          throw new RangeError(
            `${where}: code ${c[i]} at ${i} is outside the codebook [0, ${this.vocab.codes})`,
          );
      return c;
    }
    const s = this.#imageTokenizer.imageSize;
    const x = t.rank === 3 ? t.reshape([1, ...t.shape]) : t;
    if (x.rank !== 4 || x.shape[0] !== 1)
      throw new RangeError(
        `${where}: an image tensor must be [3, ${s}, ${s}] or [1, 3, ${s}, ${s}] in [-1, 1], got [${t.shape.join(', ')}]`,
      );
    const codes = this.#imageTokenizer.encode(x);
    try {
      return Int32Array.from(await codes.data());
    } finally {
      codes.dispose();
      if (x !== t) x.dispose();
    }
  }

  // ---------------------------------------------------------------- routing

  /** The routing of the last forward, per block (token level and sequence level). */
  async routingStats(): Promise<RoutingStats> {
    const layers = [];
    for (const b of this.blocks)
      layers.push({ token: await b.tokenMoe.routingStats(), seq: await b.seqRoutingStats() });
    return { layers };
  }

  /** Frees the routing record of the last forward. */
  forgetRouting(): void {
    for (const b of this.blocks) b.forgetRouting();
  }

  // ---------------------------------------------------------------- files

  /** The model folder's files (image-tokenizer files under 'image-tokenizer/'). */
  async toFiles(opts: { dtype?: 'f16' | 'f32' } = {}): Promise<Record<string, Uint8Array>> {
    const dtype = opts.dtype ?? 'f16';
    if (dtype !== 'f16' && dtype !== 'f32')
      throw new RangeError(`UniF2ace.save: dtype must be 'f16' or 'f32', got ${JSON.stringify(dtype)}`);
    const enc = new TextEncoder();
    const config = this.folderConfig();
    const input: Record<string, SafeInput> = {};
    for (const [name, t] of this.stateDict()) {
      const data = await t.data();
      if (t.dtype === 'f32' || t.dtype === 'f16') {
        input[name] =
          dtype === 'f16'
            ? { dtype: 'F16', shape: [...t.shape], data: Uint16Array.from(data, floatToHalf) }
            : { dtype: 'F32', shape: [...t.shape], data: Float32Array.from(data) };
      } else input[name] = { dtype: t.dtype === 'u32' ? 'U32' : 'I32', shape: [...t.shape], data };
    }
    const files: Record<string, Uint8Array> = {
      'config.json': enc.encode(`${JSON.stringify(config, null, 2)}\n`),
      'model.safetensors': serializeSafetensors(input, { format: 'pt', library: '@unif2ace/model' }),
      'tokenizer.json': enc.encode(`${JSON.stringify(this.tokenizer.toJSON(), null, 2)}\n`),
    };
    for (const [name, bytes] of Object.entries(await this.#imageTokenizer.toFiles()))
      files[`image-tokenizer/${name}`] = bytes;
    return files;
  }

  /**
   * Node: write the model folder to `dir` atomically — every file goes into a sibling temporary folder,
   * which then replaces `dir` (a crash leaves either the old folder or the new one, never a mix).
   */
  async save(dir: string, opts: { dtype?: 'f16' | 'f32' } = {}): Promise<void> {
    if (typeof dir !== 'string' || !dir) throw new TypeError('UniF2ace.save: dir must be a folder path');
    const files = await this.toFiles(opts);
    const { mkdir, rename, rm, stat } = await import('node:fs/promises');
    const { dirname, join, resolve } = await import('node:path');
    const { fsyncDir, writeFileAtomic } = await import('@unif2ace/common/node');
    const target = resolve(dir);
    const parent = dirname(target);
    await mkdir(parent, { recursive: true });
    const tmp = `${target}.partial-${process.pid}-${Date.now()}`;
    const old = `${target}.old-${process.pid}-${Date.now()}`;
    try {
      for (const [name, bytes] of Object.entries(files)) {
        const file = join(tmp, name);
        await mkdir(dirname(file), { recursive: true });
        await writeFileAtomic(file, bytes);
      }
      const exists = await stat(target).then(
        () => true,
        () => false,
      );
      if (exists) await rename(target, old);
      await rename(tmp, target);
      await fsyncDir(parent);
      if (exists) await rm(old, { recursive: true, force: true });
    } catch (e) {
      await rm(tmp, { recursive: true, force: true });
      throw new Error(`UniF2ace.save: cannot write ${target}: ${(e as Error).message}`, { cause: e });
    }
  }

  /**
   * Build from the folder's files (the browser path and load's common part). Takes ownership of
   * `imageTokenizer`: it is disposed with the model, or right away when the files are rejected.
   */
  static fromFiles(files: {
    config: unknown;
    weights: Uint8Array;
    tokenizer: unknown;
    imageTokenizer: ImageTokenizer;
    where?: string;
  }): UniF2ace {
    const where = files.where ?? 'model folder';
    let model: UniF2ace | null = null;
    try {
      const raw = files.config as Partial<ModelFolderConfig>;
      if (!raw || typeof raw !== 'object' || raw.format !== 1 || !raw.model || typeof raw.model !== 'object')
        throw new RangeError(`${where}/config.json: expected { "format": 1, "model": { … } }`);
      const { vocab, ...rest } = raw.model as UniF2aceConfig & { vocab?: VocabSizes };
      const config = validateConfig(rest, `${where}/config.json: model`);
      const tokenizer = BpeTokenizer.fromJSON(files.tokenizer, `${where}/tokenizer.json`);
      model = new UniF2ace(config, tokenizer, files.imageTokenizer, 0);
      if (vocab) {
        const have = model.vocab.sizes();
        for (const k of Object.keys(have) as (keyof VocabSizes)[])
          if (vocab[k] !== have[k])
            throw new RangeError(
              `${where}/config.json: vocab.${k} is ${vocab[k]}, the tokenizers give ${have[k]} (tokenizer.json or image-tokenizer/ do not belong to this model)`,
            );
      }
      loadModule(model, files.weights, { file: `${where}/model.safetensors` });
      model.eval();
      return model;
    } catch (e) {
      if (model) model.dispose();
      else files.imageTokenizer.dispose();
      throw e;
    }
  }

  /** No path: the shipped nano model. A folder path (Node) or URL (fetch) of a model folder. */
  static async load(path?: string | URL, opts: LoadModelOptions = {}): Promise<UniF2ace> {
    if (opts.backend) await init({ backend: opts.backend });
    const base = path ?? SHIPPED_MODEL;
    const where = String(base).replace(/\/$/, '');
    const from = { onProgress: opts.onProgress, who: 'UniF2ace.load' };
    const json = async (name: string) => {
      const bytes = await readAsset(base, name, from);
      try {
        return JSON.parse(new TextDecoder().decode(bytes));
      } catch (e) {
        throw new Error(`UniF2ace.load: ${where}/${name} is not JSON: ${(e as Error).message}`);
      }
    };
    const config = await json('config.json');
    const tokenizer = await json('tokenizer.json');
    const weights = await readAsset(base, 'model.safetensors', from);
    const itBase =
      base instanceof URL ? new URL('image-tokenizer/', withSlash(base)) : `${where}/image-tokenizer`;
    const imageTokenizer = await ImageTokenizer.load(itBase, {
      onProgress: (e) => e.status !== 'ready' && opts.onProgress?.(e),
    });
    const model = UniF2ace.fromFiles({ config, weights, tokenizer, imageTokenizer, where });
    opts.onProgress?.({ status: 'ready' });
    return model;
  }

  override dispose(): void {
    for (const b of this.blocks) b.releaseCaches();
    super.dispose();
    this.#imageTokenizer.dispose();
  }
}

function withSlash(u: URL): URL {
  return u.href.endsWith('/') ? u : new URL(`${u.href}/`);
}

/** Picks the next token from logits: argmax at temperature 0, else a draw from softmax(logits / T). */
function pickToken(logits: Float32Array, temperature: number, rng: Philox, step: number): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  if (temperature === 0) return best;
  let z = 0;
  const p = new Float64Array(logits.length);
  for (let i = 0; i < logits.length; i++) {
    p[i] = Math.exp((logits[i] - logits[best]) / temperature);
    z += p[i];
  }
  let u = rng.uniform(step, 0, DRAW_TOKEN) * z;
  for (let i = 0; i < p.length; i++) {
    u -= p[i];
    if (u <= 0) return i;
  }
  return best;
}
