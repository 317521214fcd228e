// Shared vitest "browser" project: Debian's Chromium, headless, with WebGPU (SwiftShader) enabled.
// Used by every package whose tests must also pass in a browser.
import { playwright } from '@vitest/browser-playwright';

export const chromiumPath = process.env.UNIF2ACE_CHROMIUM ?? '/usr/bin/chromium';

export const chromiumArgs = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-webgpu-adapter=swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

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
