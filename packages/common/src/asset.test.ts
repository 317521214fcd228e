import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { type LoadProgress, readAsset } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'common-asset-'));
writeFileSync(join(dir, 'a.bin'), new Uint8Array([1, 2, 3, 250]));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readAsset', () => {
  it('reads a file from a folder path and reports initiate, progress, done', async () => {
    const events: LoadProgress[] = [];
    const bytes = await readAsset(`${dir}/`, 'a.bin', { who: 'T.load', onProgress: (e) => events.push(e) });
    expect(Array.from(bytes)).toEqual([1, 2, 3, 250]);
    const file = `${dir}/a.bin`;
    expect(events).toEqual([
      { status: 'initiate', file },
      { status: 'progress', file, loaded: 4, total: 4 },
      { status: 'done', file },
    ]);
  });

  it('reads a file:// URL (object or string, with or without the trailing slash)', async () => {
    const u = pathToFileURL(dir);
    for (const base of [u, u.href, `${u.href}/`]) {
      expect(Array.from(await readAsset(base, 'a.bin', { who: 'T.load' }))).toEqual([1, 2, 3, 250]);
    }
  });

  it('names the caller and the file when it is missing', async () => {
    await expect(readAsset(dir, 'missing.bin', { who: 'Probe.load' })).rejects.toThrow(
      new RegExp(
        `^Probe\\.load: cannot read ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/missing\\.bin: .*ENOENT`,
      ),
    );
    const u = pathToFileURL(dir);
    await expect(readAsset(u, 'missing.bin', { who: 'X.load' })).rejects.toThrow(
      `X.load: cannot read ${new URL('missing.bin', `${u.href}/`).pathname}: `,
    );
  });

  it('fetches http(s) URLs and names a failed answer', async () => {
    const real = globalThis.fetch;
    const seen: string[] = [];
    globalThis.fetch = (async (u: URL) => {
      seen.push(String(u));
      return String(u).endsWith('ok.bin')
        ? new Response(new Uint8Array([9, 8]))
        : new Response('no', { status: 404, statusText: 'Not Found' });
    }) as typeof fetch;
    try {
      const events: LoadProgress[] = [];
      const b = await readAsset('https://h.test/m', 'ok.bin', {
        who: 'M.load',
        onProgress: (e) => events.push(e),
      });
      expect(Array.from(b)).toEqual([9, 8]);
      expect(events.map((e) => e.status)).toEqual(['initiate', 'progress', 'done']);
      expect(events[0].file).toBe('https://h.test/m/ok.bin');
      await expect(readAsset(new URL('https://h.test/m/'), 'no.bin', { who: 'M.load' })).rejects.toThrow(
        'M.load: https://h.test/m/no.bin answered 404 Not Found',
      );
      expect(seen).toEqual(['https://h.test/m/ok.bin', 'https://h.test/m/no.bin']);
    } finally {
      globalThis.fetch = real;
    }
  });
});
