// Trains a tiny regression MLP for `total` steps, checkpointing every `every` steps into `dir`, and
// resumes from the newest complete checkpoint when restarted. Used by checkpoint.node.test.ts, which
// kills it with SIGKILL at random moments. Prints "resumed <step> (torn checkpoints removed: <n>)",
// "step <s>" after each step, "writing <s>" / "checkpoint <s>" before / after writing a checkpoint, "done".

import { join } from 'node:path';
import {
  Activation,
  AdamW,
  Linear,
  loadModule,
  Module,
  Sequential,
  safetensorsToTensors,
  saveModule,
  seedInit,
  tensorsToSafetensors,
} from '@unif2ace/nn';
import { loadLatestCheckpoint, writeCheckpoint, writeFileAtomic } from '@unif2ace/nn/node';
import { init, tensor, tidy } from '@unif2ace/tensor';

const [dir, total, every, backend] = [
  process.argv[2],
  Number(process.argv[3]),
  Number(process.argv[4]),
  process.argv[5] ?? 'webgpu',
];
await init({ backend });

class Net extends Module {
  body = new Sequential(new Linear(4, 16), new Activation('tanh'), new Linear(16, 1));
  forward(x) {
    return this.body.forward(x);
  }
}
seedInit(42);
const net = new Net();
const opt = new AdamW(net.parameters(), { lr: 0.01 });

// The batch for step s depends only on s: resuming replays the same data.
function batch(s) {
  const x = new Float32Array(32 * 4);
  const y = new Float32Array(32);
  let r = (s * 2654435761) >>> 0;
  for (let i = 0; i < x.length; i++) {
    r = (Math.imul(r, 1664525) + 1013904223) >>> 0;
    x[i] = r / 2 ** 32 - 0.5;
  }
  for (let i = 0; i < 32; i++) y[i] = Math.sin(3 * x[i * 4]) + x[i * 4 + 1] * x[i * 4 + 2];
  return [tensor(x, [32, 4]), tensor(y, [32, 1])];
}

let start = 0;
const ck = loadLatestCheckpoint(dir);
if (ck) {
  loadModule(net, ck.files['model.safetensors']);
  const st = safetensorsToTensors(ck.files['optimizer.safetensors']);
  opt.loadStateTensors(st, ck.state.step);
  for (const t of st.values()) t.dispose();
  start = ck.state.step;
}
console.log(`resumed ${start} (torn checkpoints removed: ${ck?.skipped.length ?? 0})`);
for (let s = start; s < total; s++) {
  tidy(() => {
    const [x, y] = batch(s);
    net.forward(x).sub(y).square().mean().backward();
  });
  opt.update();
  opt.zeroGrad();
  console.log(`step ${s + 1}`);
  if ((s + 1) % every === 0 || s + 1 === total) {
    console.log(`writing ${s + 1}`);
    const files = {
      'model.safetensors': await saveModule(net),
      'optimizer.safetensors': await tensorsToSafetensors(opt.stateTensors()),
    };
    writeCheckpoint(
      dir,
      s + 1,
      files,
      { step: s + 1, data: { nextBatch: s + 1 }, rng: null },
      { keepLast: 2 },
    );
    console.log(`checkpoint ${s + 1}`);
  }
}
writeFileAtomic(join(dir, 'final.safetensors'), await saveModule(net));
console.log('done');
process.exit(0);
