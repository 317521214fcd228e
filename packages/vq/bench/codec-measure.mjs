// One encode + decode throughput measurement, shared by Node (bench/codec.mjs) and the Chromium page it
// bundles: the libraries come in as arguments, so the same code runs in both places.
//   measure({ init, randn, tidy, formatGpuInfo }, loadTokenizer, backend, { batch, reps, threads })
//   -> { where, ms, ips, check } (median ms per batch of `batch` images; images/s; a checksum of the output)
export async function measure(tensor, loadTokenizer, backend, { batch, reps, threads }) {
  const { init, randn, tidy, formatGpuInfo } = tensor;
  const r = await init({ backend, wasm: threads ? { threads } : undefined });
  if (r.backend.name !== backend)
    throw new Error(`asked for ${backend}, got ${r.backend.name} (${r.reason})`);
  const where =
    backend === 'wasm'
      ? `wasm (${r.wasm?.threads} thread${r.wasm?.threads === 1 ? '' : 's'}, FMA ${r.wasm?.fma ? 'on' : 'off'})`
      : `webgpu (${formatGpuInfo(r.gpu).split('\n')[0]})`;
  const tok = await loadTokenizer();
  tok.eval();
  const s = tok.imageSize;
  const x = tidy(() => randn([batch, 3, s, s], { seed: 1 }).tanh());
  let check = 0;
  const run = async () => {
    const codes = tok.encode(x);
    const y = tok.decode(codes);
    const v = await y.data(); // wait for the device
    // a checksum of the reconstructions: the backends (and Node vs Chromium) did the same work
    check = 0;
    for (let i = 0; i < v.length; i += 97) check += v[i];
    codes.dispose();
    y.dispose();
  };
  await run(); // warm-up (pipelines, V8 tiers)
  const times = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const ms = times[Math.floor(times.length / 2)];
  x.dispose();
  tok.dispose();
  return { where, ms, ips: (batch * 1000) / ms, check };
}
