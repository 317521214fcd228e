import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests run against the sources of the packages eval builds on, so a change there needs no rebuild here.
const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const alias = {
  '@unif2ace/tensor/testing': src('../tensor/src/testing/index.ts'),
  '@unif2ace/tensor': src('../tensor/src/index.ts'),
  '@unif2ace/nn/node': src('../nn/src/node.ts'),
  '@unif2ace/nn': src('../nn/src/index.ts'),
  '@unif2ace/data': src('../data/src/index.ts'),
  '@unif2ace/eval': src('./src/index.ts'),
};

// The probe trains and runs on the WASM backend (what `init({ backend: 'auto' })` picks on a machine
// without a hardware GPU); the tensor and nn suites already check every kernel on WebGPU.
export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'node',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          environment: 'node',
          provide: { device: 'wasm', wasmFma: true },
          testTimeout: 300_000,
          hookTimeout: 120_000,
          pool: 'forks',
          maxWorkers: 1,
        },
      },
    ],
  },
});
