// Cold-start analysis: compile WGSL compute shaders one at a time and time each one's first dispatch.
// lavapipe compiles a pipeline (NIR -> LLVM -> x86) when it first runs, and caches the result in Mesa's
// shader cache, so run this with an empty cache to see what a fresh machine pays:
//   MESA_SHADER_CACHE_DIR=$(mktemp -d) node bench/compile-times.mjs DIR_OR_FILE.wgsl ...
// The .wgsl files are what UNIF2ACE_WGSL_DUMP=<dir> writes (one file per pipeline key, see
// src/backend/webgpu/pipelines.ts). Bindings are read from the source; buffers hold zeros and the
// dispatch is one workgroup, so the time is the compile (the run itself is microseconds). Printed: wall
// time and the process's CPU time (the main thread sleeps while it waits, so on a loaded machine the CPU
// time is the better measure of the compile's cost).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { init } from '../dist/index.js';

const files = process.argv.slice(2).flatMap((p) =>
  statSync(p).isDirectory()
    ? readdirSync(p)
        .filter((f) => f.endsWith('.wgsl'))
        .sort()
        .map((f) => join(p, f))
    : [p],
);
if (!files.length) {
  console.error('usage: node bench/compile-times.mjs DIR_OR_FILE.wgsl ...');
  process.exit(2);
}
const { backend } = await init({ backend: 'webgpu' });
const device = backend.device;
const STORAGE = 0x80 | 0x8;
const UNIFORM = 0x40 | 0x8;
const rows = [];
const sleeper = new Int32Array(new SharedArrayBuffer(4));
/** Wait without spinning a core (dawn.node delivers callbacks in setImmediate polls). */
async function idleWait(p) {
  let done = false;
  p.then(() => {
    done = true;
  });
  while (!done) {
    Atomics.wait(sleeper, 0, 0, 5);
    await new Promise((r) => setImmediate(r));
  }
}
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
for (const f of files) {
  const code = readFileSync(f, 'utf8');
  const entries = [];
  const buffers = [];
  for (const m of code.matchAll(/@binding\((\d+)\) var<(uniform|storage, read_write|storage, read)>/g)) {
    const uniform = m[2] === 'uniform';
    const type = uniform ? 'uniform' : m[2] === 'storage, read' ? 'read-only-storage' : 'storage';
    entries.push({ binding: Number(m[1]), visibility: 4, buffer: { type } });
    buffers.push(device.createBuffer({ size: uniform ? 256 : 1 << 20, usage: uniform ? UNIFORM : STORAGE }));
  }
  const c0 = cpuMs();
  const t0 = performance.now();
  const layout = device.createBindGroupLayout({ entries });
  const pipeline = device.createComputePipeline({
    layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }),
    compute: { module: device.createShaderModule({ code }), entryPoint: 'main' },
  });
  const bindGroup = device.createBindGroup({
    layout,
    entries: entries.map((e, i) => ({ binding: e.binding, resource: { buffer: buffers[i] } })),
  });
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(1);
  pass.end();
  device.queue.submit([enc.finish()]);
  await idleWait(device.queue.onSubmittedWorkDone());
  const t2 = performance.now();
  for (const b of buffers) b.destroy();
  const row = { file: f, bytes: code.length, ms: t2 - t0, cpuMs: cpuMs() - c0 };
  rows.push(row);
  console.log(
    `${row.ms.toFixed(0).padStart(8)} ms wall ${row.cpuMs.toFixed(0).padStart(8)} ms CPU ${String(row.bytes).padStart(7)} B  ${f}`,
  );
}
const sum = (k) => rows.reduce((s, r) => s + r[k], 0);
console.log(
  `${sum('ms').toFixed(0).padStart(8)} ms wall ${sum('cpuMs').toFixed(0).padStart(8)} ms CPU  total, ${rows.length} pipelines`,
);
process.exit(0);
