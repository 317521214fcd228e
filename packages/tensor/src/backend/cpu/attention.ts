// Scaled dot-product attention, the plain reference: explicit scores, mask, softmax, then P·V; the
// backward recomputes P from the saved row logsumexp. Written independently of the WGSL kernels.
// Inputs are contiguous [B, H, Sq, Dh] / [B, H, Sk, Dh] (ops/attention.ts guarantees it).
import { type Attrs, registerKernel } from '../../kernels/registry.js';
import { empty, type Tensor } from '../../tensor.js';
import { arr, finish } from './util.js';

interface Dims {
  B: number;
  H: number;
  Sq: number;
  Sk: number;
  D: number;
}

const dims = (q: Tensor, k: Tensor): Dims => ({
  B: q.shape[0],
  H: q.shape[1],
  Sq: q.shape[2],
  Sk: k.shape[2],
  D: q.shape[3],
});

/**
 * Which (query, key) pairs may attend: u32 [Bm, Sq, Sk] with Bm = B when the mask is batched or key
 * padding is given, else 1. Causal is bottom-right aligned: key j is visible from query i iff
 * j <= i + (Sk - Sq) (plain j <= i when Sq = Sk).
 */
function allowedMask(d: Dims, a: Attrs, mask: Tensor | null, kp: Tensor | null): Tensor {
  const batched = !!kp || (!!mask && mask.rank === 3 && mask.shape[0] !== 1);
  const Bm = batched ? d.B : 1;
  const out = empty([Bm, d.Sq, d.Sk], 'u32', 'cpu');
  const o = arr(out);
  const m = mask ? arr(mask) : null;
  const mB = mask && mask.rank === 3 && mask.shape[0] !== 1 ? d.Sq * d.Sk : 0;
  const p = kp ? arr(kp) : null;
  const off = d.Sk - d.Sq;
  for (let b = 0; b < Bm; b++) {
    for (let i = 0; i < d.Sq; i++) {
      for (let j = 0; j < d.Sk; j++) {
        let ok = !a.causal || j <= i + off;
        if (ok && m) ok = m[mask!.offset + b * mB + i * d.Sk + j] !== 0;
        if (ok && p) ok = p[kp!.offset + b * d.Sk + j] !== 0;
        o[(b * d.Sq + i) * d.Sk + j] = ok ? 1 : 0;
      }
    }
  }
  return out;
}

// inputs: q, k, v, then mask (if attrs.mask), then keyPadding (if attrs.keyPadding).
// outputs: out [B, H, Sq, D], lse [B, H, Sq] f32 (natural log; +Infinity for a row with no visible key),
// allowed (see allowedMask): the backward's mask.
registerKernel('attention', 'cpu', (inputs: Tensor[], a: Attrs) => {
  const [q, k, v] = inputs;
  let at = 3;
  const mask = a.mask ? inputs[at++] : null;
  const kp = a.keyPadding ? inputs[at++] : null;
  const d = dims(q, k);
  const scale = a.scale as number;
  const allowed = allowedMask(d, a, mask, kp);
  const out = empty(q.shape, q.dtype, 'cpu');
  const lse = empty([d.B, d.H, d.Sq], 'f32', 'cpu');
  const [Q, K, V, O, L, M] = [arr(q), arr(k), arr(v), arr(out), arr(lse), arr(allowed)];
  const Bm = allowed.shape[0];
  const s = new Float64Array(d.Sk);
  for (let b = 0; b < d.B; b++) {
    for (let h = 0; h < d.H; h++) {
      const bh = b * d.H + h;
      for (let i = 0; i < d.Sq; i++) {
        const qi = q.offset + (bh * d.Sq + i) * d.D;
        const mrow = ((Bm === 1 ? 0 : b) * d.Sq + i) * d.Sk;
        // scores with the mask applied as -Infinity
        let mx = -Infinity;
        for (let j = 0; j < d.Sk; j++) {
          if (!M[mrow + j]) {
            s[j] = -Infinity;
            continue;
          }
          const kj = k.offset + (bh * d.Sk + j) * d.D;
          let dot = 0;
          for (let c = 0; c < d.D; c++) dot += Q[qi + c] * K[kj + c];
          s[j] = dot * scale;
          if (s[j] > mx) mx = s[j];
        }
        const oi = (bh * d.Sq + i) * d.D;
        if (mx === -Infinity) {
          // no visible key: output 0 (not NaN)
          for (let c = 0; c < d.D; c++) O[oi + c] = 0;
          L[bh * d.Sq + i] = Infinity;
          continue;
        }
        // softmax
        let sum = 0;
        for (let j = 0; j < d.Sk; j++) {
          s[j] = s[j] === -Infinity ? 0 : Math.exp(s[j] - mx);
          sum += s[j];
        }
        // P·V
        for (let c = 0; c < d.D; c++) {
          let acc = 0;
          for (let j = 0; j < d.Sk; j++)
            if (s[j] !== 0) acc += s[j] * V[v.offset + (bh * d.Sk + j) * d.D + c];
          O[oi + c] = acc / sum;
        }
        L[bh * d.Sq + i] = mx + Math.log(sum);
      }
    }
  }
  return [finish(out), lse, allowed];
});

