import { loadModule, Module, moduleFromConfig, saveModule, seedInit } from '@unif2ace/nn';
import { ops, type Tensor, tensor, tidy } from '@unif2ace/tensor';
import { checkLeaks, DEVICE, expectClose, rand, randomArray, useBackend } from '@unif2ace/tensor/testing';
import { describe, expect, it } from 'vitest';
import { registerExpert, type TokenExpert, TokenMoE, type TokenMoEOptions } from './index.js';

checkLeaks();

const D = 16;
const base: TokenMoEOptions = { dim: D, hidden: 24, experts: 4, shared: 1, topK: 2 };
const GROUPS = ['generation', 'understanding', 'understanding', 'generation', 'understanding'];

function layer(opts: Partial<TokenMoEOptions> = {}, seed = 3): TokenMoE {
  seedInit(seed);
  return new TokenMoE({ ...base, ...opts });
}

/** Output, aux loss and every parameter's gradient of loss = Σ y·r + aux. */
async function run(m: TokenMoE, dense: boolean, x0: Float32Array, shape: number[], groups = GROUPS) {
  m.zeroGrad();
  const [y, aux, dx] = tidy(() => {
    const x = tensor(x0, shape, { requiresGrad: true });
    const o = dense ? m.routeDense(x, groups) : m.route(x, groups);
    o.y.mul(rand(shape, 77)).sum().add(o.auxLoss).backward();
    return [o.y, o.auxLoss, x.grad!];
  });
  const out = {
    y: Float32Array.from(await y.data()),
    aux: (await aux.data())[0],
    grads: new Map<string, Float32Array>(),
  };
  for (const [k, p] of m.namedParameters()) out.grads.set(k, Float32Array.from(await p.grad!.data()));
  out.grads.set('input', Float32Array.from(await dx.data()));
  y.dispose();
  aux.dispose();
  dx.dispose();
  m.zeroGrad();
  return out;
}

