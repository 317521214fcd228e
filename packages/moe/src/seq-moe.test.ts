import { Linear, loadModule, Module, saveModule, seedInit } from '@unif2ace/nn';
import { ops, type Tensor, tensor, tidy } from '@unif2ace/tensor';
import { checkLeaks, DEVICE, expectClose, rand, randomArray, useBackend } from '@unif2ace/tensor/testing';
import { describe, expect, it } from 'vitest';
import { FaceExpert, registerExpert, SeqMoE, type SeqMoEOptions, type SequenceExpert } from './index.js';

checkLeaks();

const D = 8;
const L = 5;
const GROUPS = ['generation', 'understanding', 'generation', 'understanding', 'understanding'];
const B = GROUPS.length;
const CLIP = 6;
const FACE = 7;
const NF = 3;

function layer(opts: Partial<SeqMoEOptions> = {}, seed = 4): SeqMoE {
  seedInit(seed);
  return new SeqMoE({
    dim: D,
    expertOptions: { clip: { featureDim: CLIP }, face: { featureDim: FACE }, noise: { std: 0.5 } },
    ...opts,
  });
}

const ctxData = { clip: randomArray(B * CLIP, 41), face: randomArray(B * NF * FACE, 42) };
const context = () => ({ clip: tensor(ctxData.clip, [B, CLIP]), face: tensor(ctxData.face, [B, NF, FACE]) });

describe(`SeqMoE (${DEVICE})`, () => {
  it('output = Σ gates × picked experts (Copy, Zero, Noise in eval), groups isolated, device = CPU', async () => {
    const outs: Float32Array[] = [];
    const x0 = randomArray(B * L * D, 9);
    for (const be of ['cpu', DEVICE] as const) {
      await useBackend(be);
      const m = layer().eval();
      const y = tidy(() => m.route(tensor(x0, [B, L, D]), GROUPS, { context: context() }).y);
      const yd = Float32Array.from(await y.data());
      outs.push(yd);
      const st = await m.routingStats();
      expect(st.groups.map((g) => g.sequences)).toEqual([2, 3]);
      st.sequenceExperts.forEach((ids, b) => {
        for (const id of ids) expect(Math.floor(id / 4), `sequence ${b}`).toBe(st.sequenceGroup[b]);
        if (st.sequenceGroup[b] !== 0) return;
        // generation: copy, copy, zero, noise (0 in eval): y = (Σ gates of the copies) · x
        const copies = ids.reduce((s, id, q) => s + (id % 4 < 2 ? st.sequenceGates[b][q] : 0), 0);
        const want = x0.slice(b * L * D, (b + 1) * L * D).map((v) => v * copies);
        expectClose(yd.slice(b * L * D, (b + 1) * L * D), want, { atol: 1e-6, label: `sequence ${b}` });
      });
      y.dispose();
      m.dispose();
    }
    expectClose(outs[1], outs[0], { atol: 1e-5, rtol: 1e-4, label: 'device vs cpu' });
  });

  it('Noise is scaled Gaussian noise while training and 0 in eval', async () => {
    const m = layer({ groups: ['generation'], experts: [['noise', 'noise', 'noise', 'noise']], topK: 1 });
    const x = rand([4, 64, D], 3);
    const yt = tidy(() => m.route(x, [0, 0, 0, 0]).y);
    const v = Float32Array.from(await yt.data());
    const std = Math.sqrt(v.reduce((s, a) => s + a * a, 0) / v.length);
    expect(std).toBeGreaterThan(0.4);
    expect(std).toBeLessThan(0.6); // std 0.5, top-1 gate 1
    m.eval();
    const ye = tidy(() => m.route(x, [0, 0, 0, 0]).y);
    expect((await ye.data()).every((a) => a === 0)).toBe(true);
    for (const t of [x, yt, ye]) t.dispose();
    m.dispose();
  });

  it('gradients reach the router, the CLIP-like projection and the Face resampler: finite differences', async () => {
    await useBackend('cpu');
    const m = layer({ balanceWeight: 0.3 }).eval();
    const x0 = randomArray(B * L * D, 12);
    const loss = () =>
      tidy(() => {
        const o = m.route(tensor(x0, [B, L, D]), GROUPS, { context: context() });
        return o.y
          .mul(rand([B, L, D], 13))
          .sum()
          .add(o.auxLoss);
      });
    tidy(() => loss().backward());
    const params = new Map(m.namedParameters());
    const names = [
      'router.weight',
      'experts.understanding.2.clip.proj.weight',
      'experts.understanding.3.face.mix',
      'experts.understanding.3.face.q.weight',
      'experts.understanding.3.face.proj.weight',
    ];
    let nonzero = 0;
    for (const name of names) {
      const p = params.get(name);
      if (!p) throw new Error(`no parameter ${name}; have ${[...params.keys()].join(', ')}`);
      const an = p.grad ? await p.grad.data() : new Float32Array(p.size);
      const vals = Float32Array.from(p.dataSync());
      for (const i of [0, Math.floor(p.size / 2), p.size - 1]) {
        const at = (v: number) => {
          const c = Float32Array.from(vals);
          c[i] = v;
          tidy(() => {
            p.copy_(tensor(c, p.shape));
          });
          const l = loss();
          const r = l.dataSync()[0];
          l.dispose();
          return r;
        };
        const fd = (at(vals[i] + 1e-3) - at(vals[i] - 1e-3)) / 2e-3;
        at(vals[i]);
        if (an[i] !== 0) nonzero++;
        expect(Math.abs(fd - an[i]), `${name}[${i}]: fd ${fd} vs autograd ${an[i]}`).toBeLessThan(
          2e-3 + 2e-2 * Math.abs(fd),
        );
      }
    }
    expect(nonzero).toBeGreaterThan(8);
    m.dispose();
  });
});

