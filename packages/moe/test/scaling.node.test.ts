// bench/scaling.mjs at toy sizes (needs the built packages, as CI's build stage leaves them): it runs both
// paths for every E and writes the JSON rows the issue specifies. Not a timing test.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

it('bench/scaling.mjs writes { E, sparseMs, denseMs } rows', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'moe-scaling-'));
  try {
    const json = join(dir, 'rows.json');
    const script = fileURLToPath(new URL('../bench/scaling.mjs', import.meta.url));
    const args = [
      '--E',
      '2,4',
      '--tokens',
      '64',
      '--seq-len',
      '16',
      '--dim',
      '16',
      '--hidden',
      '24',
      '--reps',
      '1',
    ];
    const r = spawnSync(process.execPath, [script, ...args, '--json', json], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/E= 4 {2}sparse [\d.]+ ms {2}dense [\d.]+ ms/);
    const rows = JSON.parse(readFileSync(json, 'utf8'));
    expect(rows.map((x: { E: number }) => x.E)).toEqual([2, 4]);
    for (const row of rows) {
      expect(Object.keys(row)).toEqual(['E', 'sparseMs', 'denseMs']);
      expect(row.sparseMs).toBeGreaterThan(0);
      expect(row.denseMs).toBeGreaterThan(0);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
