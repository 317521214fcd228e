// `pnpm demo`'s entry (dist/demo.js) as CI and a newcomer run it.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveFixtureModel } from './fixture.js';

const DEMO = fileURLToPath(new URL('../dist/demo.js', import.meta.url));

function demo(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [DEMO, ...args], { timeout: 90_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'demo-entry-'));
  await saveFixtureModel(join(dir, 'model'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('pnpm demo', () => {
  it('--smoke serves the page, its script and the model config, checks them and exits 0', async () => {
    const r = await demo('--smoke', '--model', join(dir, 'model'));
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^demo --smoke: GET \/ \d+ bytes, cross-origin isolated$/);
    expect(lines[1]).toMatch(/^demo --smoke: GET \/main\.js \d+ KiB$/);
    expect(lines[2]).toMatch(
      /^demo --smoke: GET \/model\/config\.json: dim 32, depth 1; the model folder is [\d.]+ MiB$/,
    );
    expect(lines.at(-1)).toBe('demo --smoke: OK');
  });

  it('prints its usage with --help and refuses bad options in one line', async () => {
    const help = await demo('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: pnpm demo \[--open\] \[--port N\] \[--model DIR\] \[--smoke\]/);
    const cases: [string[], string, number][] = [
      [['--bogus'], "demo: unknown option '--bogus' (see --help)", 2],
      [['--port', 'x'], "demo: --port needs a port number 0-65535, got 'x'", 2],
      [['--model', join(dir, 'nowhere')], `demo: model folder ${join(dir, 'nowhere')} does not exist`, 1],
      [['page'], "demo: unexpected argument 'page' (see --help)", 2],
    ];
    for (const [args, line, code] of cases) {
      const r = await demo(...args);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.stderr.trimEnd(), args.join(' ')).toBe(line);
    }
  });
});
