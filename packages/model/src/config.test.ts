import { checkLeaks } from '@unif2ace/tensor/testing';
import { describe, expect, it } from 'vitest';
import nano from '../configs/nano.json' with { type: 'json' };
import { PRESETS, validateConfig } from './config.js';
import { UniF2ace } from './model.js';
import { TINY, tinyImageTokenizer, tinyTokenizer } from './test-helpers.js';

checkLeaks();

// biome-ignore lint/suspicious/noExplicitAny: the tests patch arbitrary fields
const bad = (patch: (c: Record<string, any>) => void) => {
  // biome-ignore lint/suspicious/noExplicitAny: as above
  const c = structuredClone(TINY) as unknown as Record<string, any>;
  patch(c);
  return () => validateConfig(c, 'cfg.json');
};

describe('config', () => {
  it('presets are the JSON files, validated', () => {
    expect(PRESETS.nano).toEqual(nano);
    expect(Object.keys(PRESETS)).toEqual(['nano', 'small', 'base']);
    for (const p of Object.values(PRESETS)) expect(validateConfig(p)).toEqual(p);
  });

  it('errors name the file, the field and the rule', () => {
    expect(bad((c) => (c.dims = 3))).toThrow("cfg.json: unknown key 'dims'; valid: dim, depth");
    expect(bad((c) => (c.tokenMoe.expert = 3))).toThrow("cfg.json: unknown key 'tokenMoe.expert'");
    expect(bad((c) => delete c.depth)).toThrow("cfg.json: missing key 'depth'");
    expect(bad((c) => (c.dim = '32'))).toThrow('cfg.json: dim must be an integer, got "32"');
    expect(bad((c) => (c.tokenMoe.balanceWeight = 'x'))).toThrow(
      'tokenMoe.balanceWeight must be a finite number',
    );
    expect(bad((c) => (c.heads = 5))).toThrow('cfg.json: heads (5) must divide dim (32)');
    expect(bad((c) => (c.rotaryDim = 3))).toThrow('rotaryDim must be even, got 3');
    expect(bad((c) => (c.rotaryDim = 10))).toThrow('rotaryDim (10) exceeds the head size dim / heads = 8');
    expect(bad((c) => (c.tokenMoe.topK = 4))).toThrow('tokenMoe.topK (4) exceeds tokenMoe.routed (3)');
    expect(bad((c) => (c.seqMoe.understanding = ['copy', 'copy', 'clip', 'cleep']))).toThrow(
      /seqMoe\.understanding: 'cleep' is not a registered sequence-level expert; registered: .*clip/,
    );
    expect(bad((c) => (c.seqMoe.generation = ['copy']))).toThrow(/same count/);
    expect(() => validateConfig(null)).toThrow(/must be a JSON object/);
  });

  it('toConfig / fromConfig round trip', () => {
    const deps = { tokenizer: tinyTokenizer(), imageTokenizer: tinyImageTokenizer() };
    const m = UniF2ace.create(TINY, deps);
    const cfg = JSON.parse(JSON.stringify(m.toConfig()));
    const back = UniF2ace.fromConfig(cfg, {
      tokenizer: deps.tokenizer,
      imageTokenizer: tinyImageTokenizer(),
    });
    expect(back.toConfig()).toEqual(m.toConfig());
    expect([...back.stateDict()].map(([k, t]) => [k, t.shape])).toEqual(
      [...m.stateDict()].map(([k, t]) => [k, t.shape]),
    );
    expect(() => UniF2ace.fromConfig({ ...cfg, _class: 'X' }, deps)).toThrow(/_class 'UniF2ace'/);
    back.dispose();
    m.dispose();
  });
});
