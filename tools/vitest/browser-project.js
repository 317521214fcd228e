// Shared vitest "browser" project over Debian's Chromium (flags in chromium.js).
// Used by every package whose tests must also pass in a browser.
import { playwright } from '@vitest/browser-playwright';

import { chromiumArgs, chromiumPath } from './chromium.js';

export { chromiumArgs, chromiumPath };

/** The headers that make a page cross-origin isolated (SharedArrayBuffer, WASM threads). */
export const crossOriginIsolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export function browserProject({ include, exclude = [], name = 'browser', crossOriginIsolated = false }) {
  return {
    ...(crossOriginIsolated ? { server: { headers: crossOriginIsolationHeaders } } : {}),
    test: {
      name,
      include,
      exclude,
      testTimeout: 180_000,
      hookTimeout: 180_000,
      browser: {
        enabled: true,
        headless: true,
        screenshotFailures: false,
        provider: playwright({ launchOptions: { executablePath: chromiumPath, args: chromiumArgs } }),
        instances: [{ browser: 'chromium' }],
      },
    },
  };
}
