import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomicSync as writeFileAtomic } from '@unif2ace/common/node';
import { describe, expect, it } from 'vitest';
import { loadLatestCheckpoint, verifyCheckpoint, writeCheckpoint } from './checkpoint.js';

const child = fileURLToPath(new URL('../../test/crash-child.mjs', import.meta.url));
const pkgRoot = fileURLToPath(new URL('../..', import.meta.url));

const TOTAL = 300;
const EVERY = 5;

/** When to kill: `delayMs` after the resume, after `steps` more steps, or after a checkpoint write began. */
type KillPlan = { after: 'resume' | 'steps' | 'write'; steps: number; delayMs: number };

/**
 * Runs the child until it exits, or SIGKILLs it per `plan`. Progress-based timing keeps the test
 * meaningful on a loaded machine: every kill lands after real training, and the delay lands it at
 * a random moment within a step or a checkpoint write.
 */
function run(dir: string, plan?: KillPlan): Promise<{ out: string; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, dir, String(TOTAL), String(EVERY)], {
      cwd: pkgRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let timer: ReturnType<typeof setTimeout> | null = null;
    p.stdout.on('data', (d) => {
      out += d;
      const resumed = /resumed (\d+)/.exec(out);
      if (!plan || timer || !resumed) return;
      const hit =
        plan.after === 'resume' ||
        (plan.after === 'steps' && out.includes(`step ${Number(resumed[1]) + plan.steps}\n`)) ||
        (plan.after === 'write' && /writing \d+/.test(out));
      if (hit || out.includes('done')) {
        timer = setTimeout(() => p.kill('SIGKILL'), plan.delayMs);
      }
    });
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (signal === 'SIGKILL') resolve({ out, killed: true });
      else if (code === 0) resolve({ out, killed: false });
      else
        reject(
          new Error(
            `child exited ${code}: ${err
              .split('\n')
              .filter((l) => !l.startsWith('Warning'))
              .join('\n')}`,
          ),
        );
    });
  });
}

const lastMatch = (out: string, re: RegExp) => Math.max(0, ...[...out.matchAll(re)].map((m) => Number(m[1])));

describe('checkpoints', () => {
  it('torn checkpoint directories are skipped and removed; keepLast prunes', () => {
    const root = mkdtempSync(join(tmpdir(), 'ckpt-'));
    for (const s of [1, 2, 3, 4])
      writeCheckpoint(root, s, { 'a.bin': new Uint8Array([s]) }, { step: s }, { keepLast: 2 });
    expect(readdirSync(root).sort()).toEqual(['step-00000003', 'step-00000004']);
    // A writer killed before its manifest, and one whose file was corrupted afterwards.
    mkdirSync(join(root, 'step-00000009'));
    writeFileSync(join(root, 'step-00000009', 'a.bin'), 'x');
    writeCheckpoint(root, 8, { 'a.bin': new Uint8Array([8]) }, { step: 8 }, { keepLast: 5 });
    writeFileSync(join(root, 'step-00000008', 'a.bin'), new Uint8Array([9]));
    expect(verifyCheckpoint(join(root, 'step-00000008'))).toMatch(/a\.bin does not match its SHA-256/);
    const ck = loadLatestCheckpoint(root)!;
    expect(ck.step).toBe(4);
    expect(ck.skipped.map((s) => s.reason)).toEqual([
      'no manifest.json (torn write)',
      'a.bin does not match its SHA-256',
    ]);
    expect(readdirSync(root).sort()).toEqual(['step-00000003', 'step-00000004']);
    writeFileAtomic(join(root, 'x.txt'), 'hello');
    expect(readFileSync(join(root, 'x.txt'), 'utf8')).toBe('hello');
    expect(readdirSync(root).filter((n) => n.includes('.tmp-'))).toEqual([]);
    rmSync(root, { recursive: true });
  });

  it('an output folder that cannot be created fails at once, naming it', () => {
    const t0 = performance.now();
    expect(() => writeCheckpoint('/proc/unif2ace-ckpt', 1, {}, {})).toThrow(
      'cannot create folder /proc/unif2ace-ckpt: /proc does not accept a new folder here',
    );
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('training killed with SIGKILL at random moments resumes to bit-identical weights', async () => {
    const t0 = performance.now();
    const base = mkdtempSync(join(tmpdir(), 'crash-'));
    const clean = join(base, 'clean');
    const crashed = join(base, 'crashed');
    await run(clean);
    let kills = 0;
    let resumes = 0;
    let torn = 0;
    let lastCheckpoint = 0;
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const wrongResumes: string[] = [];
    for (let attempt = 0; attempt < 60; attempt++) {
      // A few steps in, right after resuming, or while the next checkpoint is being written.
      const after = (['write', 'write', 'resume', 'steps', 'steps', 'steps'] as const)[rnd(6)];
      const plan =
        kills < 20 ? { after, steps: 1 + rnd(12), delayMs: rnd(after === 'write' ? 30 : 60) } : undefined;
      const { out, killed } = await run(crashed, plan);
      const resumed = lastMatch(out, /resumed (\d+)/g);
      // It resumes from the newest checkpoint that completed: the last one reported, or the next
      // one when the kill came after its manifest was written but before the report.
      if (resumed !== lastCheckpoint && resumed !== lastCheckpoint + EVERY) {
        wrongResumes.push(`run ${attempt}: resumed ${resumed}, last complete checkpoint ${lastCheckpoint}`);
      }
      if (resumed > 0) resumes++;
      torn += lastMatch(out, /torn checkpoints removed: (\d+)/g);
      lastCheckpoint = Math.max(resumed, lastMatch(out, /checkpoint (\d+)/g));
      if (!killed) break;
      kills++;
    }
    const a = readFileSync(join(clean, 'final.safetensors'));
    const b = readFileSync(join(crashed, 'final.safetensors'));
    let mismatches = a.length === b.length ? 0 : Math.max(a.length, b.length);
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) mismatches++;
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    console.log(
      `crash test: ${kills} kills, ${resumes} resumes from a checkpoint, ${torn} torn checkpoints removed, ${mismatches} mismatched bytes, ${secs} s`,
    );
    expect(wrongResumes).toEqual([]);
    expect(kills).toBeGreaterThanOrEqual(20);
    expect(resumes).toBeGreaterThanOrEqual(10);
    expect(mismatches).toBe(0);
    rmSync(base, { recursive: true });
  }, 900_000);
});