describe(`TokenMoE (${DEVICE})`, () => {
  it('sparse dispatch equals the dense loop over experts to 1e-5, forward and gradients', async () => {
    for (const be of ['cpu', DEVICE] as const) {
      await useBackend(be);
      const m = layer();
      const x = randomArray(5 * 7 * D, 11);
      const sparse = await run(m, false, x, [5, 7, D]);
      const dense = await run(m, true, x, [5, 7, D]);
      expectClose(sparse.y, dense.y, { atol: 1e-5, rtol: 1e-5, label: `${be} y` });
      expect(Math.abs(sparse.aux - dense.aux)).toBeLessThan(1e-6);
      for (const [k, g] of sparse.grads)
        expectClose(g, dense.grads.get(k)!, { atol: 1e-5, rtol: 1e-4, label: `${be} d${k}` });
      // every parameter got a gradient, router included
      for (const k of ['router.weight', 'bank.w1', 'bank.w2']) {
        expect(
          sparse.grads.get(k)!.some((v) => v !== 0),
          k,
        ).toBe(true);
      }
      m.forgetRouting();
      m.dispose();
    }
  });

  it('forward and backward give the same bits on every run (no float atomics add two values)', async () => {
    const m = layer({ capacityFactor: 1 });
    const x = randomArray(5 * 7 * D, 17);
    const a = await run(m, false, x, [5, 7, D]);
    const b = await run(m, false, x, [5, 7, D]);
    expect(new Uint32Array(b.y.buffer)).toEqual(new Uint32Array(a.y.buffer));
    for (const [k, g] of a.grads)
      expect(new Uint32Array(b.grads.get(k)!.buffer), k).toEqual(new Uint32Array(g.buffer));
    m.dispose();
  });

  it('losses: false (what forward() uses) gives the same output and 0 losses', async () => {
    const m = layer({ zLossWeight: 0.1 });
    const x = tensor(randomArray(5 * 7 * D, 18), [5, 7, D]);
    const [y, full, aux] = tidy(() => {
      const a = m.route(x, GROUPS);
      const b = m.route(x, GROUPS, { losses: false });
      return [b.y, a.y, b.auxLoss.add(b.balanceLoss).add(b.zLoss)];
    });
    expect(Array.from(await y.data())).toEqual(Array.from(await full.data()));
    expect((await aux.data())[0]).toBe(0);
    for (const t of [x, y, full, aux]) t.dispose();
    m.dispose();
  });

  it('the device matches the CPU reference', async () => {
    const res: Awaited<ReturnType<typeof run>>[] = [];
    const x = Float32Array.from({ length: 5 * 7 * D }, (_, i) => Math.sin(i * 0.37));
    for (const be of ['cpu', DEVICE] as const) {
      await useBackend(be);
      const m = layer({ capacityFactor: 0.75 });
      res.push(await run(m, false, x, [5, 7, D]));
      m.dispose();
    }
    expectClose(res[1].y, res[0].y, { atol: 1e-5, rtol: 1e-4, label: 'y' });
    for (const [k, g] of res[0].grads)
      expectClose(res[1].grads.get(k)!, g, { atol: 1e-5, rtol: 1e-3, label: k });
  });

  it('gradients reach router and experts: finite differences', async () => {
    await useBackend('cpu');
    const m = layer({ zLossWeight: 0.1, balanceWeight: 0.5 });
    const x0 = Float32Array.from({ length: 3 * 4 * D }, (_, i) => Math.cos(i * 0.71));
    const groups = ['generation', 'understanding', 'generation'];
    const loss = () =>
      tidy(() => {
        const o = m.route(tensor(x0, [3, 4, D]), groups);
        return o.y
          .mul(rand([3, 4, D], 77))
          .sum()
          .add(o.auxLoss);
      });
    const analytic = await run(m, false, x0, [3, 4, D], groups);
    const params = new Map(m.namedParameters());
    const eps = 1e-3;
    for (const name of ['router.weight', 'bank.w1', 'bank.w2']) {
      const p = params.get(name)!;
      const vals = p.dataSync() as Float32Array;
      const picks = [0, 7, 19, Math.floor(p.size / 2), p.size - 3];
      for (const i of picks) {
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
        const fd = (at(vals[i] + eps) - at(vals[i] - eps)) / (2 * eps);
        at(vals[i]);
        const an = analytic.grads.get(name)![i];
        expect(Math.abs(fd - an), `${name}[${i}]: fd ${fd} vs autograd ${an}`).toBeLessThan(
          2e-3 + 2e-2 * Math.abs(fd),
        );
      }
    }
    m.dispose();
  });

  it('a 1-expert top-1 layer without shared experts is a dense MLP (forward and gradient)', async () => {
    const m = layer({ experts: 1, shared: 0, topK: 1 });
    const x0 = randomArray(2 * 5 * D, 3);
    const s = await run(m, false, x0, [2, 5, D], ['generation', 'generation']);
    const [y, gw1] = tidy(() => {
      const w1 = m.bank.w1.slice(0, 0, 1).reshape([D, 24]).detach().requiresGrad_();
      const w2 = m.bank.w2.slice(0, 0, 1).reshape([24, D]).detach();
      const y = ops.matmul(ops.matmul(tensor(x0, [10, D]), w1).gelu(), w2);
      y.mul(rand([2, 5, D], 77).reshape([10, D]))
        .sum()
        .backward();
      return [y, w1.grad!];
    });
    expectClose(s.y, await y.data(), { atol: 1e-5, label: 'y' });
    expectClose(s.grads.get('bank.w1')!.slice(0, D * 24), await gw1.data(), { atol: 1e-5, label: 'dw1' });
    expect(s.aux).toBeCloseTo(0.01, 6); // one expert: f = P = 1, λ·E·1 = λ
    y.dispose();
    gw1.dispose();
    m.dispose();
  });

  it('task groups are isolated (routing statistics and gradients)', async () => {
    const m = layer();
    const x = rand([5, 7, D], 21);
    const o = m.route(x, GROUPS);
    const st = await m.routingStats();
    expect(st.groups.map((g) => g.tokens)).toEqual([14, 21]);
    st.tokenExperts.forEach((ids, t) => {
      const g = st.tokenGroup[t];
      expect(g).toBe(GROUPS[Math.floor(t / 7)] === 'generation' ? 0 : 1);
      for (const id of ids) expect(Math.floor(id / 4), `token ${t} (group ${g}) routed to ${id}`).toBe(g);
      expect(ids[0]).not.toBe(ids[1]);
      expect(st.tokenGates[t][0] + st.tokenGates[t][1]).toBeCloseTo(1, 5);
    });
    expect(st.groups.map((g) => g.load.reduce((a, b) => a + b, 0))).toEqual([28, 42]);
    expect(st.groups.every((g) => g.dropped === 0)).toBe(true);
    for (const t of Object.values(o)) t.dispose();
    // generation-only batch: the understanding group's experts (bank slots 5..9) get exactly zero gradient
    tidy(() => {
      const g = m.route(rand([2, 7, D], 4), ['generation', 'generation']);
      g.y.square().sum().add(g.auxLoss).backward();
    });
    const dw1 = await m.bank.w1.grad!.data();
    const per = D * 24;
    for (let s = 0; s < 10; s++) {
      const any = dw1.slice(s * per, (s + 1) * per).some((v) => v !== 0);
      expect(any, `slot ${s}`).toBe(s < 5);
    }
    x.dispose();
    m.dispose();
  });

  it('capacity drops are counted, and the kept assignments match the unlimited routing', async () => {
    const x = rand([5, 7, D], 31);
    const free = layer();
    for (const t of Object.values(free.route(x, GROUPS))) t.dispose();
    const all = await free.routingStats();
    const capped = layer({ capacityFactor: 0.5 });
    const o = capped.route(x, GROUPS);
    const st = await capped.routingStats();
    expect(st.tokenExperts).toEqual(all.tokenExperts); // same weights, same routing
    for (let g = 0; g < 2; g++) {
      const cap = Math.ceil((0.5 * st.groups[g].tokens * 2) / 4);
      const loads = all.groups[g].load;
      expect(st.groups[g].load).toEqual(loads.map((l) => Math.min(l, cap)));
      expect(st.groups[g].dropped).toBe(loads.reduce((s, l) => s + Math.max(0, l - cap), 0));
    }
    expect(st.groups[0].dropped + st.groups[1].dropped).toBeGreaterThan(0);
    // drops are the latest tokens of each over-full expert
    const seen = new Map<number, number>();
    st.tokenExperts.forEach((ids, t) => {
      ids.forEach((id, q) => {
        const n = (seen.get(id) ?? 0) + 1;
        seen.set(id, n);
        const cap = Math.ceil((0.5 * st.groups[Math.floor(id / 4)].tokens * 2) / 4);
        expect(st.tokenDropped[t][q]).toBe(n > cap);
      });
    });
    for (const t of Object.values(o)) t.dispose();
    x.dispose();
    free.dispose();
    capped.dispose();
  });
});

