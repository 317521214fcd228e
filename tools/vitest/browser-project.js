// Shared vitest "browser" project over Debian's Chromium (flags in chromium.js).
// Used by every package whose tests must also pass in a browser.
import { playwright } from '@vitest/browser-playwright';

import { chromiumArgs, chromiumPath } from './chromium.js';

export { chromiumArgs, chromiumPath };

export function browserProject({ include, exclude = [] }) {
  return {
    test: {
      name: 'browser',
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
