#!/usr/bin/env node
// `pnpm demo`: gpu-info, then a 256x256 f32 matmul in raw WGSL on the device that @unif2ace/tensor acquires,
// checked against a float64 CPU product. Prints the max error and OK; exits 1 when the GPU result is wrong.
// The root script builds the workspace packages the demo imports first (turbo: cached after one build).
// `--smoke` (what CI runs): the same, and a hard deadline, so a hung GPU fails the run instead of blocking it.
const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== '--smoke');
if (unknown.length) {
  console.error(`demo: unknown argument '${unknown[0]}' (the only option is --smoke)`);
  process.exit(2);
}
const SMOKE_DEADLINE_S = 180;
if (args.includes('--smoke')) {
  setTimeout(() => {
    console.error(`demo --smoke: not done after ${SMOKE_DEADLINE_S} s; giving up`);
    process.exit(1);
  }, SMOKE_DEADLINE_S * 1000).unref();
}
const { acquireGpu, formatGpuInfo } = await import('@unif2ace/tensor').catch((e) => {
  console.error(
    `demo: cannot load @unif2ace/tensor (${e.message}). Run it as \`pnpm demo\`, which builds the packages first.`,
  );
  process.exit(1);
});

const N = 256;
const TILE = 16;
const TOLERANCE = 1e-3; // f32 sums of 256 products of values in [-1, 1] stay well inside this

const WGSL = /* wgsl */ `
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;

const N = ${N}u;
const TILE = ${TILE}u;
var<workgroup> ta: array<f32, ${TILE * TILE}>;
var<workgroup> tb: array<f32, ${TILE * TILE}>;

@compute @workgroup_size(${TILE}, ${TILE})
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(local_invocation_id) l: vec3u) {
  let row = g.y;
  let col = g.x;
  var acc = 0.0;
  for (var t = 0u; t < N; t += TILE) {
    ta[l.y * TILE + l.x] = a[row * N + t + l.x];
    tb[l.y * TILE + l.x] = b[(t + l.y) * N + col];
    workgroupBarrier();
    for (var k = 0u; k < TILE; k++) {
      acc += ta[l.y * TILE + k] * tb[k * TILE + l.x];
    }
    workgroupBarrier();
  }
  c[row * N + col] = acc;
}`;

/** Deterministic values in [-1, 1) (a 32-bit LCG), so a failure is reproducible. */
function randomMatrix(seed) {
  const m = new Float32Array(N * N);
  let s = seed >>> 0;
  for (let i = 0; i < m.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    m[i] = s / 2 ** 31 - 1;
  }
  return m;
}

function cpuMatmul(a, b) {
  const c = new Float64Array(N * N);
  for (let i = 0; i < N; i++) {
    for (let k = 0; k < N; k++) {
      const aik = a[i * N + k];
      for (let j = 0; j < N; j++) c[i * N + j] += aik * b[k * N + j];
    }
  }
  return c;
}

async function gpuMatmul(device, a, b) {
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
  const bufA = device.createBuffer({ size: a.byteLength, usage });
  const bufB = device.createBuffer({ size: b.byteLength, usage });
  const bufC = device.createBuffer({
    size: a.byteLength,
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
  });
  const read = device.createBuffer({
    size: a.byteLength,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  device.queue.writeBuffer(bufA, 0, a);
  device.queue.writeBuffer(bufB, 0, b);

  device.pushErrorScope('validation');
  const module = device.createShaderModule({ code: WGSL });
  const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
  const bindGroup = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [bufA, bufB, bufC].map((buffer, binding) => ({ binding, resource: { buffer } })),
  });
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(N / TILE, N / TILE);
  pass.end();
  encoder.copyBufferToBuffer(bufC, 0, read, 0, a.byteLength);
  const t0 = performance.now();
  device.queue.submit([encoder.finish()]);
  const error = await device.popErrorScope();
  if (error) throw new Error(`WebGPU validation error in the matmul: ${error.message}`);
  await read.mapAsync(GPUMapMode.READ);
  const ms = performance.now() - t0;
  const c = new Float32Array(read.getMappedRange().slice(0));
  read.unmap();
  for (const buf of [bufA, bufB, bufC, read]) buf.destroy();
  return { c, ms };
}

try {
  const { info, device } = await acquireGpu();
  console.log(formatGpuInfo(info));
  const a = randomMatrix(1);
  const b = randomMatrix(2);
  const { c, ms } = await gpuMatmul(device, a, b);
  const want = cpuMatmul(a, b);
  let maxError = 0;
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const e = Math.abs(c[i] - want[i]);
    if (!(e <= maxError)) {
      maxError = e; // NaN lands here too and stays
      worst = i;
    }
  }
  device.destroy();
  const where = `[${Math.floor(worst / N)}, ${worst % N}]: gpu ${c[worst]}, cpu ${want[worst]}`;
  console.log(
    `matmul ${N}x${N} f32: ${ms.toFixed(1)} ms on the GPU (one dispatch incl. shader compile, submit to readback), max |error| ${maxError.toExponential(2)} at ${where}`,
  );
  if (!(maxError <= TOLERANCE)) {
    console.error(`demo: FAILED, the GPU matmul is off by ${maxError} (tolerance ${TOLERANCE}) at ${where}`);
    process.exit(1);
  }
  console.log('OK');
} catch (e) {
  console.error(`demo: ${e.message}`);
  process.exit(1);
}
