import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tidy } from '@unif2ace/tensor';
import { checkLeaks, DEVICE, expectClose } from '@unif2ace/tensor/testing';
import { describe, expect, it } from 'vitest';
import { UniF2ace } from './model.js';
import { CAPTIONS, codesFor, TINY, tinyModel } from './test-helpers.js';

checkLeaks();

describe(`UniF2ace files (${DEVICE})`, () => {
  it('save / load round trip: f32 gives identical logits, f16 close; the folder holds the four parts', async () => {
    const m = tinyModel().eval();
    const dir = await mkdtemp(join(tmpdir(), 'unif2ace-model-'));
    try {
      const c = m.collate([
        m.t2iRow(CAPTIONS[0], codesFor(0)),
        m.mmuRow(codesFor(1), 'What color are the eyes?', 'Brown.'),
      ]);
      const want = tidy(() => m.forward(c));
      const wantData = Float32Array.from(await want.data());
      want.dispose();
      await m.save(join(dir, 'f32'), { dtype: 'f32' });
      await m.save(join(dir, 'f16'));
      expect((await readdir(join(dir, 'f16'))).sort()).toEqual([
        'config.json',
        'image-tokenizer',
        'model.safetensors',
        'tokenizer.json',
      ]);
      expect((await readdir(dir)).sort()).toEqual(['f16', 'f32']); // no temporary folder left behind
      for (const [name, tol] of [
        ['f32', 0],
        ['f16', 2e-2],
      ] as const) {
        const events: string[] = [];
        const back = await UniF2ace.load(join(dir, name), {
          onProgress: (e) =>
            events.push(`${e.status} ${e.file?.slice(join(dir, name).length + 1) ?? ''}`.trim()),
        });
        expect(events.filter((e) => e.startsWith('done'))).toEqual([
          'done config.json',
          'done tokenizer.json',
          'done model.safetensors',
          'done image-tokenizer/config.json',
          'done image-tokenizer/model.safetensors',
        ]);
        expect(events.at(-1)).toBe('ready');
        expect(events.filter((e) => e === 'ready')).toHaveLength(1);
        expect(back.config).toEqual(TINY);
        const got = tidy(() => back.forward(back.collate([...c.rows])));
        const gotData = await got.data();
        got.dispose();
        if (tol === 0) expect(Float32Array.from(gotData)).toEqual(wantData);
        else expectClose(gotData, wantData, { atol: tol, rtol: tol, label: 'f16 logits' });
        back.dispose();
      }
      // saving over an existing folder replaces it
      await m.save(join(dir, 'f32'), { dtype: 'f32' });
      expect((await readdir(dir)).sort()).toEqual(['f16', 'f32']);
      await expect(UniF2ace.load(join(dir, 'missing'))).rejects.toThrow(
        /cannot read .*missing\/config\.json/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
      m.dispose();
    }
  });

  it('load names the file and the rule: not format 1, a tokenizer of another model, unknown config keys', async () => {
    const m = tinyModel();
    const dir = await mkdtemp(join(tmpdir(), 'unif2ace-model-'));
    const { readFile, writeFile } = await import('node:fs/promises');
    try {
      await m.save(dir, { dtype: 'f32' });
      const cfgPath = join(dir, 'config.json');
      const cfg = JSON.parse(await readFile(cfgPath, 'utf8'));
      await writeFile(cfgPath, JSON.stringify({ ...cfg, format: 2 }));
      await expect(UniF2ace.load(dir)).rejects.toThrow(
        /config\.json: expected \{ "format": 1, "model": \{ … \} \}/,
      );
      await writeFile(
        cfgPath,
        JSON.stringify({ ...cfg, model: { ...cfg.model, vocab: { ...cfg.model.vocab, text: 999 } } }),
      );
      await expect(UniF2ace.load(dir)).rejects.toThrow(
        /config\.json: vocab\.text is 999, the tokenizers give \d+/,
      );
      await writeFile(cfgPath, JSON.stringify({ ...cfg, model: { ...cfg.model, depthh: 2 } }));
      await expect(UniF2ace.load(dir)).rejects.toThrow(/config\.json: model: unknown key 'depthh'/);
      await writeFile(cfgPath, '{ nope');
      await expect(UniF2ace.load(dir)).rejects.toThrow(/config\.json is not JSON/);
    } finally {
      await rm(dir, { recursive: true, force: true });
      m.dispose();
    }
  });

  // Registered only when asked for: CI counts a skipped test as a failure.
  if (process.env.UPDATE_FIXTURES)
    it('writes src/fixtures/tiny-model (UPDATE_FIXTURES=1)', async () => {
      const m = tinyModel(3);
      await m.save(fileURLToPath(new URL('./fixtures/tiny-model', import.meta.url)));
      m.dispose();
    });
});
