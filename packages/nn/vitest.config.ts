import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { browserProject } from '../../tools/vitest/browser-project.js';

// Tests run against the tensor package's source, so a change there needs no rebuild to be tested here.
const alias = {
  '@unif2ace/tensor/testing': fileURLToPath(new URL('../tensor/src/testing/index.ts', import.meta.url)),
  '@unif2ace/tensor': fileURLToPath(new URL('../tensor/src/index.ts', import.meta.url)),
  // the bench scripts import the package by name
  '@unif2ace/nn': fileURLToPath(new URL('./src/index.ts', import.meta.url)),
};

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
          testTimeout: 300_000,
          hookTimeout: 120_000,
          pool: 'forks',
          maxWorkers: 1,
        },
      },
      {
        resolve: { alias },
        ...browserProject({ include: ['src/**/*.test.ts'], exclude: ['src/**/*.node.test.ts'] }),
      },
    ],
  },
});
