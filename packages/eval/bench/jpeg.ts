// What the JPEG training augmentation costs per 64 px face, side by side in one run: jpegLossy (4:4:4 and
// 4:2:0) against a real encode + decode with jpeg-js (what the augmentation used before; 4:4:4 only), and how
// far the results are from each other. A benchmark script, not a test.
// Run: esbuild bench/jpeg.ts --bundle --platform=node --format=esm --packages=external --outfile=.bench/jpeg.mjs
//      N=64 node .bench/jpeg.mjs
import { jpegBytes } from '../src/probe/augment.js';
import { heldOutFaces } from '../src/probe/faces.js';
import { jpegLossy } from '../src/probe/jpeg.js';

const N = Number(process.env.N ?? 64);
const faces = heldOutFaces(N).map((f) => f.image);
const qualities = [50, 75, 95];

function msPerFace(fn: (img: (typeof faces)[number], q: number) => unknown, rounds: number): number {
  fn(faces[0], 75); // warm the JIT and any table cache
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) for (const [i, f] of faces.entries()) fn(f, qualities[(i + r) % 3]);
  return (performance.now() - t0) / (rounds * faces.length);
}

// jpeg-js last: the garbage its per-call tables leave behind would otherwise be collected on the others' time
const lossy444 = msPerFace((f, q) => jpegLossy(f, q), 20);
const lossy420 = msPerFace((f, q) => jpegLossy(f, q, { subsampling: '4:2:0' }), 20);
const real = msPerFace((f, q) => jpegBytes(f, q), 1);
let diff = 0;
for (const f of faces) {
  const a = jpegBytes(f, 75).rgb;
  const b = jpegLossy(f, 75).rgb;
  for (let i = 0; i < a.length; i++) diff += Math.abs(a[i] - b[i]);
}
console.log(`${N} faces at 64 px, qualities ${qualities.join('/')}, ms per face (encode + decode):`);
console.log(`  jpeg-js (real bytes, 4:4:4)  ${real.toFixed(2)} ms`);
console.log(
  `  jpegLossy 4:4:4              ${lossy444.toFixed(3)} ms  (${(real / lossy444).toFixed(0)}x faster)`,
);
console.log(
  `  jpegLossy 4:2:0              ${lossy420.toFixed(3)} ms  (${(real / lossy420).toFixed(0)}x faster)`,
);
console.log(`  mean |jpeg-js - jpegLossy| at q75: ${(diff / (N * 64 * 64 * 3)).toFixed(3)} levels`);