/** A custom sequence expert: a learned affine map of the mean-pooled sequence added to every position. */
class Summary extends Module implements SequenceExpert {
  lin: Linear;
  constructor(dim: number) {
    super();
    this.lin = new Linear(dim, dim);
  }
  forward(x: Tensor): Tensor {
    const [n, , d] = x.shape;
    return x.add(this.lin.forward(x.mean(1)).reshape([n, 1, d]));
  }
}

describe(`FaceExpert wider than the fused attention kernel (${DEVICE})`, () => {
  it('dim 136 (> 128, one head): device = the CPU reference written with ops.attention', async () => {
    const Dw = 136;
    const outs: Float32Array[] = [];
    for (const be of ['cpu', DEVICE] as const) {
      await useBackend(be);
      seedInit(5);
      const e = new FaceExpert(Dw, 6);
      const x = tensor(randomArray(2 * 3 * Dw, 8), [2, 3, Dw]);
      const f = tensor(randomArray(2 * 4 * 6, 9), [2, 4, 6]);
      const y = tidy(() => {
        if (be === DEVICE) return e.forward(x, { context: { face: f }, training: false });
        // the formula of seq-experts.ts with the fused kernel (the CPU backend has no head-size limit)
        const tok = e.proj.forward(f);
        const q = e.q.forward(x).reshape([2, 1, 3, Dw]);
        const kv = e.kv.forward(tok).reshape([2, 4, 2, Dw]);
        const k = kv.slice(2, 0, 1).reshape([2, 1, 4, Dw]);
        const v = kv.slice(2, 1, 2).reshape([2, 1, 4, Dw]);
        const r = e.out.forward(ops.attention(q, k, v).reshape([2, 3, Dw]));
        const w = e.mix.sigmoid();
        return x.mul(w).add(r.mul(w.neg().add(1)));
      });
      outs.push(Float32Array.from(await y.data()));
      for (const t of [x, f, y]) t.dispose();
      e.dispose();
    }
    expectClose(outs[1], outs[0], { atol: 1e-4, label: 'face expert, dim 136' });
  });
});

describe(`FaceExpert.cacheFeatures (${DEVICE})`, () => {
  it('forward over cached keys and values equals forward reading the features; null frees them', async () => {
    await useBackend(DEVICE);
    seedInit(6);
    const e = new FaceExpert(8, 5);
    const f = tensor(randomArray(2 * 3 * 5, 4), [2, 3, 5]);
    const x = tensor(randomArray(2 * 4 * 8, 5), [2, 4, 8]);
    const want = tidy(() => e.forward(x, { context: { face: f }, training: false }));
    e.cacheFeatures(f);
    const got = tidy(() => e.forward(x, { training: false })); // no context: the cache is used
    expectClose(await got.data(), await want.data(), { atol: 1e-6 });
    expect(() => tidy(() => e.forward(tensor(randomArray(8, 1), [1, 1, 8]), { training: false }))).toThrow(
      /cached features hold 2 sequences, the input 1/,
    );
    e.cacheFeatures(null);
    expect(() => tidy(() => e.forward(x, { training: false }))).toThrow(/no features/);
    e.cacheFeatures(f); // dispose() frees a live cache too
    for (const t of [f, x, want, got]) t.dispose();
    e.dispose();
  });
});

