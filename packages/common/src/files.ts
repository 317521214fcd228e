// Crash-safe file writes and guarded folder creation (Node). One contract, an async and a sync variant:
// - writeFileAtomic(path, data): a temporary file in the destination folder, fsync, rename over `path`,
//   fsync the folder. A kill at any moment leaves the old file or the new one, never a torn one; a failed
//   write removes its temporary file. The folder must exist (makeDir).
// - makeDir(path): the folder and its missing parents, never with Node's `mkdir({ recursive: true })`,
//   which spins one core forever when a parent exists but cannot hold children (under /proc, a dangling
//   symlink, a stale mount). It walks up to the nearest existing ancestor, checks that it is a writable
//   folder, and creates each missing level on its own; every failure is one error naming the folder.
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  closeSync,
  constants,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

type Data = Uint8Array | string;

const errno = (e: unknown): string | undefined => (e as NodeJS.ErrnoException).code;
const why = (e: unknown): string => (e as Error).message;

/** Creates folder `path` and its missing parents (see the file comment); resolves when it exists. */
export async function makeDir(path: string): Promise<void> {
  makeDirSync(path); // a few metadata calls: the sync variant is the implementation
}

/** Synchronous makeDir. */
export function makeDirSync(path: string): void {
  const target = resolve(path);
  const fail = (reason: string): never => {
    throw new Error(`cannot create folder ${target}: ${reason}`);
  };
  const missing: string[] = [];
  let at = target;
  for (;;) {
    const kind = pathKind(at);
    if (kind === 'dir') break;
    if (kind === 'file') fail(`${at} exists and is not a folder`);
    if (kind === 'dangling') fail(`${at} is a symbolic link to something that does not exist`);
    missing.push(at);
    const up = dirname(at);
    if (up === at) fail('no part of the path exists');
    at = up;
  }
  if (missing.length === 0) return;
  try {
    accessSync(at, constants.W_OK | constants.X_OK);
  } catch {
    fail(`${at} is not writable`);
  }
  for (const dir of missing.reverse()) {
    try {
      mkdirSync(dir);
    } catch (e) {
      if (errno(e) === 'EEXIST' && pathKind(dir) === 'dir') continue; // made by someone else meanwhile
      fail(`${dirname(dir)} does not accept a new folder here (${errno(e) ?? why(e)})`);
    }
  }
}

function pathKind(p: string): 'dir' | 'file' | 'dangling' | 'none' {
  try {
    return statSync(p).isDirectory() ? 'dir' : 'file';
  } catch (e) {
    if (errno(e) !== 'ENOENT' && errno(e) !== 'ENOTDIR') throw new Error(`cannot inspect ${p}: ${why(e)}`);
  }
  try {
    lstatSync(p);
    return 'dangling'; // the link exists, its target does not
  } catch {
    return 'none';
  }
}

const tmpPath = (path: string): string =>
  join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);

const bytesOf = (data: Data): Uint8Array =>
  typeof data === 'string' ? new TextEncoder().encode(data) : data;

function writeError(path: string, e: unknown): Error {
  const reason = errno(e) === 'ENOENT' ? `folder ${dirname(path)} does not exist` : why(e);
  return new Error(`writeFileAtomic(${path}): ${reason}`);
}

/** Writes `data` to `path` atomically (see the file comment). */
export async function writeFileAtomic(path: string, data: Data): Promise<void> {
  const tmp = tmpPath(path);
  let created = false;
  try {
    const fh = await open(tmp, 'wx');
    created = true;
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
    created = false;
    await fsyncDir(dirname(path));
  } catch (e) {
    if (created) await rm(tmp, { force: true });
    throw writeError(path, e);
  }
}

/** Synchronous writeFileAtomic. */
export function writeFileAtomicSync(path: string, data: Data): void {
  const tmp = tmpPath(path);
  let created = false;
  try {
    const fd = openSync(tmp, 'wx');
    created = true;
    try {
      const bytes = bytesOf(data);
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    created = false;
    fsyncDirSync(dirname(path));
  } catch (e) {
    if (created) rmSync(tmp, { force: true });
    throw writeError(path, e);
  }
}

/** fsync a folder, so a rename inside it survives a power cut. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Synchronous fsyncDir. */
export function fsyncDirSync(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
