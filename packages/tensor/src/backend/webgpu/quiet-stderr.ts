// Dawn writes start-up notices from native code straight to file descriptor 2 (on Linux, during the first
// requestAdapter(): "Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 1000000
// to 16 …", one per limit, on lavapipe and on real GPUs alike). They are about Dawn's own limits, not the
// user's program, so the first adapter request runs with fd 2 pointed at /dev/null. Set UNIF2ACE_DEBUG=1 to
// see them. Node has no dup2, so the swap closes fd 2 and reopens it (open() takes the lowest free
// number); it is done only where reopening gives back the same stream: stderr a terminal or a pipe, never
// a regular file (`2>log` shares an offset with stdout that a reopen would lose) or a socket.

type Fs = typeof import('node:fs');

/** Runs `fn` (synchronous) with native writes to stderr discarded, where that is safe; else just runs it. */
export async function withQuietNativeStderr<T>(fn: () => T): Promise<T> {
  if (process.env.UNIF2ACE_DEBUG || process.platform === 'win32') return fn();
  const spec = 'node:fs';
  const fs = (await import(/* @vite-ignore */ spec)) as Fs;
  let saved = -1;
  try {
    if (!reopenable(fs, 2)) return fn();
    saved = fs.openSync('/dev/fd/2', 'w'); // the same terminal or pipe, under another number
  } catch {
    return fn();
  }
  if (!swapFd2(fs, '/dev/null')) {
    fs.closeSync(saved);
    return fn();
  }
  try {
    return fn();
  } finally {
    swapFd2(fs, `/dev/fd/${saved}`);
    fs.closeSync(saved);
  }
}

/**
 * Whether opening /dev/fd/`fd` gives back the same stream: a terminal or a pipe (FIFO), not a regular file
 * or a socket. The fstat asks for bigint fields, which Node writes to a buffer of their own: a plain fstat
 * leaves a pipe's or a socket's mode in the shared buffer that `fs.realpathSync` reads on its cached path,
 * and until another stat overwrites it, module resolution stops following symlinks (nodejs/node#51142). A
 * package in a pnpm or workspace layout then loads a second time under its symlinked path, with its own
 * state: a second @unif2ace/tensor without a backend ("no backend: call `await init()`") in children
 * whose stderr is a pipe or a socket (Node's spawn), which is how `init({ backend: 'auto' })` failed there.
 */
export function reopenable(fs: Fs, fd: number): boolean {
  const st = fs.fstatSync(fd, { bigint: true });
  return st.isCharacterDevice() || st.isFIFO();
}

/** Points fd 2 at `path`; false (and fd 2 untouched where possible) when another open raced for number 2. */
function swapFd2(fs: Fs, path: string): boolean {
  fs.closeSync(2);
  const fd = fs.openSync(path, 'w');
  if (fd === 2) return true;
  // Another thread opened a file between the two calls and got number 2; there is nothing safe to do but
  // give back what we opened. Only a thread-pool open in the same microsecond can cause this.
  fs.closeSync(fd);
  return false;
}
