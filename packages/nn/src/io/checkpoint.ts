// Checkpoint directories: <root>/step-<n>/ holding model.safetensors, optimizer.safetensors (optional),
// state.json (step, scheduler, RNG, data position, anything JSON) and, written last, manifest.json with
// the step and each file's SHA-256. Only a directory whose manifest verifies is complete: resume takes
// the newest complete one and removes torn ones. keepLast prunes old complete ones.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { makeDirSync, writeFileAtomicSync } from '@unif2ace/common/node';

export interface CheckpointFiles {
  /** File name -> bytes (e.g. model.safetensors). */
  [file: string]: Uint8Array;
}

export interface Manifest {
  format: 'unif2ace-checkpoint';
  version: 1;
  step: number;
  files: Record<string, { sha256: string; bytes: number }>;
  createdAt: string;
}

const STEP_DIR = /^step-(\d+)$/;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export function checkpointDir(root: string, step: number): string {
  return join(root, `step-${String(step).padStart(8, '0')}`);
}

/** Write one checkpoint atomically; returns its directory. */
export function writeCheckpoint(
  root: string,
  step: number,
  files: CheckpointFiles,
  state: unknown,
  { keepLast = 3 }: { keepLast?: number } = {},
): string {
  if (!Number.isSafeInteger(step) || step < 0) throw new RangeError(`writeCheckpoint: bad step ${step}`);
  makeDirSync(root);
  const dir = checkpointDir(root, step);
  // A directory left by a killed writer has no valid manifest: start it over.
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  makeDirSync(dir);
  const all: CheckpointFiles = { ...files, 'state.json': new TextEncoder().encode(JSON.stringify(state)) };
  const manifest: Manifest = {
    format: 'unif2ace-checkpoint',
    version: 1,
    step,
    files: {},
    createdAt: new Date().toISOString(),
  };
  for (const [name, bytes] of Object.entries(all)) {
    if (name === 'manifest.json' || name.includes('/'))
      throw new Error(`writeCheckpoint: bad file name '${name}'`);
    writeFileAtomicSync(join(dir, name), bytes);
    manifest.files[name] = { sha256: sha256(bytes), bytes: bytes.length };
  }
  writeFileAtomicSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 1));
  pruneCheckpoints(root, keepLast);
  return dir;
}

/** Why a checkpoint directory is not complete, or null when its manifest verifies. */
export function verifyCheckpoint(dir: string): string | null {
  const mpath = join(dir, 'manifest.json');
  if (!existsSync(mpath)) return 'no manifest.json (torn write)';
  let m: Manifest;
  try {
    m = JSON.parse(readFileSync(mpath, 'utf8'));
  } catch (e) {
    return `manifest.json is not JSON: ${(e as Error).message}`;
  }
  if (m.format !== 'unif2ace-checkpoint') return 'manifest.json has the wrong format field';
  for (const [name, { sha256: want, bytes }] of Object.entries(m.files)) {
    const p = join(dir, name);
    if (!existsSync(p)) return `${name} is missing`;
    if (statSync(p).size !== bytes) return `${name} has ${statSync(p).size} bytes, manifest says ${bytes}`;
    if (sha256(readFileSync(p)) !== want) return `${name} does not match its SHA-256`;
  }
  return null;
}

export interface LoadedCheckpoint {
  dir: string;
  step: number;
  files: Record<string, Uint8Array>;
  state: unknown;
  /** Directories skipped because they were torn or corrupt, with the reason. */
  skipped: { dir: string; reason: string }[];
}

function stepDirs(root: string): { dir: string; step: number }[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .map((n) => ({ n, m: STEP_DIR.exec(n) }))
    .filter((e) => e.m)
    .map((e) => ({ dir: join(root, e.n), step: Number(e.m![1]) }))
    .sort((a, b) => b.step - a.step);
}

/** The newest complete checkpoint under root, or null. Torn ones are removed when `clean`. */
export function loadLatestCheckpoint(
  root: string,
  { clean = true }: { clean?: boolean } = {},
): LoadedCheckpoint | null {
  const skipped: { dir: string; reason: string }[] = [];
  for (const { dir, step } of stepDirs(root)) {
    const why = verifyCheckpoint(dir);
    if (why) {
      skipped.push({ dir, reason: why });
      if (clean) rmSync(dir, { recursive: true, force: true });
      continue;
    }
    const m: Manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    const files: Record<string, Uint8Array> = {};
    for (const name of Object.keys(m.files)) files[name] = new Uint8Array(readFileSync(join(dir, name)));
    const state = JSON.parse(new TextDecoder().decode(files['state.json']));
    return { dir, step, files, state, skipped };
  }
  return null;
}

export function pruneCheckpoints(root: string, keepLast: number): void {
  let kept = 0;
  for (const { dir } of stepDirs(root)) {
    if (verifyCheckpoint(dir)) continue; // torn ones are the loader's business
    if (++kept > keepLast) rmSync(dir, { recursive: true, force: true });
  }
}