class Scale extends Module implements TokenExpert {
  weight: Tensor;
  constructor(dim: number, init: number) {
    super();
    this.weight = this.param(tensor(new Float32Array(dim).fill(init), [dim]));
  }
  forward(x: Tensor): Tensor {
    return x.mul(this.weight);
  }
}

/** Drops the last feature: a shape bug TokenMoE must report. */
class Narrow extends Module implements TokenExpert {
  constructor(readonly dim: number) {
    super();
  }
  forward(x: Tensor): Tensor {
    return x.slice(1, 0, this.dim - 1);
  }
}

describe('custom token experts', () => {
  registerExpert('scale', (c) => new Scale(c.dim, (c.options.init as number) ?? 0.5), {
    level: 'token',
    replace: true,
  });
  registerExpert('narrow', (c) => new Narrow(c.dim), { level: 'token', replace: true });
  registerExpert('broken', (c) => new Scale(c.dim + 1, 1), { level: 'token', replace: true });

  it('are routed, trained, saved and loaded under their names', async () => {
    const opts = { experts: ['mlp', 'scale', 'mlp', 'scale'], expertOptions: { scale: { init: 2 } } };
    const a = layer(opts, 5);
    const keys = [...a.stateDict().keys()];
    expect(keys).toContain('custom.generation.1.scale.weight');
    expect(keys).toContain('custom.understanding.3.scale.weight');
    const x0 = randomArray(5 * 7 * D, 8);
    const sparse = await run(a, false, x0, [5, 7, D]);
    const dense = await run(a, true, x0, [5, 7, D]);
    expectClose(sparse.y, dense.y, { atol: 1e-5, label: 'sparse vs dense with custom experts' });
    expect(sparse.grads.get('custom.generation.1.scale.weight')!.some((v) => v !== 0)).toBe(true);
    const bytes = await saveModule(a);
    const b = layer(opts, 99);
    loadModule(b, bytes);
    const yb = await run(b, false, x0, [5, 7, D]);
    expectClose(yb.y, sparse.y, { atol: 0, rtol: 0, label: 'after load' });
    a.dispose();
    b.dispose();
  });

  it('give clear errors: unknown names, levels, duplicates, bad shapes', () => {
    expect(() => layer({ experts: ['mlp', 'nope'] })).toThrow(
      /unknown token-level expert 'nope'; registered token-level experts: .*mlp.*scale/,
    );
    expect(() => registerExpert('scale', () => new Scale(4, 1), { level: 'token' })).toThrow(
      /already registered/,
    );
    expect(() => registerExpert('x y', () => new Scale(4, 1), { level: 'token' })).toThrow(
      /name must start with a letter/,
    );
    expect(() => registerExpert('z', () => new Scale(4, 1), { level: 'tokens' as 'token' })).toThrow(
      /level must be 'token' or 'sequence'/,
    );
    tidy(() => {
      const m = layer({ experts: ['mlp', 'narrow'] });
      expect(() => m.route(rand([2, 3, D], 1), [0, 1])).toThrow(
        /expert 'narrow' \(group 'generation', slot 1\) returned \[6, 15\] for input \[6, 16\]/,
      );
      m.dispose();
      const b = layer({ experts: ['mlp', 'broken'] });
      expect(() => b.route(rand([2, 3, D], 1), [0, 1])).toThrow(
        /expert 'broken' \(group 'generation', slot 1\) failed on input \[6, 16\]: mul: shapes/,
      );
      b.dispose();
      const m2 = layer();
      expect(() => m2.route(rand([2, 3, D], 1), [0, 'video'])).toThrow(
        /sequence 1 names group "video"; groups are 0 'generation', 1 'understanding'/,
      );
      expect(() => m2.route(rand([2, 3, D], 1), [0])).toThrow(/1 group ids for input \[2, 3, 16\]/);
      m2.dispose();
    });
  });
});

