import { defineConfig } from 'vitest/config';

// The app's tests run the built CLI (dist/, and the built packages it imports) in child processes on the
// WASM backend: a training run is a process that can be killed, resumed and timed, as users run it.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          environment: 'node',
          testTimeout: 240_000,
          hookTimeout: 120_000,
          pool: 'forks',
          maxWorkers: 1,
        },
      },
    ],
  },
});
