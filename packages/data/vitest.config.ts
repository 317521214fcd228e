import { defineConfig } from 'vitest/config';
import { browserProject } from '../../tools/vitest/browser-project.js';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
        },
      },
      // Only *.browser.test.ts run in Chromium (renderer determinism, shard reading via fetch).
      browserProject({ include: ['src/**/*.browser.test.ts'] }),
    ],
  },
});
