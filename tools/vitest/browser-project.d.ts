import type { TestProjectInlineConfiguration } from 'vitest/config';

export declare const chromiumPath: string;
export declare const chromiumArgs: string[];
export declare const crossOriginIsolationHeaders: Record<string, string>;
export declare function browserProject(opts: {
  include: string[];
  exclude?: string[];
  /** vitest project name (default 'browser'). */
  name?: string;
  /** Serve the test pages with COOP/COEP so they are cross-origin isolated (SharedArrayBuffer). */
  crossOriginIsolated?: boolean;
}): {
  server?: { headers: Record<string, string> };
  test: NonNullable<TestProjectInlineConfiguration['test']>;
};
