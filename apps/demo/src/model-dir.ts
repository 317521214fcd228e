// Where the model folder is, and whether it is usable: checked before anything loads, so a bad folder gets
// one line naming the folder and what is wrong with it.
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The files a model folder holds (MODEL-API.md, "The model folder"). */
export const MODEL_FILES = ['config.json', 'model.safetensors', 'tokenizer.json', 'image-tokenizer'] as const;

/**
 * The shipped nano model folder (packages/model/weights/nano, inside the @unif2ace/model package), or
 * null when @unif2ace/model is not installed or ships no weights.
 */
export function shippedModelDir(): string | null {
  try {
    // <package>/dist/index.js -> <package>/weights/nano (the model package's SHIPPED_MODEL), without
    // importing the model (and the tensor runtime) into the server
    const entry = fileURLToPath(import.meta.resolve('@unif2ace/model'));
    return join(dirname(dirname(entry)), 'weights', 'nano');
  } catch {
    return null;
  }
}

export interface ModelFolderInfo {
  dir: string;
  /** Total bytes of the files the page downloads. */
  bytes: number;
  /** The config's `model` block, as stored. */
  config: Record<string, unknown>;
}

/** Checks that `dir` is a readable model folder; throws one line saying what is wrong. */
export async function checkModelDir(dir: string): Promise<ModelFolderInfo> {
  const abs = resolve(dir);
  const info = await stat(abs).catch(() => null);
  if (!info) throw new Error(`model folder ${dir} does not exist`);
  if (!info.isDirectory()) throw new Error(`model folder ${dir} is not a folder`);
  let entries: string[];
  try {
    entries = await readdir(abs);
  } catch (e) {
    throw new Error(`model folder ${dir} cannot be read (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  const missing = MODEL_FILES.filter((f) => !entries.includes(f));
  if (missing.length)
    throw new Error(`model folder ${dir} has no ${missing.join(', ')} (is it a folder written by save()?)`);
  let config: Record<string, unknown>;
  try {
    const raw = JSON.parse(await readFile(join(abs, 'config.json'), 'utf8'));
    if (!raw || typeof raw !== 'object' || typeof raw.model !== 'object')
      throw new Error('it has no "model" object');
    config = raw.model as Record<string, unknown>;
  } catch (e) {
    throw new Error(`model folder ${dir}: config.json is not a model config (${(e as Error).message})`);
  }
  return { dir: abs, bytes: await folderBytes(abs), config };
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += await folderBytes(p);
    else if (e.isFile()) total += (await stat(p)).size;
  }
  return total;
}
