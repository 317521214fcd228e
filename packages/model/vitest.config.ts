import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { deviceProjects } from '../../tools/vitest/device-projects.js';

// Tests run against the sources of the packages this one builds on (no rebuild needed to test a change).
const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const alias = {
  '@unif2ace/tensor/testing': src('../tensor/src/testing/index.ts'),
  '@unif2ace/tensor': src('../tensor/src/index.ts'),
  '@unif2ace/nn/node': src('../nn/src/node.ts'),
  '@unif2ace/nn': src('../nn/src/index.ts'),
  '@unif2ace/common/node': src('../common/src/node.ts'),
  '@unif2ace/common': src('../common/src/index.ts'),
  // the model reads only data's tokenizer; data's source index also pulls in its Node-only renderer workers
  // (its built dist loads them lazily), which a browser test cannot import
  '@unif2ace/data': src('../data/src/tokenizer/index.ts'),
  '@unif2ace/eval': src('../eval/src/index.ts'),
  '@unif2ace/vq': src('../vq/src/index.ts'),
  '@unif2ace/moe': src('../moe/src/index.ts'),
  '@unif2ace/diffusion': src('../diffusion/src/index.ts'),
  '@unif2ace/model': src('./src/index.ts'),
};

// Each suite runs on WebGPU and on the WASM backend (`DEVICE` in @unif2ace/tensor/testing).
export default defineConfig({
  resolve: { alias },
  test: {
    projects: deviceProjects({
      resolve: { alias },
      testTimeout: 300_000,
    }),
  },
});
