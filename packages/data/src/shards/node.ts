// Node built-ins loaded lazily, so that importing this package in a browser bundle does not pull them in.
type Fs = typeof import('node:fs/promises');
type Crypto = typeof import('node:crypto');
type Path = typeof import('node:path');
type Files = typeof import('@unif2ace/common/node');

interface NodeModules {
  fs: Fs;
  crypto: Crypto;
  path: Path;
  /** writeFileAtomic and the guarded makeDir (one implementation for every package). */
  files: Files;
}

let mods: Promise<NodeModules> | undefined;

export function nodeModules(): Promise<NodeModules> {
  mods ??= Promise.all([
    import('node:fs/promises'),
    import('node:crypto'),
    import('node:path'),
    import('@unif2ace/common/node'),
  ]).then(([fs, crypto, path, files]) => ({ fs, crypto, path, files }));
  return mods;
}

export const isNode = (): boolean =>
  typeof process !== 'undefined' && typeof process.versions?.node === 'string';
