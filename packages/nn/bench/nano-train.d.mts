// Types of bench/nano-train.mjs, for the test that runs it (test/nano-train.node.test.ts).
export interface NanoConfig {
  vocab: number;
  dim: number;
  heads: number;
  layers: number;
  seq: number;
  batch: number;
}
export declare const FULL: NanoConfig;
export declare const QUICK: NanoConfig;

export interface TrainResult {
  backend: string;
  detail: string;
  params: number;
  /** Median ms per step. */
  ms: number;
  tokensPerSec: number;
  /** Loss of every step, the 2 warm-up steps first. */
  losses: number[];
  kernels: import('@unif2ace/tensor').KernelProfile[] | null;
}

export declare function trainSteps(
  backend: 'wasm' | 'webgpu' | 'cpu',
  c: NanoConfig,
  steps: number,
  profile?: boolean,
): Promise<TrainResult>;
export declare function run(opts?: {
  steps?: number;
  quick?: boolean;
  only?: ('wasm' | 'webgpu' | 'torch')[];
  profile?: boolean;
  log?: (line: string) => void;
}): Promise<{ config: NanoConfig; rows: TrainResult[] }>;
