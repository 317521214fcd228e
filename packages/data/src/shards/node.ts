// Node built-ins loaded lazily, so that importing this package in a browser bundle does not pull them in.
type Fs = typeof import('node:fs/promises');
type Crypto = typeof import('node:crypto');
type Path = typeof import('node:path');

let mods: Promise<{ fs: Fs; crypto: Crypto; path: Path }> | undefined;

export function nodeModules(): Promise<{ fs: Fs; crypto: Crypto; path: Path }> {
  mods ??= Promise.all([import('node:fs/promises'), import('node:crypto'), import('node:path')]).then(
    ([fs, crypto, path]) => ({ fs, crypto, path }),
  );
  return mods;
}

export const isNode = (): boolean =>
  typeof process !== 'undefined' && typeof process.versions?.node === 'string';
