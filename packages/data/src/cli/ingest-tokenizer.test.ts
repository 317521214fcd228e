// End to end through the CLI functions: CelebA-style folder -> shards -> tokenizer trained on them.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { CELEBA_ATTRIBUTES } from '../ingest/index.js';
import { readSplits } from '../ingest/test-splits.js';
import { Rng } from '../random.js';
import { renderFace } from '../renderer/index.js';
import { sampleAttributes } from '../taxonomy/index.js';
import { BpeTokenizer } from '../tokenizer/index.js';
import { ingestCli } from './ingest.js';
import { recordTexts, tokenizerCli } from './tokenizer.js';

let root = '';

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

async function captureLog(fn: () => Promise<number>): Promise<string> {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    expect(await fn()).toBe(0);
  } finally {
    log.mockRestore();
    err.mockRestore();
    write.mockRestore();
  }
  return lines.join('\n');
}

describe('unif2ace-data ingest + tokenizer', () => {
  it('ingests a CelebA folder and trains a tokenizer on its records', async () => {
    root = await mkdtemp(join(tmpdir(), 'cli-'));
    const input = join(root, 'celeba');
    await mkdir(join(input, 'img_align_celeba'), { recursive: true });
    const rows: string[] = [];
    const rng = new Rng(11);
    for (let i = 1; i <= 12; i++) {
      const face = renderFace(sampleAttributes(new Rng(i)), { size: 178, seed: i });
      const rgba = new Uint8Array(178 * 218 * 4).fill(255);
      for (let p = 0; p < 178 * 178; p++) rgba.set(face.rgb.subarray(p * 3, p * 3 + 3), (p + 178 * 20) * 4);
      const name = `${String(i).padStart(6, '0')}.jpg`;
      await writeFile(
        join(input, 'img_align_celeba', name),
        jpeg.encode({ data: rgba, width: 178, height: 218 }, 85).data,
      );
      rows.push([name, ...CELEBA_ATTRIBUTES.map(() => (rng.bool(0.4) ? ' 1' : '-1'))].join(' '));
    }
    await writeFile(
      join(input, 'img_align_celeba', '000013.jpg'),
      new Uint8Array([0xff, 0xd8, 0xff, 0, 1, 2]),
    );
    rows.push([`000013.jpg`, ...CELEBA_ATTRIBUTES.map(() => '-1')].join(' '));
    await writeFile(
      join(input, 'list_attr_celeba.txt'),
      `${rows.length}\n${CELEBA_ATTRIBUTES.join(' ')}\n${rows.join('\n')}\n`,
    );

    const out = join(root, 'shards');
    const summary = JSON.parse(
      await captureLog(() => ingestCli(['--input', input, '--out', out, '--samples-per-shard', '5'])),
    );
    expect(summary).toMatchObject({
      mode: 'celeba',
      seen: 13,
      written: 12,
      skipped: 1,
      reasons: { 'corrupt JPEG': 1 },
    });

    let texts = 0;
    let trainRecords = 0;
    for (const s of await readSplits(out)) {
      const rec = JSON.parse(new TextDecoder().decode(s.files.json));
      expect(rec.qa.length).toBeGreaterThan(0);
      for (const qa of rec.qa) {
        for (const n of qa.attr === 'accessories'
          ? ['glasses', 'hat', 'earrings', 'necklace', 'faceMask']
          : qa.attr.split('|')) {
          expect(rec.attributes[n], `${qa.q} (${s.key})`).not.toBeNull();
        }
      }
      expect(['train', 'validation', 'test']).toContain(rec.split);
      if (rec.split === 'train') {
        texts += recordTexts(rec).length;
        trainRecords++;
      }
    }
    expect(trainRecords).toBeGreaterThan(6);
    expect(texts).toBeGreaterThan(trainRecords * 3);

    const tokDir = join(root, 'tok');
    const msg = await captureLog(() =>
      tokenizerCli(['train', '--shards', out, '--out', tokDir, '--vocab', '400', '--min-frequency', '1']),
    );
    expect(msg).toContain(`training on ${out}/train`);
    expect(msg).toContain(`trained on ${texts} texts (${trainRecords} records`);
    const tok = await BpeTokenizer.load(tokDir);
    expect(tok.textVocabSize).toBe(400);
    expect(JSON.parse(await readFile(join(tokDir, 'tokenizer_config.json'), 'utf8')).eos_token).toBe(
      '<|eos|>',
    );
    const enc = await captureLog(() => tokenizerCli(['encode', '--tokenizer', tokDir, 'She has wavy hair.']));
    expect(JSON.parse(enc)).toEqual(tok.encode('She has wavy hair.'));
    const dec = await captureLog(() =>
      tokenizerCli(['decode', '--tokenizer', tokDir, ...JSON.parse(enc).map(String)]),
    );
    expect(dec).toBe('She has wavy hair.');
  });
});
