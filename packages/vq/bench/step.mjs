// Sizing probe: milliseconds per training step (forward, backward, AdamW) of codec configs on WASM.
// node bench/step.mjs [--batch 16] [--steps 4]
import { AdamW } from '@unif2ace/nn';
import { init, randn, scope, tidy } from '@unif2ace/tensor';
import { Decoder, Encoder, FSQ } from '@unif2ace/vq';

const arg = (k, d) => {
  const i = process.argv.indexOf(`--${k}`);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const B = arg('batch', 16);
const steps = arg('steps', 4);
await init({ backend: 'auto', wasm: { threads: Number(process.env.T ?? 2) } });
const base = { imageSize: 64, groups: 8, latentChannels: 4 };
// The shipped codec; the decoder-only variants below change just the decoder.
const shipped = { ...base, patchSize: 2, channels: 32, channelMult: [1, 2], resBlocks: 1 };
// One level of 64 channels on 4×4 patches (run B of the design comparison), with wider decoders.
const patch4 = { ...base, patchSize: 4, channels: 64, channelMult: [1] };
const configs = [
  {
    name: 'f4 p2 c32 [1,2] r1 (shipped)',
    ...shipped,
  },
  {
    name: 'f4 p2 c32 [1,2] r1, dec c48 r1',
    ...shipped,
    decoderChannels: 48,
  },
  {
    name: 'f4 p2 c32 [1,2] r1, dec c32 r2',
    ...shipped,
    decoderResBlocks: 2,
  },
  {
    name: 'f4 p2 c32 [1,2] r1, dec c48 r2',
    ...shipped,
    decoderChannels: 48,
    decoderResBlocks: 2,
  },
  {
    name: 'f4 p4 c64 [1] r1, dec c128 r2',
    ...patch4,
    resBlocks: 1,
    decoderChannels: 128,
    decoderResBlocks: 2,
  },
  {
    name: 'f4 p4 c64 [1] r2, dec c96 r3',
    ...patch4,
    resBlocks: 2,
    decoderChannels: 96,
    decoderResBlocks: 3,
  },
  {
    name: 'f4 p4 c64 [1] r1, dec c128 r3',
    ...patch4,
    resBlocks: 1,
    decoderChannels: 128,
    decoderResBlocks: 3,
  },
  {
    name: 'f4 p4 c64 [1] r1, dec c192 r2',
    ...patch4,
    resBlocks: 1,
    decoderChannels: 192,
    decoderResBlocks: 2,
  },
  {
    name: 'f4 p2 c16 [1,4] r1, dec c24 [1,4] r2',
    ...base,
    patchSize: 2,
    channels: 16,
    channelMult: [1, 4],
    resBlocks: 1,
    decoderChannels: 24,
    decoderResBlocks: 2,
  },
];
const only = process.env.ONLY ? new RegExp(process.env.ONLY) : null;
for (const c of configs.filter((c) => !only || only.test(c.name))) {
  const enc = new Encoder(c);
  const dec = new Decoder(c);
  const q = new FSQ({ levels: [8, 5, 5, 5] });
  const opt = new AdamW([...enc.parameters(), ...dec.parameters()], { lr: 1e-3 });
  const x = randn([B, 3, 64, 64]);
  const times = [];
  for (let s = 0; s < steps; s++) {
    const t0 = performance.now();
    await scope(async () => {
      const l = tidy(() => {
        const r = q.quantize(enc.forward(x));
        return dec.forward(r.zq).sub(x).abs().mean();
      });
      l.backward();
      await l.item();
    });
    opt.update();
    opt.zeroGrad();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const ms = times[Math.floor(times.length / 2)];
  const params = enc.numParameters() + dec.numParameters();
  console.log(
    `${c.name}: ${(params / 1e6).toFixed(2)}M params, batch ${B}: ${ms.toFixed(0)} ms/step, ${((B * 1000) / ms).toFixed(1)} images/s`,
  );
  enc.dispose();
  dec.dispose();
  opt.dispose();
  x.dispose();
}
