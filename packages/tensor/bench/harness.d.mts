// Types of bench/harness.mjs, for the test that runs it (test/bench.node.test.ts).
export interface BenchConfig {
  sizes: number[];
  reps: number;
  dtypes: ('f32' | 'f16')[];
}
export declare const FULL: BenchConfig;
export declare const QUICK: BenchConfig;

export interface MatmulRow {
  n: number;
  dtype: 'f32' | 'f16';
  ours: number;
  tfjs: number | null;
  ort: number | null;
  torch: number | null;
  ceiling: number;
}

export interface BenchReport {
  when: string;
  quick: boolean;
  device: string;
  probe: { gflops: number; detail: string };
  matmul: MatmulRow[];
  norms: unknown[];
  others: unknown[];
  block: { what: string; dispatches: number; submits: number; ms: number } | null;
  wasm: { rows: import('./wasm.mjs').WasmBenchRow[]; table: string } | null;
  torchSkipped: string | null;
}

export declare function runBench(opts?: {
  quick?: boolean;
  only?: ('matmul' | 'norms' | 'others' | 'block' | 'wasm')[];
  log?: (line: string) => void;
}): Promise<BenchReport>;
export declare function formatBench(r: BenchReport): string;
