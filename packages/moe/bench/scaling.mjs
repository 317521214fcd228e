#!/usr/bin/env node
// TokenMoE scaling: forward + backward of one layer (dim 256, hidden 512, 4096 tokens, top-2, one shared
// expert) with E = 4, 8, 16, 32 routed experts, the sparse layer (grouped-matmul dispatch) side by side with
// the dense reference that runs every expert on every token, on init({ backend: 'auto' }) (WASM here).
// Every rep steps through every E, sparse then dense; ms per step = median of the reps after a warm-up.
// Run after `pnpm exec turbo run build --filter @unif2ace/moe...`:
//   node packages/moe/bench/scaling.mjs [--json FILE] [--E 4,8,16,32] [--reps 3] [--tokens 4096] [--dim 256] [--hidden 512]
// The JSON is an array of rows { "E", "sparseMs", "denseMs" }.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    json: { type: 'string' },
    E: { type: 'string', default: '4,8,16,32' },
    reps: { type: 'string', default: '3' },
    tokens: { type: 'string', default: '4096' },
    dim: { type: 'string', default: '256' },
    hidden: { type: 'string', default: '512' },
    'seq-len': { type: 'string', default: '512' },
  },
});
const t = await import(new URL('../../tensor/dist/index.js', import.meta.url).href);
const nn = await import(new URL('../../nn/dist/index.js', import.meta.url).href);
const moe = await import(new URL('../dist/index.js', import.meta.url).href);

const info = await t.init({ backend: 'auto' });
const [tokens, dim, hidden, reps] = [args.tokens, args.dim, args.hidden, args.reps].map(Number);
const L = Math.min(Number(args['seq-len']), tokens);
const B = tokens / L;
if (!Number.isInteger(B)) throw new Error(`scaling: --tokens ${tokens} is not a multiple of --seq-len ${L}`);
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(
  `backend ${info.backend.name} (${info.reason}); TokenMoE dim ${dim}, hidden ${hidden}, ${tokens} tokens (${B} × ${L}), top-2, 1 shared expert; forward + backward, ms per step`,
);

// All layers live at once and every rep steps through every E, sparse then dense, so load from other
// processes on a shared host hits every row alike (the rows are compared with each other).
const Es = args.E.split(',').map(Number);
t.manualSeed(2);
const x = t.randn([B, L, dim]);
const groups = new Array(B).fill('tokens');
const layers = Es.map((E) => {
  nn.seedInit(1);
  return new moe.TokenMoE({ dim, hidden, experts: E, shared: 1, topK: 2, groups: ['tokens'] });
});
// loss = mean(y²) + aux. The dense reference back-propagates expert by expert (same gradients: dL/dy is
// the same for every term of y = Σ_e term_e): one backward over all E + 1 experts keeps every expert's
// temporaries until it ends, and at E = 32 that outgrows the WASM heap's 2 GiB.
const step = (m, dense) => {
  const t0 = performance.now();
  t.tidy(() => {
    if (!dense) {
      const o = m.route(x, groups);
      o.y.square().mean().add(o.auxLoss).backward();
      return;
    }
    const o = m.routeDense(x, groups, { parts: true });
    const dy = t.noGrad(() => o.y.mul(2 / o.y.size).reshape([tokens, dim]));
    o.auxLoss.backward({ retainGraph: true });
    o.parts.forEach((p, i) => {
      p.backward(dy, { retainGraph: i < o.parts.length - 1 });
    });
  });
  const ms = performance.now() - t0;
  m.zeroGrad();
  m.forgetRouting();
  return ms;
};
const times = Es.map(() => ({ sparse: [], dense: [] }));
for (let r = 0; r <= reps; r++) {
  layers.forEach((m, i) => {
    const s = step(m, false);
    const d = step(m, true);
    if (r === 0) return; // warm-up
    times[i].sparse.push(s);
    times[i].dense.push(d);
  });
  console.log(r === 0 ? 'warm-up done' : `rep ${r}/${reps} done`);
}
const rows = Es.map((E, i) => ({
  E,
  sparseMs: +median(times[i].sparse).toFixed(1),
  denseMs: +median(times[i].dense).toFixed(1),
}));
for (const row of rows) {
  console.log(
    `E=${String(row.E).padStart(2)}  sparse ${row.sparseMs} ms  dense ${row.denseMs} ms  dense/sparse ${(row.denseMs / row.sparseMs).toFixed(2)}`,
  );
}
x.dispose();
for (const m of layers) m.dispose();
const at = (E) => rows.find((r) => r.E === E);
if (at(4) && at(32))
  console.log(`sparse E=32 / E=4: ${(at(32).sparseMs / at(4).sparseMs).toFixed(2)} (target ≤ 1.3)`);
if (at(16))
  console.log(`dense / sparse at E=16: ${(at(16).denseMs / at(16).sparseMs).toFixed(2)} (target ≥ 4)`);
if (args.json) writeFileSync(args.json, `${JSON.stringify(rows, null, 2)}\n`);
await info.backend.close?.();
