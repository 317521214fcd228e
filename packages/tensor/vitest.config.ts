import { defineConfig } from 'vitest/config';
import { browserProject } from '../../tools/vitest/browser-project.js';

// Two projects over the same test files: Node (Dawn via the `webgpu` package) and headless Chromium
// (navigator.gpu on SwiftShader). Tests named *.node.test.ts use Node APIs and stay out of the browser.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // One GPU device per worker; lavapipe already uses both cores.
          pool: 'forks',
          maxWorkers: 1,
        },
      },
      browserProject({ include: ['src/**/*.test.ts'], exclude: ['src/**/*.node.test.ts'] }),
    ],
  },
});
