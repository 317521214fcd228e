// Types of bench/samplers.mjs, for the test that runs it (test/samplers-bench.node.test.ts).
export interface BenchRow {
  N: number;
  name: string;
  /** Minimum over the interleaved repeats, ms per sampler step. */
  msPerStep: number;
  median: number;
  /** Minimum process CPU time (all threads) per step, ms. */
  cpuMsPerStep: number;
}
export declare function run(opts?: {
  lengths?: number[];
  repeats?: number;
}): Promise<{ rows: BenchRow[]; backend: string; threads: number | undefined }>;
