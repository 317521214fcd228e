// The convolution family used by the VQ image tokenizer: conv2d (groups, stride, padding, dilation),
// nearest upsampling and average pooling, in NCHW. Each op validates shapes, makes its inputs
// contiguous and calls one kernel; the VJPs are their own kernels (conv's transposed conv and filter
// correlation; pooling's adjoint), registered below with registerGradient.
import { registerGradient } from '../autograd/gradients.js';
import { noGrad, record } from '../autograd/tape.js';
import { kernel } from '../dispatch.js';
import { tidy } from '../scope.js';
import { fmtShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { contiguous } from './movement.js';
import { sum } from './reduce.js';

export type Pair = number | readonly [number, number];

export interface Conv2dOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
}

function pair(v: Pair | undefined, dflt: number, what: string, min: number): [number, number] {
  const p: [number, number] = v === undefined ? [dflt, dflt] : typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (!p.every((d) => Number.isInteger(d) && d >= min)) {
    throw new RangeError(`conv2d: ${what} must be integers >= ${min}, got ${JSON.stringify(v)}`);
  }
  return p;
}

function floatCheck(op: string, ...ts: Tensor[]): void {
  for (const t of ts) {
    if (t.dtype !== 'f32')
      throw new TypeError(`${op}: only f32 tensors are supported (got ${t.dtype} ${fmtShape(t.shape)})`);
  }
}

/**
 * 2-D convolution (cross-correlation, like torch.nn.functional.conv2d):
 * x [N, C, H, W], w [O, C / groups, KH, KW], bias [O] -> [N, O, Ho, Wo].
 */
export function conv2d(x: Tensor, w: Tensor, bias?: Tensor | null, opts: Conv2dOptions = {}): Tensor {
  x.live('conv2d');
  w.live('conv2d');
  bias?.live('conv2d');
  floatCheck('conv2d', x, w, ...(bias ? [bias] : []));
  const stride = pair(opts.stride, 1, 'stride', 1);
  const padding = pair(opts.padding, 0, 'padding', 0);
  const dilation = pair(opts.dilation, 1, 'dilation', 1);
  const groups = opts.groups ?? 1;
  const shapes = `x ${fmtShape(x.shape)}, w ${fmtShape(w.shape)}${bias ? `, bias ${fmtShape(bias.shape)}` : ''}`;
  if (x.rank !== 4 || w.rank !== 4)
    throw new RangeError(`conv2d: x and w must be 4-D (NCHW, OIHW): ${shapes}`);
  const [, C, H, W] = x.shape;
  const [O, Cg, KH, KW] = w.shape;
  if (!Number.isInteger(groups) || groups < 1 || C % groups !== 0 || O % groups !== 0) {
    throw new RangeError(`conv2d: groups ${groups} must divide the channels (${shapes})`);
  }
  if (Cg !== C / groups)
    throw new RangeError(`conv2d: w's dim 1 must be C / groups = ${C / groups} (${shapes})`);
  if (bias && (bias.rank !== 1 || bias.shape[0] !== O))
    throw new RangeError(`conv2d: bias must be [${O}] (${shapes})`);
  const Ho = Math.floor((H + 2 * padding[0] - dilation[0] * (KH - 1) - 1) / stride[0]) + 1;
  const Wo = Math.floor((W + 2 * padding[1] - dilation[1] * (KW - 1) - 1) / stride[1]) + 1;
  if (Ho < 1 || Wo < 1 || KH < 1 || KW < 1) {
    throw new RangeError(
      `conv2d: the kernel does not fit the padded input (${shapes}, padding ${padding}, dilation ${dilation})`,
    );
  }
  const attrs = { stride, padding, dilation, groups };
  return tidy(() => {
    const xc = contiguous(x.detach());
    const wc = contiguous(w.detach());
    const bc = bias ? contiguous(bias.detach()) : null;
    const out = kernel('conv2d', bc ? [xc, wc, bc] : [xc, wc], attrs);
    const ins = bias ? [x, w, bias] : [x, w];
    return record('conv2d', out, ins, [xc, wc], { ...attrs, hasBias: !!bias });
  });
}

registerGradient('conv2d', (g, n) => {
  const [xs, ws] = n.saved;
  const a = n.attrs;
  return noGrad(() => {
    const gc = contiguous(g);
    const need = (i: number) => n.inputs[i]?.requiresGrad ?? false;
    const dx = need(0) ? kernel('conv2dBackwardInput', [gc, ws], { ...a, inShape: xs.shape }) : null;
    const dw = need(1) ? kernel('conv2dBackwardFilter', [xs, gc], { ...a, wShape: ws.shape }) : null;
    const db = a.hasBias && need(2) ? sum(gc, [0, 2, 3]) : null;
    return a.hasBias ? [dx, dw, db] : [dx, dw];
  });
});

/** Nearest-neighbour upsampling by an integer factor: [N, C, H, W] -> [N, C, H·s, W·s]. */
export function upsampleNearest(x: Tensor, scale = 2): Tensor {
  x.live('upsampleNearest');
  floatCheck('upsampleNearest', x);
  if (x.rank !== 4) throw new RangeError(`upsampleNearest: x must be 4-D (NCHW), got ${fmtShape(x.shape)}`);
  if (!Number.isInteger(scale) || scale < 1)
    throw new RangeError(`upsampleNearest: scale must be an integer >= 1, got ${scale}`);
  return tidy(() => {
    const out = kernel('upsampleNearest', [contiguous(x.detach())], { scale });
    return record('upsampleNearest', out, [x], [], { scale });
  });
}

// The adjoint sums each scale×scale block: a sum-pool with window = stride = scale.
registerGradient('upsampleNearest', (g, n) => {
  const s = n.attrs.scale as number;
  return noGrad(() => [kernel('avgPool2d', [contiguous(g)], { kernel: s, stride: s, mul: 1 })]);
});

/** Average pooling over k×k windows `stride` apart (default: k), no padding: [N, C, H, W] -> [N, C, Ho, Wo]. */
export function avgPool2d(x: Tensor, kernelSize: number, stride = kernelSize): Tensor {
  x.live('avgPool2d');
  floatCheck('avgPool2d', x);
  if (x.rank !== 4) throw new RangeError(`avgPool2d: x must be 4-D (NCHW), got ${fmtShape(x.shape)}`);
  const k = kernelSize;
  if (!Number.isInteger(k) || k < 1 || !Number.isInteger(stride) || stride < 1) {
    throw new RangeError(`avgPool2d: kernel ${k} and stride ${stride} must be integers >= 1`);
  }
  if (k > x.shape[2] || k > x.shape[3]) {
    throw new RangeError(`avgPool2d: kernel ${k} is larger than the input ${fmtShape(x.shape)}`);
  }
  const attrs = { kernel: k, stride, mul: 1 / (k * k) };
  return tidy(() => {
    const out = kernel('avgPool2d', [contiguous(x.detach())], attrs);
    return record('avgPool2d', out, [x], [], { ...attrs, inShape: x.shape });
  });
}

registerGradient('avgPool2d', (g, n) =>
  noGrad(() => [kernel('avgPool2dBackward', [contiguous(g)], n.attrs)]),
);
