// The `unif2ace` CLI on the shipped nano weights (the default model): generate → ask round trip, judged by
// FaceProbe and by the answer.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodePng } from '@unif2ace/data';
import { FaceProbe } from '@unif2ace/eval';
import { init } from '@unif2ace/tensor';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkModelDir } from '../src/model-dir.js';
import { SHIPPED_CASE, SHIPPED_MODEL } from './shipped-case.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // the default model is the shipped one; UNIF2ACE_DEMO_MODEL judges another folder the same way
    const model = process.env.UNIF2ACE_DEMO_MODEL ? ['--model', process.env.UNIF2ACE_DEMO_MODEL] : [];
    execFile(
      process.execPath,
      [CLI, ...args, ...model],
      { cwd: dir, timeout: 240_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

let dir: string;
let probe: FaceProbe;
beforeAll(async () => {
  if (!SHIPPED_MODEL) throw new Error('@unif2ace/model is not built, so there is no shipped model folder');
  await checkModelDir(SHIPPED_MODEL); // fails, naming what is missing, when the shipped weights are absent
  dir = await mkdtemp(join(tmpdir(), 'demo-shipped-'));
  await init({ backend: 'wasm' });
  probe = await FaceProbe.load();
});
afterAll(async () => {
  probe?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('generate with the shipped model draws what is asked (FaceProbe), and ask answers about it', async () => {
  const { prompt, seeds, attribute, value, question } = SHIPPED_CASE;
  const seen: string[] = [];
  for (const seed of seeds.slice(0, 2)) {
    const g = await cli(
      'generate',
      prompt,
      '-o',
      `face-${seed}.png`,
      '--seed',
      String(seed),
      '--backend',
      'wasm',
    );
    expect(g.code, g.stderr).toBe(0);
    const png = decodePng(new Uint8Array(await readFile(join(dir, `face-${seed}.png`))));
    const [p] = await probe.predict([{ rgb: png.rgb, width: png.width, height: png.height }]);
    seen.push(String(p[attribute]));
  }
  expect(seen, `the probe saw ${attribute} = ${seen.join(', ')}`).toContain(value);
  const face = join(dir, `face-${seeds[seen.indexOf(value)]}.png`);
  const a = await cli('ask', face, question, '--backend', 'wasm');
  expect(a.code, a.stderr).toBe(0);
  SHIPPED_CASE.checkAnswer(a.stdout.trim());
  const d = await cli('describe', face, '--backend', 'wasm');
  expect(d.code, d.stderr).toBe(0);
  SHIPPED_CASE.checkCaption(d.stdout.trim());
});
