// readAsset: one file of a model folder, from a path (Node) or a URL (fetch; file:// URLs through
// node:fs), with transformers.js-style progress events. node:fs/promises is only imported dynamically, so
// the module stays browser-safe.

/** Loading progress, like transformers.js: initiate -> progress (bytes) -> done (per file) -> ready. */
export interface LoadProgress {
  status: 'initiate' | 'progress' | 'done' | 'ready';
  file?: string;
  loaded?: number;
  total?: number;
}

export interface ReadAssetOptions {
  onProgress?: (p: LoadProgress) => void;
  /** The caller's name, the prefix of every error message (e.g. 'UniF2ace.load'). */
  who: string;
}

/**
 * The bytes of `name` inside `base` (a folder path, or a URL string or URL object). Reports `initiate`,
 * then `progress` (all bytes) and `done` for `${base}/${name}`; errors name the caller, the file and why.
 */
export async function readAsset(
  base: string | URL,
  name: string,
  opts: ReadAssetOptions,
): Promise<Uint8Array> {
  const isUrl = base instanceof URL || /^[a-z][a-z0-9+.-]*:\/\//i.test(base);
  const file = `${String(base).replace(/\/$/, '')}/${name}`;
  opts.onProgress?.({ status: 'initiate', file });
  let bytes: Uint8Array;
  const url = isUrl ? new URL(name, String(base).endsWith('/') ? base : `${String(base)}/`) : null;
  if (url && url.protocol !== 'file:') {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`${opts.who}: ${url} answered ${res.status} ${res.statusText}`);
    bytes = new Uint8Array(await res.arrayBuffer());
  } else {
    const { readFile } = await import('node:fs/promises');
    try {
      bytes = new Uint8Array(await readFile(url ?? file));
    } catch (e) {
      throw new Error(`${opts.who}: cannot read ${url ? url.pathname : file}: ${(e as Error).message}`);
    }
  }
  opts.onProgress?.({ status: 'progress', file, loaded: bytes.length, total: bytes.length });
  opts.onProgress?.({ status: 'done', file });
  return bytes;
}
