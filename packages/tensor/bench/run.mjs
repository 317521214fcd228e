// `pnpm bench` (root) → turbo `bench` → this script. Matmul 256…2048 (f32, f16): ours vs tfjs-backend-webgpu
// on the same Dawn device, onnxruntime-node CPU, PyTorch CPU + OpenBLAS, against a pure-arithmetic WGSL
// ceiling probe; softmax / layer norm vs tfjs; other kernels' bench modules; the dispatch count of a
// 2-layer transformer block's forward + backward; the WASM backend (bench/wasm.mjs) against our WGSL.
//   node bench/run.mjs [--quick] [--json FILE] [--only matmul,norms,others,block,wasm]
// --quick: the smallest sizes only (a smoke test of the harness; its numbers mean nothing).
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatBench, runBench } from './harness.mjs';

const { values } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, json: { type: 'string' }, only: { type: 'string' } },
});
const report = await runBench({
  quick: values.quick,
  ...(values.only ? { only: values.only.split(',') } : {}),
});
console.log(formatBench(report));
if (values.json) {
  writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
  console.error(`wrote ${values.json}`);
}
process.exit(0);
