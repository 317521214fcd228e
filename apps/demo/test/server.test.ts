// The server over real sockets: what it serves, with which headers, and what it refuses.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoServer, safeRelativePath, startDemoServer } from '../src/server.js';

/** A raw GET: fetch() would normalise `..` away before sending, which is not what an attacker does. */
function raw(
  server: DemoServer,
  path: string,
  opts: { method?: string; host?: string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        path,
        method: opts.method ?? 'GET',
        headers: { host: opts.host ?? `127.0.0.1:${server.port}` },
      },
      (res) => {
        let body = '';
        res.setEncoding('latin1');
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

let dir: string;
let server: DemoServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'demo-server-'));
  const page = join(dir, 'page');
  const model = join(dir, 'model');
  await mkdir(join(page, 'sub'), { recursive: true });
  await mkdir(join(model, 'image-tokenizer'), { recursive: true });
  await writeFile(join(page, 'index.html'), '<!doctype html><title>t</title>');
  await writeFile(join(page, 'main.js'), 'console.log(1)');
  await writeFile(join(page, 'style.css'), 'body{}');
  await writeFile(join(page, 'data.bin'), new Uint8Array([1, 2, 3]));
  await writeFile(join(page, '.env'), 'SECRET=1');
  await writeFile(join(dir, 'secret.txt'), 'outside');
  await writeFile(join(model, 'config.json'), '{"model":{"dim":8}}');
  await writeFile(join(model, 'model.safetensors'), new Uint8Array(16));
  await writeFile(join(model, 'image-tokenizer', 'config.json'), '{}');
  await symlink(join(dir, 'secret.txt'), join(page, 'escape.txt'));
  await symlink(dir, join(page, 'up'));
  server = await startDemoServer({ pageDir: page, modelDir: model });
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('startDemoServer', () => {
  it('listens on 127.0.0.1 only', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    expect((server.server.address() as { address: string }).address).toBe('127.0.0.1');
  });

  it('serves the page with the cross-origin isolation headers and the right types', async () => {
    const cases: [string, RegExp][] = [
      ['/', /^text\/html; charset=utf-8$/],
      ['/index.html', /^text\/html/],
      ['/main.js', /^text\/javascript/],
      ['/style.css', /^text\/css/],
      ['/data.bin', /^application\/octet-stream$/],
      ['/model/config.json', /^application\/json/],
      ['/model/model.safetensors', /^application\/octet-stream$/],
      ['/model/image-tokenizer/config.json', /^application\/json/],
    ];
    for (const [path, type] of cases) {
      const r = await raw(server, path);
      expect(r.status, path).toBe(200);
      expect(r.headers['content-type'], path).toMatch(type);
      expect(r.headers['cross-origin-opener-policy'], path).toBe('same-origin');
      expect(r.headers['cross-origin-embedder-policy'], path).toBe('require-corp');
      expect(r.headers['cross-origin-resource-policy'], path).toBe('same-origin');
      expect(r.headers['x-content-type-options'], path).toBe('nosniff');
    }
    expect((await raw(server, '/model/config.json')).body).toBe('{"model":{"dim":8}}');
    const head = await raw(server, '/main.js', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe('14');
    expect(head.body).toBe('');
  });

  it('refuses every way out of the served folders', async () => {
    const attempts = [
      '/../secret.txt',
      '/..%2fsecret.txt',
      '/%2e%2e/secret.txt',
      '/%2e%2e%2fsecret.txt',
      '/sub/../../secret.txt',
      '/model/../secret.txt',
      '/model/%2e%2e/secret.txt',
      '/..%5csecret.txt',
      '/%00index.html',
      '/escape.txt', // a symlink out of the folder
      '/up/secret.txt', // a folder symlink out of it
    ];
    for (const path of attempts) {
      const r = await raw(server, path);
      expect([403, 404], path).toContain(r.status);
      expect(r.body, path).not.toContain('outside');
      // error responses carry the same isolation headers
      expect(r.headers['cross-origin-embedder-policy'], path).toBe('require-corp');
    }
    expect((await raw(server, '/../secret.txt')).status).toBe(403);
    expect((await raw(server, '/escape.txt')).status).toBe(403);
  });

  it('answers 404 for missing files, hidden files and model folder listings', async () => {
    for (const path of ['/nope.js', '/.env', '/model/', '/model/nope.json', '/sub']) {
      const r = await raw(server, path);
      expect(r.status, path).toBe(404);
    }
  });

  it('refuses other methods, malformed paths and foreign Host headers', async () => {
    expect((await raw(server, '/', { method: 'POST' })).status).toBe(405);
    expect((await raw(server, '/%E0%A4%A')).status).toBe(400);
    expect((await raw(server, '/', { host: 'evil.example:80' })).status).toBe(403);
    expect((await raw(server, '/', { host: `localhost:${server.port}` })).status).toBe(200);
  });

  it('says so when no model folder is served', async () => {
    const s = await startDemoServer({ pageDir: join(dir, 'page'), modelDir: null });
    try {
      const r = await raw(s, '/model/config.json');
      expect(r.status).toBe(404);
      expect(r.body).toMatch(/no model folder is served/);
    } finally {
      await s.close();
    }
  });
});

describe('safeRelativePath', () => {
  it('normalises harmless paths and throws on escapes', () => {
    expect(safeRelativePath('/a/./b//c.js')).toBe('a/b/c.js');
    expect(safeRelativePath('/')).toBe('');
    expect(() => safeRelativePath('/a/../../b')).toThrow(/leaves the served folder/);
    expect(() => safeRelativePath('/a%2f..%2fb')).toThrow(/encoded separator/);
  });
});
