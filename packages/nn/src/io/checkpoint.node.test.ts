import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadLatestCheckpoint, verifyCheckpoint, writeCheckpoint } from './checkpoint.js';
import { writeFileAtomic } from './atomic.js';

const child = fileURLToPath(new URL('../../test/crash-child.mjs', import.meta.url));
const pkgRoot = fileURLToPath(new URL('../..', import.meta.url));

function run(dir: string, killAfterMs?: number): Promise<{ out: string; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, dir, '300', '5'], { cwd: pkgRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timer: ReturnType<typeof setTimeout> | null = null;
    // The clock starts once training runs (start-up time varies a lot on a loaded machine).
    p.stdout.on('data', (d) => {
      out += d;
      if (killAfterMs !== undefined && !timer && out.includes('resumed')) {
        timer = setTimeout(() => p.kill('SIGKILL'), killAfterMs);
      }
    });
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (signal === 'SIGKILL') resolve({ out, killed: true });
      else if (code === 0) resolve({ out, killed: false });
      else reject(new Error(`child exited ${code}: ${err.split('\n').filter((l) => !l.startsWith('Warning')).join('\n')}`));
    });
  });
}

describe('checkpoints', () => {
  it('torn checkpoint directories are skipped and removed; keepLast prunes', () => {
    const root = mkdtempSync(join(tmpdir(), 'ckpt-'));
    for (const s of [1, 2, 3, 4]) writeCheckpoint(root, s, { 'a.bin': new Uint8Array([s]) }, { step: s }, { keepLast: 2 });
    expect(readdirSync(root).sort()).toEqual(['step-00000003', 'step-00000004']);
    // A writer killed before its manifest, and one whose file was corrupted afterwards.
    mkdirSync(join(root, 'step-00000009'));
    writeFileSync(join(root, 'step-00000009', 'a.bin'), 'x');
    writeCheckpoint(root, 8, { 'a.bin': new Uint8Array([8]) }, { step: 8 }, { keepLast: 5 });
    writeFileSync(join(root, 'step-00000008', 'a.bin'), new Uint8Array([9]));
    expect(verifyCheckpoint(join(root, 'step-00000008'))).toMatch(/a\.bin does not match its SHA-256/);
    const ck = loadLatestCheckpoint(root)!;
    expect(ck.step).toBe(4);
    expect(ck.skipped.map((s) => s.reason)).toEqual(['no manifest.json (torn write)', 'a.bin does not match its SHA-256']);
    expect(readdirSync(root).sort()).toEqual(['step-00000003', 'step-00000004']);
    writeFileAtomic(join(root, 'x.txt'), 'hello');
    expect(readFileSync(join(root, 'x.txt'), 'utf8')).toBe('hello');
    expect(readdirSync(root).filter((n) => n.includes('.tmp-'))).toEqual([]);
    rmSync(root, { recursive: true });
  });

  it('training killed with SIGKILL at random moments resumes to bit-identical weights', async () => {
    const base = mkdtempSync(join(tmpdir(), 'crash-'));
    const clean = join(base, 'clean');
    const crashed = join(base, 'crashed');
    await run(clean);
    let kills = 0;
    let resumes = 0;
    let seed = 12345;
    for (let attempt = 0; attempt < 200; attempt++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const { out, killed } = await run(crashed, kills < 20 ? 150 + (seed % 1200) : undefined);
      if (/resumed [1-9]/.test(out)) resumes++;
      if (!killed) break;
      kills++;
    }
    const a = readFileSync(join(clean, 'final.safetensors'));
    const b = readFileSync(join(crashed, 'final.safetensors'));
    console.log(`crash test: ${kills} kills, ${resumes} resumes from a checkpoint, weights identical: ${a.equals(b)}`);
    expect(kills).toBeGreaterThanOrEqual(20);
    expect(resumes).toBeGreaterThanOrEqual(10);
    expect(a.equals(b)).toBe(true);
    rmSync(base, { recursive: true });
  }, 900_000);
});
