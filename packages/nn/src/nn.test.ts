import { scope, type Tensor, tensor, tidy } from '@unif2ace/tensor';
import { checkLeaks, expectClose } from '@unif2ace/tensor/testing';
import { describe, expect, it } from 'vitest';
import golden from './fixtures/nn.json';
import { seedInit } from './init.js';
import { loadModule, saveModule } from './io/state.js';
import { Module } from './module.js';
import { Linear } from './modules/linear.js';
import { Activation, Sequential } from './modules/sequential.js';
import { AdamW } from './optim/adamw.js';
import { clipGradNorm } from './optim/clip.js';
import { EMA } from './optim/ema.js';
import { warmupCosine } from './optim/schedules.js';
import { SGD } from './optim/sgd.js';

checkLeaks();

class Net extends Module {
  body = new Sequential(new Linear(2, 8), new Activation('tanh'), new Linear(8, 1));
  forward(x: Tensor) {
    return this.body.forward(x);
  }
}

describe('Module', () => {
  it('names parameters like PyTorch and counts them', () => {
    seedInit(1);
    const net = new Net();
    expect([...net.stateDict().keys()]).toEqual([
      'body.layers.0.weight',
      'body.layers.0.bias',
      'body.layers.2.weight',
      'body.layers.2.bias',
    ]);
    expect(net.numParameters()).toBe(2 * 8 + 8 + 8 + 1);
    net.freeze();
    expect(net.numParameters({ trainableOnly: true })).toBe(0);
    net.dispose();
  });

  it('Linear forward and gradients match PyTorch', async () => {
    const g = golden.linear;
    const lin = new Linear(4, 5);
    const report = tidy(() => {
      const values = new Map([
        ['weight', tensor(g.w, [5, 4])],
        ['bias', tensor(g.b, [5])],
      ]);
      return lin.loadStateDict(values);
    });
    expect(report).toEqual({ missing: [], unexpected: [], shapeMismatch: [] });
    const y = await scope(async () => {
      const out = lin.forward(tensor(g.x, [3, 4]));
      out.backward(tensor(g.gy, [3, 5]));
      return out.data();
    });
    expectClose(y, g.y, { atol: 1e-5 });
    expectClose(await lin.weight.grad!.data(), g.gw, { atol: 1e-5 });
    expectClose(await lin.bias!.grad!.data(), g.gb, { atol: 1e-5 });
    lin.dispose();
  });

  it('saves to safetensors and loads back; strict loading reports bad keys and shapes', async () => {
    seedInit(2);
    const a = new Net();
    seedInit(3);
    const b = new Net();
    const bytes = await saveModule(a, { note: 'test' });
    loadModule(b, bytes);
    for (const [k, t] of a.stateDict())
      expectClose(await b.stateDict().get(k)!.data(), await t.data(), { label: k });
    const small = new Linear(2, 3);
    expect(() => loadModule(small, bytes)).toThrow(
      /missing keys: weight, bias \| unexpected keys: body\.layers\.0\.bias, body\.layers\.0\.weight/,
    );
    const rep = loadModule(small, bytes, { strict: false });
    expect(rep.unexpected.length).toBe(4);
    for (const m of [a, b, small]) m.dispose();
  });
});

describe('optimizers', () => {
  it('EMA follows shadow = d * shadow + (1 - d) * param and leaves only its shadows live', async () => {
    const p = tensor([1, 2, -4], [3], { requiresGrad: true });
    const ema = new EMA([p], 0.5);
    for (const v of [
      [3, 2, 0],
      [5, -2, 4],
    ]) {
      const next = tensor(v, [3]);
      p.copy_(next);
      next.dispose();
      ema.update();
    }
    // 1 → 0.5*1 + 0.5*3 = 2 → 0.5*2 + 0.5*5 = 3.5; 2 → 2 → 0; -4 → -2 → 1
    expectClose(await ema.shadow[0].data(), [3.5, 0, 1], { atol: 1e-6 });
    expect([...(await p.data())]).toEqual([5, -2, 4]);
    ema.dispose();
    p.dispose();
  });
  for (const name of ['adamw', 'sgd'] as const) {
    it(`${name} steps match PyTorch`, async () => {
      const g = golden[name];
      const p = tensor(g.p0, [2, 3], { requiresGrad: true });
      const opt =
        name === 'adamw'
          ? new AdamW([p], { lr: 0.1, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.05 })
          : new SGD([p], { lr: 0.1, momentum: 0.9, weightDecay: 0.01 });
      for (const grad of g.grads) {
        opt.zeroGrad();
        p.grad = tensor(grad, [2, 3]);
        opt.update();
      }
      expectClose(await p.data(), g.p, { atol: 1e-5, rtol: 1e-5 });
      opt.zeroGrad();
      opt.dispose();
      p.dispose();
    });
  }

  it('clipGradNorm matches torch.nn.utils.clip_grad_norm_', async () => {
    const g = golden.clip;
    const a = tensor(new Float32Array(6), [3, 2], { requiresGrad: true });
    const c = tensor(new Float32Array(4), [4], { requiresGrad: true });
    a.grad = tensor(g.g1, [3, 2]);
    c.grad = tensor(g.g2, [4]);
    const norm = clipGradNorm([a, c], g.max);
    expectClose([await norm.item()], [g.norm], { rtol: 1e-5 });
    expectClose(await a.grad.data(), g.c1, { atol: 1e-6 });
    expectClose(await c.grad.data(), g.c2, { atol: 1e-6 });
    for (const t of [norm, a.grad, c.grad, a, c]) t.dispose();
  });

  it('warmup + cosine schedule', () => {
    const f = warmupCosine({ peak: 1, warmup: 10, total: 110, min: 0.1 });
    expect(f(0)).toBeCloseTo(0.1);
    expect(f(9)).toBeCloseTo(1);
    expect(f(60)).toBeCloseTo(0.55);
    expect(f(110)).toBeCloseTo(0.1);
  });

  it('a tiny MLP learns XOR to near-zero loss', async () => {
    seedInit(7);
    const net = new Net();
    const opt = new AdamW(net.parameters(), { lr: 0.05, weightDecay: 0 });
    const x = tensor([0, 0, 0, 1, 1, 0, 1, 1], [4, 2]);
    const y = tensor([0, 1, 1, 0], [4, 1]);
    let loss = 1;
    for (let step = 0; step < 300; step++) {
      const l = tidy(() => {
        const out = net.forward(x).sub(y).square().mean();
        out.backward();
        return out;
      });
      opt.update();
      opt.zeroGrad();
      if (step % 50 === 49 || step === 299) loss = await l.item();
      l.dispose();
    }
    expect(loss).toBeLessThan(1e-3);
    for (const t of [x, y]) t.dispose();
    opt.dispose();
    net.dispose();
  });
});
