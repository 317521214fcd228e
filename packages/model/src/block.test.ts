import { randn, type Tensor, tensor, tidy } from '@unif2ace/tensor';
import { checkLeaks, DEVICE, expectClose } from '@unif2ace/tensor/testing';
import { describe, expect, it } from 'vitest';
import { Block, type BlockInput } from './block.js';
import { TINY } from './test-helpers.js';

checkLeaks();

const B = 4;
const S = 6;
const D = TINY.dim;
const N = 3;
const groups = ['generation', 'understanding', 'understanding', 'generation'];

function inputs(poolAll: boolean): BlockInput {
  // pool: every position (moe's SeqMoE mean) or the first 4 (a row's condition)
  const pool = new Float32Array(B * S);
  for (let b = 0; b < B; b++)
    for (let p = 0; p < (poolAll ? S : 4); p++) pool[b * S + p] = 1 / (poolAll ? S : 4);
  const face = randn([B, N, D], { seed: 3 });
  return {
    mask: tensor(new Uint32Array(B * S * S).fill(1), [B, S, S], { dtype: 'u32' }),
    groups,
    seqGroup: Int32Array.from(groups, (g) => (g === 'generation' ? 0 : 1)),
    pool: tensor(pool, [B, 1, S]),
    context: { face, clip: face.mean(1) },
  };
}

describe(`Block (${DEVICE})`, () => {
  it("sequence MoE pooled over every position equals moe's SeqMoE.route (forward and input gradient)", async () => {
    const blk = new Block(TINY).eval();
    const run = (ours: boolean) =>
      tidy(() => {
        const x = randn([B, S, D], { seed: 1 }).requiresGrad_(true);
        const inp = inputs(true);
        const y: Tensor = ours
          ? (blk as unknown as { seqRoute: (x: Tensor, i: BlockInput) => { y: Tensor } }).seqRoute(x, inp).y
          : blk.seqMoe.route(x, groups, { context: inp.context }).y;
        y.square().sum().backward();
        const gx = x.grad!;
        blk.zeroGrad();
        return [y, gx];
      });
    const [a, ga] = run(true);
    const [b, gb] = run(false);
    expectClose(await a.data(), await b.data(), { atol: 1e-5, label: 'y' });
    expectClose(await ga.data(), await gb.data(), { atol: 1e-4, label: 'dy/dx' });
    for (const t of [a, b, ga, gb]) t.dispose();
    blk.dispose();
  });

  it('routing reads only the pooled positions: changing a later position keeps the gates', async () => {
    const blk = new Block(TINY).eval();
    const gates = (bump: number) =>
      tidy(() => {
        const x = randn([B, S, D], { seed: 2 }).add(
          tensor(
            Float32Array.from({ length: B * S * D }, (_, i) => (Math.floor(i / D) % S === 5 ? bump : 0)),
            [B, S, D],
          ),
        );
        return (blk as unknown as { seqRoute: (x: Tensor, i: BlockInput) => { gates: Tensor } }).seqRoute(
          x,
          inputs(false),
        ).gates;
      });
    const [g0, g1] = [gates(0), gates(3)];
    expect(Array.from(await g1.data())).toEqual(Array.from(await g0.data()));
    g0.dispose();
    g1.dispose();
    blk.forgetRouting();
    blk.dispose();
  });
});
