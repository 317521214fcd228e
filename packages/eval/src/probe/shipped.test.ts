// The weights shipped in the package: they load with no argument and keep judging held-out faces well
// (a regression guard: a fixed batch of test-split faces the probe never trained on).
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseSafetensors } from '@unif2ace/nn';
import { init } from '@unif2ace/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { probeAccuracy } from './accuracy.js';
import { heldOutFaces } from './faces.js';
import { FaceProbe } from './probe.js';

const dir = new URL('../../weights/face-probe/', import.meta.url);

beforeAll(async () => {
  await init({ backend: 'wasm' });
});

describe('shipped FaceProbe', () => {
  it('loads from the package with no argument, stored in f16', async () => {
    const probe = await FaceProbe.load();
    const file = fileURLToPath(new URL('model.safetensors', dir));
    const st = parseSafetensors(new Uint8Array((await import('node:fs')).readFileSync(file)), file);
    expect([...st.tensors.values()].every((e) => e.dtype === 'F16')).toBe(true);
    expect(statSync(file).size).toBeLessThan(2 * probe.net.numParameters() + 64 * 1024);
    expect(probe.config.training).toBeDefined();
    probe.dispose();
  });

  it('reaches >= 95 % on the attributes it judges (a fixed held-out batch); the excluded ones are named', async () => {
    const probe = await FaceProbe.load();
    const faces = heldOutFaces(200, { seed: 4242 });
    const acc = probeAccuracy(
      await probe.predict(faces.map((f) => f.image)),
      faces.map((f) => f.record),
    );
    const excluded = new Set(probe.unreliable.map((u) => u.name));
    const judged = acc.attributes.filter((a) => !excluded.has(a.name));
    const right = judged.reduce((s, a) => s + a.accuracy * a.count, 0);
    const total = judged.reduce((s, a) => s + a.count, 0);
    expect(judged.length).toBeGreaterThanOrEqual(17);
    expect(right / total).toBeGreaterThanOrEqual(0.95);
    for (const a of judged) expect(a.accuracy, a.name).toBeGreaterThanOrEqual(0.95);
    // all 29 attributes together: a regression guard just under the shipped level (96.0 % on these 200 faces,
    // 96.0 % on 2000), not the 99.5 % target; the first shipped probe (88.4 % on these faces) would fail it
    expect(acc.overall).toBeGreaterThanOrEqual(0.94);
    for (const u of probe.unreliable) {
      expect(acc.attributes.some((a) => a.name === u.name)).toBe(true);
      expect(u.accuracy).toBeLessThan(0.98);
    }
    probe.dispose();
  });
});
