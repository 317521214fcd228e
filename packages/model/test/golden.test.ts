// Golden logits against the PyTorch twin (tools/torch-model): fixtures/tiny/ is a tiny model trained for a few
// steps by the twin with DDP (2 processes over gloo, shards split by rank) and written in our folder format;
// fixtures/tiny-golden.json holds the twin's logits and loss for a fixed mixed T2I/MMU batch. Loading the
// folder with UniF2ace.load must give the same token ids, logits, loss and gradient (f32, tolerance 1e-4).
// Regenerate both: bash tools/torch-model/golden/make_fixture.sh
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BackendName } from '@unif2ace/tensor';
import { checkLeaks, DEVICE, useBackend } from '@unif2ace/tensor/testing';
import { describe, expect, it } from 'vitest';
import { UniF2ace } from '../src/index.js';

const fixture = fileURLToPath(new URL('./fixtures/tiny', import.meta.url));
interface Golden {
  batch: {
    rows: (
      | { task: 't2i'; caption: string; codes: number[] | null }
      | {
          task: 'mmu';
          codes: number[];
          question: string;
          answer: string | null;
        }
    )[];
    loss: {
      seed: number;
      alpha: number;
      cfgDropout: number;
      t2i: { caption: string; codes: number[] }[];
      mmu: { codes: number[]; question: string; answer: string }[];
    };
  };
  ids: number[][];
  S: number;
  vocab: number;
  picks: { row: number; pos: number; logits: number[] }[];
  stats: { mean: number[][]; norm: number[][]; argmax: number[][] };
  loss: Record<string, number>;
  /** Per parameter: [sum, L2 norm] of the loss's gradient (parameters the loss does not reach: absent). */
  grads: Record<string, [number, number]>;
  gradValues: Record<string, number[]>;
}
const golden = JSON.parse(
  readFileSync(fileURLToPath(new URL('./fixtures/tiny-golden.json', import.meta.url)), 'utf8'),
) as Golden;
const TOL = 1e-4;

checkLeaks();

// the CPU reference (the spec), the WASM tier (what `auto` picks on CPU machines) and the project's device
const backends = [...new Set<BackendName>(['cpu', 'wasm', DEVICE])];

describe('golden logits: UniF2ace.load(a folder the PyTorch twin trained) = the twin', () => {
  it.each(backends)('same ids, logits and loss on %s', async (backend) => {
    await useBackend(backend);
    const model = await UniF2ace.load(fixture);
    try {
      const rows = golden.batch.rows.map((r) =>
        r.task === 't2i' ? model.t2iRow(r.caption, r.codes) : model.mmuRow(r.codes, r.question, r.answer),
      );
      expect(rows.map((r) => Array.from(r.ids))).toEqual(golden.ids);
      const c = model.collate(rows);
      expect(c.S).toBe(golden.S);
      const V = golden.vocab;
      expect(model.vocab.size).toBe(V);
      const t = model.forward(c);
      const data = await t.data();
      t.dispose();
      let maxPick = 0;
      for (const p of golden.picks) {
        const o = (p.row * c.S + p.pos) * V;
        for (let j = 0; j < V; j++) maxPick = Math.max(maxPick, Math.abs(data[o + j] - p.logits[j]));
      }
      let maxStat = 0;
      const argmax: number[][] = [];
      for (let b = 0; b < c.B; b++) {
        argmax.push([]);
        for (let s = 0; s < c.S; s++) {
          const o = (b * c.S + s) * V;
          let sum = 0;
          let sq = 0;
          let best = 0;
          for (let j = 0; j < V; j++) {
            sum += data[o + j];
            sq += data[o + j] ** 2;
            if (data[o + j] > data[o + best]) best = j;
          }
          argmax[b].push(best);
          const norm = golden.stats.norm[b][s];
          maxStat = Math.max(
            maxStat,
            Math.abs(sum / V - golden.stats.mean[b][s]),
            Math.abs(Math.sqrt(sq) - norm) / Math.max(1, norm),
          );
        }
      }
      console.log(
        `golden (${backend}): max |logit diff| ${maxPick.toExponential(2)}, stats ${maxStat.toExponential(2)}`,
      );
      expect(maxPick).toBeLessThan(TOL);
      expect(maxStat).toBeLessThan(TOL);
      expect(argmax).toEqual(golden.stats.argmax);

      const L = golden.batch.loss;
      model.eval(); // the Noise experts give 0: the twin's loss ran in eval mode too
      const r = model.loss(
        {
          t2i: L.t2i.map((e) => ({ caption: e.caption, codes: Int32Array.from(e.codes) })),
          mmu: L.mmu.map((e) => ({
            codes: Int32Array.from(e.codes),
            question: e.question,
            answer: e.answer,
          })),
        },
        { seed: L.seed, alpha: L.alpha, cfgDropout: L.cfgDropout },
      );
      const got: Record<string, number> = {};
      for (const [k, v] of Object.entries({ total: r.total, ...r.parts })) got[k] = (await v.data())[0];
      for (const k of Object.keys(golden.loss))
        expect(Math.abs(got[k] - golden.loss[k]), k).toBeLessThan(TOL);

      // the gradient, parameter by parameter (what DDP averages): the same training step as the twin's
      r.total.backward();
      for (const v of [r.total, ...Object.values(r.parts)]) v.dispose();
      let maxGrad = 0;
      const reached: string[] = [];
      for (const [name, p] of model.namedParameters()) {
        const g = p.grad ? await p.grad.data() : null;
        let sum = 0;
        let sq = 0;
        for (const v of g ?? []) {
          sum += v;
          sq += v * v;
        }
        const want = golden.grads[name];
        if (!want) {
          expect(sq, `${name}: the twin's loss does not reach it`).toBe(0);
          continue;
        }
        reached.push(name);
        const scale = Math.max(1, want[1]);
        maxGrad = Math.max(
          maxGrad,
          Math.abs(sum - want[0]) / scale,
          Math.abs(Math.sqrt(sq) - want[1]) / scale,
        );
        for (const [i, v] of (golden.gradValues[name] ?? []).entries())
          maxGrad = Math.max(maxGrad, Math.abs((g as ArrayLike<number>)[i] - v));
      }
      model.zeroGrad();
      expect(reached.sort()).toEqual(Object.keys(golden.grads).sort());
      console.log(
        `golden (${backend}): max gradient diff ${maxGrad.toExponential(2)} over ${reached.length} parameters`,
      );
      expect(maxGrad).toBeLessThan(TOL);
    } finally {
      model.dispose();
    }
  });
});
