import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadTrainConfig, microBatchMix, validateTrainConfig } from './config.js';
import { parseDuration } from './log.js';

const dir = mkdtempSync(join(tmpdir(), 'train-config-'));
const file = (name: string, body: unknown) => {
  const p = join(dir, name);
  writeFileSync(p, typeof body === 'string' ? body : JSON.stringify(body));
  return p;
};

describe('training config', () => {
  it('fills in defaults and keeps what is given', () => {
    const c = validateTrainConfig({
      model: 'nano',
      train: { steps: 10, warmup: 2, batch: 4, accumulate: 2 },
    });
    expect(c.train.steps).toBe(10);
    expect(c.train.lr).toBe(1e-3);
    expect(c.imageTokenizer).toEqual({ source: 'shipped' });
    expect(microBatchMix(c.train)).toEqual({ t2i: 1, vqa: 1, caption: 0 });
  });

  it('names the file and the field: unknown key (with the valid ones), wrong type, range, bad JSON', () => {
    const unknown = file('unknown.json', { model: 'nano', train: { stepz: 3 } });
    expect(() => loadTrainConfig(unknown)).toThrow(ConfigError);
    expect(() => loadTrainConfig(unknown)).toThrow(
      new RegExp(
        `${unknown.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: unknown key 'train.stepz'; valid: steps, batch`,
      ),
    );
    const top = file('top.json', { model: 'nano', trian: {} });
    expect(() => loadTrainConfig(top)).toThrow(/top\.json: unknown key 'trian'; valid: .*train/);
    const type = file('type.json', { model: 'nano', train: { lr: 'fast' } });
    expect(() => loadTrainConfig(type)).toThrow(/type\.json: train\.lr must be a finite number, got "fast"/);
    const int = file('int.json', { model: 'nano', data: { faces: 2.5 } });
    expect(() => loadTrainConfig(int)).toThrow(/int\.json: data\.faces must be an integer, got 2.5/);
    const range = file('range.json', { model: 'nano', train: { t2iFraction: 1.5 } });
    expect(() => loadTrainConfig(range)).toThrow(/range\.json: train\.t2iFraction must be <= 1, got 1.5/);
    const objective = file('objective.json', { model: 'nano', train: { objective: 'both' } });
    expect(() => loadTrainConfig(objective)).toThrow(
      /train\.objective must be one of d3diff, mask, score, got "both"/,
    );
    const bad = file('bad.json', '{ "model": "nano", ');
    expect(() => loadTrainConfig(bad)).toThrow(/bad\.json: not valid JSON/);
    expect(() => loadTrainConfig(join(dir, 'missing.json'))).toThrow(
      /missing\.json: cannot read the config \(ENOENT\)/,
    );
    const noModel = file('nomodel.json', { train: {} });
    expect(() => loadTrainConfig(noModel)).toThrow(/nomodel\.json: missing key 'model'/);
    const acc = file('acc.json', { model: 'nano', train: { batch: 6, accumulate: 4 } });
    expect(() => loadTrainConfig(acc)).toThrow(
      /train\.batch \(6\) must be a multiple of train\.accumulate \(4\)/,
    );
    const tok = file('tok.json', { model: 'nano', imageTokenizer: { source: 'train', levels: [4, 4, 4] } });
    expect(() => loadTrainConfig(tok)).toThrow(
      /imageTokenizer\.codec\.latentChannels \(2\) must equal the number of FSQ levels \(3\)/,
    );
    const src = file('src.json', { model: 'nano', imageTokenizer: { source: 'download' } });
    expect(() => loadTrainConfig(src)).toThrow(
      /imageTokenizer\.source must be one of shipped, train, got "download"/,
    );
  });

  it('parses budgets', () => {
    expect(parseDuration('2h')).toBe(7200);
    expect(parseDuration('1h30m')).toBe(5400);
    expect(parseDuration('90s')).toBe(90);
    expect(parseDuration('45')).toBe(45);
    expect(() => parseDuration('2 hours')).toThrow(/--budget must be a duration/);
    expect(() => parseDuration('')).toThrow(/--budget/);
  });
});
