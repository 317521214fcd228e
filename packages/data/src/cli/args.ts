// What every unif2ace-data command shares for its arguments: node:util parseArgs, with negative numbers
// accepted as option values (so `--count -5` reaches validation instead of parseArgs' "ambiguous"
// message), every error one line naming the command, and integer options checked before any work starts.
import { type ParseArgsConfig, parseArgs } from 'node:util';

/** A bad command line: the CLI prints its message alone (no stack), exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** node:util parseArgs on `config` (strict), with the fixes above; errors are one UsageError line. */
export function parseCommand<T extends ParseArgsConfig>(
  command: string,
  config: T & { args: string[] },
): ReturnType<typeof parseArgs<T>> {
  const { args, options = {} } = config;
  // `--opt -5`: join as `--opt=-5` for string options, so the value is checked like any other
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const name = /^--([\w-]+)$/.exec(args[i])?.[1];
    const next = args[i + 1];
    if (name && options[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      joined.push(`${args[i]}=${next}`);
      i++;
    } else joined.push(args[i]);
  }
  try {
    return parseArgs({ ...config, args: joined, strict: true }) as ReturnType<typeof parseArgs<T>>;
  } catch (e) {
    throw new UsageError(`${command}: ${(e as Error).message.split('\n')[0]} (see --help)`);
  }
}

/** An integer option in [min, max]; undefined stays undefined. */
export function intOption(
  command: string,
  name: string,
  value: string | undefined,
  { min = 0, max = Number.MAX_SAFE_INTEGER }: { min?: number; max?: number } = {},
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`;
    const what = /^[A-Z]/.test(name) ? name : `--${name}`; // an upper-case name is a positional (ID)
    throw new UsageError(`${command}: ${what} must be ${range}, got "${value}"`);
  }
  return n;
}

/** Checks that `path` is an existing folder (an input the command reads), naming the option. */
export async function existingFolder(command: string, option: string, path: string): Promise<void> {
  const { stat } = await import('node:fs/promises');
  const st = await stat(path).catch(() => undefined);
  if (!st) throw new UsageError(`${command}: ${option} ${path}: no such folder`);
  if (!st.isDirectory()) throw new UsageError(`${command}: ${option} ${path}: not a folder`);
}
