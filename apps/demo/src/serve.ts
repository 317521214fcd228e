// `pnpm demo` (and `unif2ace serve`): serves the page and the model folder on 127.0.0.1 and prints the URL.
// `--open` also opens it in a browser where there is one; `--smoke` (what CI runs on a clean clone) serves,
// fetches the page, its script and the model config over HTTP, checks them, and exits.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { argError } from './args.js';
import { checkModelDir, type ModelFolderInfo, shippedModelDir } from './model-dir.js';
import { startDemoServer } from './server.js';
import { smokeCheck } from './smoke.js';

export const SERVE_USAGE = `usage: pnpm demo [--open] [--port N] [--model DIR] [--smoke]
  Serves the UniF2ace demo page on http://127.0.0.1 and prints its URL (Ctrl+C stops it).
  --open       also open the page in the default browser, where there is one
  --port N     listen on port N (default 5180; a free port when that one is taken)
  --model DIR  serve this model folder (default: the shipped nano model in @unif2ace/model)
  --smoke      serve, fetch the page, one asset and the model config, check them, and exit (CI)
  --help       print this`;

export const DEFAULT_PORT = 5180;
const SMOKE_DEADLINE_S = 60;

/** The built page beside this file (dist/page). */
export const PAGE_DIR = fileURLToPath(new URL('./page/', import.meta.url));

function openInBrowser(url: string): void {
  const linux = process.platform !== 'darwin' && process.platform !== 'win32';
  if (linux && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    console.log(`demo: no display here to open a browser on; open ${url} in one`);
    return;
  }
  const cmd =
    process.platform === 'darwin'
      ? ['open', url]
      : process.platform === 'win32'
        ? ['cmd', '/c', 'start', '', url]
        : ['xdg-open', url];
  const failed = (why: string) =>
    console.log(`demo: could not open a browser (${why}); open ${url} yourself`);
  const child = spawn(cmd[0], cmd.slice(1), { stdio: 'ignore', detached: true });
  child.on('error', () => failed(`${cmd[0]} is not available`));
  child.on('exit', (code) => {
    if (code) failed(`${cmd[0]} exited with ${code}`);
  });
  child.unref();
}

/** The model folder to serve: checked, or null with the reason printed (the page then says so too). */
async function pickModel(dir: string | undefined): Promise<ModelFolderInfo | null> {
  if (dir !== undefined) return checkModelDir(dir); // the user asked for this one: a problem is an error
  const shipped = shippedModelDir();
  if (!shipped) {
    console.log('demo: @unif2ace/model is not built; the page will load, but without a model');
    return null;
  }
  try {
    return await checkModelDir(shipped);
  } catch (e) {
    console.log(
      `demo: no shipped weights yet (${(e as Error).message}); the page will load and say so. ` +
        'Serve a model of your own with --model DIR.',
    );
    return null;
  }
}

export async function main(argv: string[]): Promise<number> {
  let values: { open?: boolean; smoke?: boolean; help?: boolean; port?: string; model?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        open: { type: 'boolean' },
        smoke: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        port: { type: 'string' },
        model: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    console.error(`demo: ${argError(e)} (see --help)`);
    return 2;
  }
  if (values.help) {
    console.log(SERVE_USAGE);
    return 0;
  }
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) {
    console.error(`demo: --port needs a port number 0-65535, got '${values.port}'`);
    return 2;
  }
  if (!existsSync(`${PAGE_DIR}index.html`)) {
    console.error(`demo: the page is not built (${PAGE_DIR} has no index.html); run it as \`pnpm demo\``);
    return 1;
  }
  let model: ModelFolderInfo | null;
  try {
    model = await pickModel(values.model);
  } catch (e) {
    console.error(`demo: ${(e as Error).message}`);
    return 1;
  }
  if (values.smoke) {
    const timer = setTimeout(() => {
      console.error(`demo --smoke: not done after ${SMOKE_DEADLINE_S} s; giving up`);
      process.exit(1);
    }, SMOKE_DEADLINE_S * 1000);
    timer.unref();
    const server = await startDemoServer({ pageDir: PAGE_DIR, modelDir: model?.dir ?? null, port: 0 });
    try {
      const report = await smokeCheck(server.url, model);
      for (const line of report) console.log(`demo --smoke: ${line}`);
      console.log('demo --smoke: OK');
      return 0;
    } catch (e) {
      console.error(`demo --smoke: FAILED: ${(e as Error).message}`);
      return 1;
    } finally {
      await server.close();
    }
  }
  let server: Awaited<ReturnType<typeof startDemoServer>>;
  try {
    server = await startDemoServer({
      pageDir: PAGE_DIR,
      modelDir: model?.dir ?? null,
      port: port ?? DEFAULT_PORT,
    });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port !== undefined) {
      console.error(`demo: cannot listen on 127.0.0.1:${port ?? DEFAULT_PORT}: ${(e as Error).message}`);
      return 1;
    }
    server = await startDemoServer({ pageDir: PAGE_DIR, modelDir: model?.dir ?? null, port: 0 });
  }
  if (model) {
    const rel = relative(process.cwd(), model.dir) || '.';
    const name = rel.startsWith('..') ? model.dir : rel;
    console.log(`demo: model ${name} (${(model.bytes / 2 ** 20).toFixed(1)} MiB the page downloads once)`);
  }
  console.log(`UniF2ace demo: ${server.url}  (Ctrl+C stops it)`);
  if (values.open) openInBrowser(server.url);
  const stop = () => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return new Promise<number>(() => {}); // serves until stopped
}
