// `pnpm demo --smoke`: what a newcomer's first command must always do, checked over real HTTP.
import type { ModelFolderInfo } from './model-dir.js';

async function get(url: string): Promise<{ res: Response; body: Uint8Array }> {
  const res = await fetch(url);
  return { res, body: new Uint8Array(await res.arrayBuffer()) };
}

function expectHeaders(res: Response, what: string, type: RegExp): void {
  if (res.status !== 200) throw new Error(`${what}: HTTP ${res.status}`);
  const ct = res.headers.get('content-type') ?? '';
  if (!type.test(ct)) throw new Error(`${what}: content-type '${ct}', expected ${type}`);
  for (const [h, v] of [
    ['cross-origin-opener-policy', 'same-origin'],
    ['cross-origin-embedder-policy', 'require-corp'],
  ]) {
    if (res.headers.get(h) !== v)
      throw new Error(`${what}: header ${h} is '${res.headers.get(h)}', not '${v}'`);
  }
}

/** Fetches the page, its module script and the model config; returns one line per check. */
export async function smokeCheck(base: string, model: ModelFolderInfo | null): Promise<string[]> {
  const lines: string[] = [];
  const page = await get(base);
  expectHeaders(page.res, 'GET /', /^text\/html/);
  const html = new TextDecoder().decode(page.body);
  const script = /<script type="module" src="\.?\/?([\w.-]+\.js)"/.exec(html)?.[1];
  if (!script) throw new Error('GET /: the page has no module script');
  lines.push(`GET / ${page.body.length} bytes, cross-origin isolated`);
  const js = await get(new URL(script, base).href);
  expectHeaders(js.res, `GET /${script}`, /^text\/javascript/);
  if (js.body.length < 1000) throw new Error(`GET /${script}: only ${js.body.length} bytes`);
  lines.push(`GET /${script} ${(js.body.length / 1024).toFixed(0)} KiB`);
  const cfg = await get(new URL('model/config.json', base).href);
  if (!model) {
    if (cfg.res.status !== 404)
      throw new Error(`GET /model/config.json: HTTP ${cfg.res.status} with no model`);
    lines.push('no model folder is served (see the line above): the page loads and says so');
    return lines;
  }
  expectHeaders(cfg.res, 'GET /model/config.json', /^application\/json/);
  const json = JSON.parse(new TextDecoder().decode(cfg.body));
  if (typeof json?.model?.dim !== 'number') throw new Error('GET /model/config.json: no model.dim in it');
  lines.push(
    `GET /model/config.json: dim ${json.model.dim}, depth ${json.model.depth}; ` +
      `the model folder is ${(model.bytes / 2 ** 20).toFixed(1)} MiB`,
  );
  return lines;
}
