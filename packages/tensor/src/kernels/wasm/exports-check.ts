// Type-level check, run by `typecheck`: each kernel file's hand-written exports interface (the older
// kernels keep theirs) must equal the one generated from its .wat (generated/<family>.ts), both ways:
// a missing, extra or re-shaped export fails to compile. New kernels use the generated one directly
// (`backend.kernels('<family>')` is typed by it) and add nothing here.

import type { AdamwExports } from './adamw.js';
import type { AttentionExports } from './attention.js';
import type { Conv2dExports } from './conv2d.js';
import type { ElementwiseExports } from './elementwise.js';
import type { GatherExports } from './gather.js';
import type { WasmExports } from './generated/index.js';
import type { LossExports } from './loss.js';
import type { MatmulExports } from './matmul.js';
import type { NormExports } from './norm.js';
import type { PoolingExports } from './pooling.js';
import type { RandomExports } from './random.js';
import type { ReduceExports } from './reduce.js';
import type { SoftmaxExports } from './softmax.js';
import type { TopkExports } from './topk.js';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

export const handWrittenExportsMatchTheWat: {
  adamw: Same<AdamwExports, WasmExports['adamw']>;
  attention: Same<AttentionExports, WasmExports['attention']>;
  conv2d: Same<Conv2dExports, WasmExports['conv2d']>;
  elementwise: Same<ElementwiseExports, WasmExports['elementwise']>;
  gather: Same<GatherExports, WasmExports['gather']>;
  loss: Same<LossExports, WasmExports['loss']>;
  matmul: Same<MatmulExports, WasmExports['matmul']>;
  norm: Same<NormExports, WasmExports['norm']>;
  pooling: Same<PoolingExports, WasmExports['pooling']>;
  random: Same<RandomExports, WasmExports['random']>;
  reduce: Same<ReduceExports, WasmExports['reduce']>;
  softmax: Same<SoftmaxExports, WasmExports['softmax']>;
  topk: Same<TopkExports, WasmExports['topk']>;
} = {
  adamw: true,
  attention: true,
  conv2d: true,
  elementwise: true,
  gather: true,
  loss: true,
  matmul: true,
  norm: true,
  pooling: true,
  random: true,
  reduce: true,
  softmax: true,
  topk: true,
};