describe('custom sequence experts and pluggable features', () => {
  registerExpert('summary', (c) => new Summary(c.dim), { level: 'sequence', replace: true });

  it('are routed, saved and loaded under their names; F is pluggable', async () => {
    let calls = 0;
    const features = (ctx: unknown) => {
      calls++;
      return (ctx as { img: Tensor }).img.reshape([B, NF, FACE]);
    };
    const opts: Partial<SeqMoEOptions> = {
      experts: [
        ['copy', 'summary', 'zero', 'summary'],
        ['copy', 'summary', 'face', 'face'],
      ],
      expertOptions: { face: { featureDim: FACE, features } },
    };
    const a = layer(opts, 1).eval();
    expect([...a.stateDict().keys()]).toContain('experts.generation.1.summary.lin.weight');
    expect([...a.stateDict().keys()]).toContain('experts.understanding.3.face.mix');
    const x0 = randomArray(B * L * D, 5);
    const run = async (m: SeqMoE) => {
      const y = tidy(
        () =>
          m.route(tensor(x0, [B, L, D]), GROUPS, { context: { img: tensor(ctxData.face, [B * NF * FACE]) } })
            .y,
      );
      const d = Float32Array.from(await y.data());
      y.dispose();
      return d;
    };
    const ya = await run(a);
    expect(calls).toBe(2);
    const b = layer(opts, 77).eval();
    expect(await run(b)).not.toEqual(ya);
    loadModule(b, await saveModule(a));
    expectClose(await run(b), ya, { atol: 0, rtol: 0, label: 'after load' });
    a.dispose();
    b.dispose();
  });

  it('give clear errors', () => {
    expect(() =>
      layer({
        experts: [
          ['copy', 'mlp'],
          ['copy', 'copy'],
        ],
      }),
    ).toThrow(
      /unknown sequence-level expert 'mlp' \('mlp' is a token-level expert\); registered sequence-level experts: clip, copy, face, noise, .*zero/,
    );
    expect(() => new SeqMoE({ dim: D })).toThrow(
      /sequence expert 'clip': needs expertOptions.clip.featureDim/,
    );
    tidy(() => {
      const m = layer().eval();
      expect(() => m.route(rand([B, L, D], 1), GROUPS)).toThrow(
        /expert 'clip' \(group 'understanding', slot 2\) failed on input \[3, 5, 8\]: sequence expert 'clip': no features/,
      );
      expect(() => m.route(rand([B, L, D], 1), GROUPS.slice(1))).toThrow(/4 group ids for 5 sequences/);
      m.dispose();
    });
  });
});

describe('SeqMoE config', () => {
  it('round-trips through JSON; feature functions come back through fromConfig extra', async () => {
    const features = (ctx: unknown) => (ctx as { c: Tensor }).c;
    const a = layer({
      expertOptions: { clip: { featureDim: CLIP, features }, face: { featureDim: FACE } },
    }).eval();
    const cfg = JSON.parse(JSON.stringify(a.toConfig()));
    expect(cfg.expertOptions.clip).toEqual({ featureDim: CLIP });
    const b = SeqMoE.fromConfig(cfg, { expertOptions: { clip: { features } } }).eval();
    loadModule(b, await saveModule(a));
    const x0 = randomArray(B * L * D, 3);
    const y = async (m: SeqMoE) => {
      const t = tidy(() => {
        const c = context();
        return m.route(tensor(x0, [B, L, D]), GROUPS, { context: { c: c.clip, face: c.face } }).y;
      });
      const d = Float32Array.from(await t.data());
      t.dispose();
      return d;
    };
    expectClose(await y(b), await y(a), { atol: 0, rtol: 0 });
    expect(() => SeqMoE.fromConfig({ ...cfg, hidden: 3 })).toThrow(
      /unknown keys hidden; valid keys: dim, groups/,
    );
    a.dispose();
    b.dispose();
  });
});
