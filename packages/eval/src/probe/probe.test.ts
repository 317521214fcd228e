import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ATTRIBUTE_NAMES, attributeSpec } from '@unif2ace/data';
import { parseSafetensors, seedInit } from '@unif2ace/nn';
import { init, memoryStats, tensor } from '@unif2ace/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imagesToTensor } from '../images.js';
import { faceRecord, heldOutFaces, splitSeeds } from './faces.js';
import { decodeRow, HIDDEN, headLayout, recordTargets } from './heads.js';
import { FaceProbe, type LoadProgress } from './probe.js';

const SMALL = { channels: [8, 16, 16], features: 32 };
let dir: string;

beforeAll(async () => {
  await init({ backend: 'wasm' });
  dir = mkdtempSync(join(tmpdir(), 'probe-test-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('head layout', () => {
  it('has one head per attribute, with a hidden class exactly where the taxonomy can hide it', () => {
    const layout = headLayout();
    expect(layout.heads.map((h) => h.name)).toEqual([...ATTRIBUTE_NAMES]);
    let width = 0;
    for (const h of layout.heads) {
      const spec = attributeSpec(h.name);
      expect(h.offset).toBe(width);
      expect(h.hidden).toBe((spec.hiddenWhen?.length ?? 0) > 0);
      expect(h.classes).toEqual(h.hidden ? [...spec.values, HIDDEN] : spec.values);
      width += h.classes.length;
    }
    expect(layout.width).toBe(width);
  });

  it('targets and decoding invert each other on real records (nulls included)', () => {
    const layout = headLayout();
    let nulls = 0;
    for (const s of splitSeeds(0, 'train', 50)) {
      const rec = faceRecord(s);
      const t = recordTargets(layout, rec);
      const row = new Float32Array(layout.width);
      for (const c of t) row[c] = 1;
      expect(decodeRow(layout, row)).toEqual(rec);
      nulls += Object.values(rec).filter((v) => v === null).length;
    }
    expect(nulls).toBeGreaterThan(0);
  });
});

describe('FaceProbe', () => {
  it('maps [B, 3, 64, 64] to logits [B, width] and features [B, F] in f32, freeing what it made', async () => {
    seedInit(1);
    const probe = FaceProbe.create(SMALL);
    const faces = heldOutFaces(3);
    const before = memoryStats().liveTensors;
    const x = imagesToTensor(faces.map((f) => f.image));
    const lg = probe.logits(x);
    const ft = probe.features(faces.map((f) => f.image));
    expect(lg.shape).toEqual([3, probe.layout.width]);
    expect(lg.dtype).toBe('f32');
    expect(ft.shape).toEqual([3, 32]);
    expect(ft.dtype).toBe('f32');
    const preds = await probe.predict(x);
    expect(preds.length).toBe(3);
    expect(Object.keys(preds[0])).toEqual([...ATTRIBUTE_NAMES]);
    for (const t of [x, lg, ft]) t.dispose();
    expect(memoryStats().liveTensors).toBe(before);
    expect(() => probe.logits(tensor(new Float32Array(3 * 32 * 32), [1, 3, 32, 32]))).toThrow(
      /expected images \[B, 3, 64, 64\], got \[1, 3, 32, 32\]/,
    );
    probe.dispose();
  });

  it('saves and loads (f32 exactly, f16 closely) from a folder, reporting progress', async () => {
    seedInit(2);
    const probe = FaceProbe.create(SMALL);
    const images = heldOutFaces(2).map((f) => f.image);
    const want = await probe.logits(images).data();
    const f32 = await probe.saveWeights({ dtype: 'f32' });
    const f16 = await probe.saveWeights();
    expect(parseSafetensors(f16).tensors.get('head.weight')!.dtype).toBe('F16');
    expect(f16.length).toBeLessThan(0.55 * f32.length);
    writeFileSync(join(dir, 'config.json'), probe.configJson());
    writeFileSync(join(dir, 'model.safetensors'), f32);
    const events: LoadProgress['status'][] = [];
    const back = await FaceProbe.load(dir, { onProgress: (p) => events.push(p.status) });
    expect(events).toEqual(['initiate', 'progress', 'done', 'initiate', 'progress', 'done', 'ready']);
    expect(Array.from(await back.logits(images).data())).toEqual(Array.from(want));
    back.loadWeights(f16);
    const half = await back.logits(images).data();
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(half[i] - want[i]));
    expect(worst).toBeLessThan(0.02);
    const other = FaceProbe.create({ ...SMALL, features: 16 });
    expect(() => other.loadWeights(f32)).toThrow(/was saved for architecture/);
    for (const p of [probe, back, other]) p.dispose();
  });

  it('wires residual blocks and projection shortcuts as x + f(x) and proj(x) + f(x); configs without them build the plain net', async () => {
    seedInit(3);
    const res = FaceProbe.create({ ...SMALL, residual: true, shortcuts: true });
    const names = [...res.net.namedParameters()].map(([n]) => n);
    expect(names).toContain('shortcuts.0.conv.weight');
    expect(names).toContain('shortcuts.1.conv.weight');
    expect(res.net.shortcuts[0].conv.kernelSize).toBe(1);
    const x = imagesToTensor(heldOutFaces(2).map((f) => f.image));
    // blocks: stem, down 8->16 (+ shortcut 0), same 16, down 16->16 (+ shortcut 1), same 16
    const [stem, d1, s1, d2, s2] = res.net.blocks;
    const [p1, p2] = res.net.shortcuts;
    let y = stem.forward(x);
    const stemOut = y;
    y = p1.forward(y).add(d1.forward(y));
    y = y.add(s1.forward(y));
    const stage1 = y;
    y = p2.forward(y).add(d2.forward(y));
    y = y.add(s2.forward(y));
    const want = await res.net.head.forward(res.net.fc.forward(y.reshape([2, -1])).silu()).data();
    const got = await res.logits(x).data();
    for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i], 5);
    // stages(): each resolution's last activation, the stem's first
    const stages = res.net.stages(x);
    expect(stages.map((t) => t.shape)).toEqual([
      [2, 8, 32, 32],
      [2, 16, 16, 16],
      [2, 16, 8, 8],
    ]);
    for (const [a, b] of [stemOut, stage1, y].map((t, i) => [t, stages[i]]))
      expect(await b.data()).toEqual(await a.data());
    const plain = FaceProbe.create(SMALL);
    // The plain net's same-resolution blocks do not start stages either.
    expect(plain.net.stages(x).map((t) => t.shape[2])).toEqual([32, 16, 8]);
    expect([...plain.net.namedParameters()].map(([n]) => n)).not.toContain('shortcuts.0.conv.weight');
    const cfg = JSON.parse(plain.configJson());
    expect(cfg.net.residual).toBeUndefined();
    expect(cfg.net.shortcuts).toBeUndefined();
    const asFalse = FaceProbe.create({ ...SMALL, residual: false, shortcuts: false });
    expect(asFalse.net.numParameters()).toBe(plain.net.numParameters());
    expect(res.net.numParameters()).toBe(plain.net.numParameters() + (8 * 16 + 16) + (16 * 16 + 16));
    for (const p of [res, plain, asFalse]) p.dispose();
    x.dispose();
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...cfg, net: { ...cfg.net, residual: 'yes' } }));
    await expect(FaceProbe.load(dir)).rejects.toThrow(/net\.residual must be true or false/);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...cfg, net: { ...cfg.net, skip: true } }));
    await expect(FaceProbe.load(dir)).rejects.toThrow(
      /unknown key "net\.skip" \(valid: .*residual, shortcuts\)/,
    );
  });

  it('refuses bad config files, naming the key', async () => {
    const cfg = JSON.parse(FaceProbe.create(SMALL).configJson());
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...cfg, colour: 1 }));
    await expect(FaceProbe.load(dir)).rejects.toThrow(/unknown key "colour"/);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...cfg, heads: cfg.heads.slice(1) }));
    await expect(FaceProbe.load(dir)).rejects.toThrow(/heads must list the taxonomy's 29 attributes/);
    await expect(FaceProbe.load(join(dir, 'nope'))).rejects.toThrow(/cannot read .*nope.*config\.json/);
    expect(readFileSync(join(dir, 'config.json'), 'utf8')).toContain('FaceProbe');
  });
});
