import { defineConfig } from 'vitest/config';

// `node`: the server, the CLI and the input checks (the CLI runs as a child process, from dist/).
// `browser`: the page end to end in headless Chromium (playwright-core drives it from Node).
const common = { environment: 'node' as const, pool: 'forks' as const, maxWorkers: 1, hookTimeout: 300_000 };
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          ...common,
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.browser.test.ts'],
          testTimeout: 180_000,
        },
      },
      { test: { ...common, name: 'browser', include: ['test/**/*.browser.test.ts'], testTimeout: 300_000 } },
    ],
  },
});