// inputs: q, k, v, out, lse, dOut, allowed (the forward's outputs); outputs dq, dk, dv.
registerKernel('attentionBackward', 'cpu', (inputs: Tensor[], a: Attrs) => {
  const [q, k, v, out, lse, dout, allowed] = inputs;
  const d = dims(q, k);
  const scale = a.scale as number;
  const dq = empty(q.shape, q.dtype, 'cpu');
  const dk = empty(k.shape, k.dtype, 'cpu');
  const dv = empty(v.shape, v.dtype, 'cpu');
  const [Q, K, V, O, L, G, M] = [arr(q), arr(k), arr(v), arr(out), arr(lse), arr(dout), arr(allowed)];
  const Bm = allowed.shape[0];
  const gq = new Float64Array(dq.size);
  const gk = new Float64Array(dk.size);
  const gv = new Float64Array(dv.size);
  for (let b = 0; b < d.B; b++) {
    for (let h = 0; h < d.H; h++) {
      const bh = b * d.H + h;
      for (let i = 0; i < d.Sq; i++) {
        const row = bh * d.Sq + i;
        const qi = q.offset + row * d.D;
        const gi = dout.offset + row * d.D;
        const oi = out.offset + row * d.D;
        const mrow = ((Bm === 1 ? 0 : b) * d.Sq + i) * d.Sk;
        const l = L[lse.offset + row];
        // D_i = rowsum(dO ∘ O)
        let delta = 0;
        for (let c = 0; c < d.D; c++) delta += G[gi + c] * O[oi + c];
        for (let j = 0; j < d.Sk; j++) {
          if (!M[mrow + j]) continue;
          const kj = k.offset + (bh * d.Sk + j) * d.D;
          const vj = v.offset + (bh * d.Sk + j) * d.D;
          let dot = 0;
          let dp = 0;
          for (let c = 0; c < d.D; c++) {
            dot += Q[qi + c] * K[kj + c];
            dp += G[gi + c] * V[vj + c];
          }
          const p = Math.exp(dot * scale - l);
          const ds = p * (dp - delta) * scale;
          const kr = (bh * d.Sk + j) * d.D;
          for (let c = 0; c < d.D; c++) {
            gq[row * d.D + c] += ds * K[kj + c];
            gk[kr + c] += ds * Q[qi + c];
            gv[kr + c] += p * G[gi + c];
          }
        }
      }
    }
  }
  arr(dq).set(gq);
  arr(dk).set(gk);
  arr(dv).set(gv);
  return [finish(dq), finish(dk), finish(dv)];
});
