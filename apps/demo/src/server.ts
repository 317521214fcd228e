// The demo's HTTP server: node:http on 127.0.0.1 only, serving two folders and nothing else — the built page
// (`/`) and one model folder (`/model/…`). Every response makes the page cross-origin isolated (COOP/COEP),
// so the WASM backend gets its worker threads (SharedArrayBuffer). Paths are resolved and checked twice:
// lexically (no `..`, no NUL, no backslash, no encoded separators) and after symlinks (the real path must
// stay inside the folder's real path), so nothing outside the two folders can be read.
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, sep } from 'node:path';

export const HOST = '127.0.0.1';

/** Content types by extension; anything else is served as bytes (never sniffed: nosniff below). */
export const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.safetensors': 'application/octet-stream',
};

/** Sent with every response, errors included. */
export const SECURITY_HEADERS: Record<string, string> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};

export interface DemoServerOptions {
  /** The built page (index.html, main.js, …). */
  pageDir: string;
  /** The model folder served under /model/, or null when there is none (the page then says so). */
  modelDir: string | null;
  /** Default 0: any free port. */
  port?: number;
  /** Called once per request with its method, path and status (for a log). */
  onRequest?: (method: string, path: string, status: number) => void;
}

export interface DemoServer {
  server: Server;
  url: string;
  port: number;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The folder-relative path a request names, or an HttpError: 400 for a malformed path, 403 for any
 * attempt to leave the folder (`..`, encoded slashes or backslashes, NUL), never a file outside it.
 */
export function safeRelativePath(rawPath: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    throw new HttpError(400, 'malformed percent-encoding in the path');
  }
  if (decoded.includes('\0')) throw new HttpError(403, 'NUL in the path');
  if (decoded.includes('\\')) throw new HttpError(403, 'backslash in the path');
  // an encoded '/' would let a segment hide a separator from the split below
  if (/%2f|%5c/i.test(rawPath)) throw new HttpError(403, 'encoded separator in the path');
  const segments = decoded.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.some((s) => s === '..')) throw new HttpError(403, 'the path leaves the served folder');
  if (segments.some((s) => s.startsWith('.'))) throw new HttpError(404, 'hidden files are not served');
  return segments.join('/');
}

/** Resolves `rel` inside `root`, following symlinks, and refuses anything whose real path is outside. */
async function resolveInside(root: string, rel: string): Promise<string> {
  const realRoot = await realpath(root).catch(() => {
    throw new HttpError(404, 'the served folder does not exist');
  });
  let real: string;
  try {
    real = await realpath(join(realRoot, rel));
  } catch {
    throw new HttpError(404, 'not found');
  }
  if (real !== realRoot && !real.startsWith(realRoot + sep))
    throw new HttpError(403, 'the path leaves the served folder');
  return real;
}

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  const bytes = Buffer.from(body);
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': bytes.length });
  res.end(res.req.method === 'HEAD' ? undefined : bytes);
}

async function handle(req: IncomingMessage, res: ServerResponse, opts: DemoServerOptions, port: number) {
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    throw new HttpError(405, `method ${method} is not allowed`);
  }
  // Only this machine's names: a page elsewhere cannot reach the server through DNS rebinding.
  const host = req.headers.host ?? '';
  if (host !== `${HOST}:${port}` && host !== `localhost:${port}`)
    throw new HttpError(403, `unexpected Host header '${host}'`);
  const rawPath = (req.url ?? '/').split('?')[0].split('#')[0];
  if (!rawPath.startsWith('/')) throw new HttpError(400, 'the path must start with /');
  const rel = safeRelativePath(rawPath);
  let root = opts.pageDir;
  let inner = rel;
  if (rel === 'model' || rel.startsWith('model/')) {
    if (!opts.modelDir) throw new HttpError(404, 'no model folder is served (see the server log)');
    root = opts.modelDir;
    inner = rel.slice('model'.length).replace(/^\//, '');
  }
  let file = await resolveInside(root, inner);
  let info = await stat(file);
  if (info.isDirectory()) {
    if (root !== opts.pageDir) throw new HttpError(404, 'folders are not listed');
    file = await resolveInside(root, inner ? `${inner}/index.html` : 'index.html');
    info = await stat(file);
  }
  if (!info.isFile()) throw new HttpError(404, 'not a file');
  const type = MIME[extname(file).toLowerCase()] ?? 'application/octet-stream';
  res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': info.size });
  if (method === 'HEAD') {
    res.end();
    return 200;
  }
  await new Promise<void>((resolve, reject) => {
    const stream = createReadStream(file);
    stream.on('error', reject);
    res.on('close', () => {
      stream.destroy();
      resolve();
    });
    stream.pipe(res);
  });
  return 200;
}

/** Starts the server on 127.0.0.1; resolves once it listens. */
export async function startDemoServer(opts: DemoServerOptions): Promise<DemoServer> {
  let port = 0;
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    handle(req, res, opts, port)
      .then((status) => opts.onRequest?.(req.method ?? 'GET', path, status))
      .catch((e: unknown) => {
        const status = e instanceof HttpError ? e.status : 500;
        const message = e instanceof Error ? e.message : String(e);
        if (!res.headersSent) send(res, status, `${status}: ${message}\n`);
        else res.destroy();
        opts.onRequest?.(req.method ?? 'GET', path, status);
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    url: `http://${HOST}:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
