// Types of bench/wasm.mjs, for the tests that run it (test/wasm-bench.node.test.ts, test/bench.node.test.ts).
/** A matmul row (n set: GFLOP/s), a ratio row (ratio set) or a kernel row (ms only). */
export interface WasmBenchRow {
  name: string;
  n?: number;
  ms?: number;
  gflops?: number;
  cpuGflops?: number;
  ratio?: number;
  cpuRatio?: number;
}

export declare function run(opts?: {
  sizes?: number[];
  reps?: number;
  fma?: boolean;
  webgpu?: boolean;
  matmulOnly?: boolean;
  log?: (line: string) => void;
}): Promise<WasmBenchRow[]>;
export declare function format(rows: WasmBenchRow[], cpu?: boolean): string;
