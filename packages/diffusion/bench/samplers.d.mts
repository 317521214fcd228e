// Types of bench/samplers.mjs, for the test that runs it (test/samplers-bench.node.test.ts).
export interface BenchRow {
  N: number;
  name: string;
  /** Minimum over the interleaved repeats, ms per sampler step. */
  msPerStep: number;
  median: number;
}
export declare function run(opts?: {
  lengths?: number[];
  repeats?: number;
}): Promise<{ rows: BenchRow[]; backend: string; threads: number | undefined }>;
