// Layer norm and RMS norm over the last axis, fused: the forward is one kernel that also saves each
// row's (mean, rstd); the backward is one kernel for dx plus one for dweight/dbias when they need grads.
import { registerGradient } from '../autograd/gradients.js';
import { record } from '../autograd/tape.js';
import { kernel } from '../dispatch.js';
import { tidy } from '../scope.js';
import { fmtShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { contiguous } from './movement.js';

function checkParam(op: string, x: Tensor, p: Tensor | undefined | null, what: string): void {
  if (!p) return;
  const n = x.shape[x.rank - 1];
  p.live(op);
  if (p.rank !== 1 || p.shape[0] !== n) {
    throw new RangeError(
      `${op}: ${what} has shape ${fmtShape(p.shape)}, expected [${n}] for input ${fmtShape(x.shape)}`,
    );
  }
  if (p.dtype !== x.dtype) throw new TypeError(`${op}: ${what} is ${p.dtype} but the input is ${x.dtype}`);
}

function norm(op: string, x: Tensor, weight: Tensor | null, bias: Tensor | null, eps: number): Tensor {
  x.live(op);
  if (x.rank === 0) throw new RangeError(`${op}: needs at least one axis, got a scalar`);
  if (x.dtype !== 'f32' && x.dtype !== 'f16')
    throw new TypeError(`${op}: needs a float tensor, got ${x.dtype}`);
  checkParam(op, x, weight, 'weight');
  checkParam(op, x, bias, 'bias');
  const rms = op === 'rmsNorm';
  return tidy(() => {
    const xc = contiguous(x);
    const w = weight ? contiguous(weight) : null;
    const b = bias ? contiguous(bias) : null;
    const attrs = { rms, eps, hasWeight: !!w, hasBias: !!b };
    const inputs = [xc, ...(w ? [w] : []), ...(b ? [b] : [])];
    const [y, stats] = kernel('layerNorm', inputs, attrs) as unknown as Tensor[];
    return record('layerNorm', y, inputs, [xc, stats, ...(w ? [w] : [])], attrs);
  });
}

/** torch.nn.functional.layer_norm over the last axis: (x - mean) / sqrt(var + eps) · weight + bias. */
export function layerNorm(x: Tensor, weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  return norm('layerNorm', x, weight ?? null, bias ?? null, eps);
}

/** RMS norm over the last axis: x / sqrt(mean(x²) + eps) · weight. */
export function rmsNorm(x: Tensor, weight?: Tensor | null, eps = 1e-6): Tensor {
  return norm('rmsNorm', x, weight ?? null, null, eps);
}

registerGradient('layerNorm', (g, n) => {
  const [x, stats, w] = n.saved;
  const { rms, hasWeight, hasBias } = n.attrs as { rms: boolean; hasWeight: boolean; hasBias: boolean };
  const needWeightGrad = hasWeight && n.inputs[1].requiresGrad;
  const needBiasGrad = hasBias && n.inputs[hasWeight ? 2 : 1].requiresGrad;
  const outs = tidy(
    () =>
      kernel('layerNormBackward', [x, contiguous(g), stats, ...(w ? [w] : [])], {
        rms,
        hasWeight,
        needWeightGrad,
        needBiasGrad,
      }) as unknown as Tensor[],
  );
  const grads: (Tensor | null)[] = [outs[0]];
  let k = 1;
  if (hasWeight) grads.push(needWeightGrad ? outs[k++] : null);
  if (hasBias) grads.push(needBiasGrad ? outs[k++] : null);
  return grads;
});
