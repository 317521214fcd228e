// Guarded folder creation (see CONVENTIONS: Node's recursive mkdir can spin forever when a parent exists
// but cannot hold children): the nearest existing ancestor must be a writable directory; create level by level.
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export function ensureDir(path: string): string {
  const abs = resolve(path);
  const missing: string[] = [];
  let p = abs;
  while (!existsSync(p)) {
    missing.push(p);
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  if (!statSync(p).isDirectory()) throw new Error(`ensureDir: ${p} (a parent of ${abs}) is not a directory`);
  try {
    accessSync(p, constants.W_OK);
  } catch {
    if (missing.length) throw new Error(`ensureDir: ${p} (a parent of ${abs}) is not writable`);
  }
  for (const m of missing.reverse()) mkdirSync(m);
  return abs;
}