describe('config round trip', () => {
  it('toConfig / fromConfig rebuild the layer; unknown keys are rejected with the valid ones', async () => {
    const a = layer({ capacityFactor: 1.5, zLossWeight: 0.01 });
    const cfg = JSON.parse(JSON.stringify(a.toConfig()));
    expect(cfg).toMatchObject({
      _class: 'TokenMoE',
      _version: 1,
      dim: D,
      experts: ['mlp', 'mlp', 'mlp', 'mlp'],
    });
    const b = TokenMoE.fromConfig(cfg);
    loadModule(b, await saveModule(a));
    const x0 = randomArray(5 * 7 * D, 2);
    expectClose((await run(b, false, x0, [5, 7, D])).y, (await run(a, false, x0, [5, 7, D])).y, {
      atol: 0,
      rtol: 0,
    });
    const c = moduleFromConfig(cfg);
    expect(c).toBeInstanceOf(TokenMoE);
    expect((c as TokenMoE).capacityFactor).toBe(1.5);
    c.dispose();
    expect(() => TokenMoE.fromConfig({ ...cfg, topk: 2 })).toThrow(
      /unknown keys topk; valid keys: dim, hidden, .*topK/,
    );
    expect(() => TokenMoE.fromConfig({ ...cfg, _class: 'SeqMoE' })).toThrow(
      /_class is "SeqMoE", expected 'TokenMoE'/,
    );
    a.dispose();
    b.dispose();
  });
});
