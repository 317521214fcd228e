// One dispatcher for the `<program> <command> [options]` CLIs: a table of lazily loaded command modules, the
// usage listing made from it, and the entry-point wrapper that turns errors into one line and an exit code.
import { isEntry } from './entry.js';

/** A command: `run(args)` returns the exit code (undefined = 0). Throw an error named 'UsageError' for a bad command line. */
export interface CommandModule {
  run(args: string[]): Promise<number | undefined>;
}

export interface Command {
  /** One line for the usage listing. */
  summary: string;
  /** Loads the module (a dynamic import, so a command's dependencies load only when it runs). */
  load: () => Promise<CommandModule>;
}

export interface CommandLine {
  usage(): string;
  /** Runs argv (without node and the script); resolves to the exit code. */
  main(argv: string[]): Promise<number>;
}

export function commandLine(program: string, commands: Record<string, Command>): CommandLine {
  const usage = () => {
    const width = Math.max(...Object.keys(commands).map((k) => k.length));
    const lines = Object.entries(commands).map(([k, c]) => `  ${k.padEnd(width)}  ${c.summary}`);
    return `usage: ${program} <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun a command with --help for its options.`;
  };
  const main = async (argv: string[]): Promise<number> => {
    const [name, ...rest] = argv;
    if (!name || name === '--help' || name === '-h') {
      console.log(usage());
      return name ? 0 : 1;
    }
    const cmd = Object.hasOwn(commands, name) ? commands[name] : undefined;
    if (!cmd) {
      console.error(`${program}: unknown command "${name}"\n\n${usage()}`);
      return 1;
    }
    try {
      const code = await (await cmd.load()).run(rest);
      return typeof code === 'number' ? code : 0;
    } catch (e) {
      if ((e as Error).name !== 'UsageError') throw e;
      console.error(`${program}: ${(e as Error).message}`); // a bad command line: no stack, ever
      return 1;
    }
  };
  return { usage, main };
}

/**
 * When the module at `moduleUrl` is the program Node was started with, runs `main(process.argv.slice(2))` and sets
 * the exit code; an error prints as one line prefixed with `program` (its stack only with UNIF2ACE_DEBUG set).
 */
export function runIfEntry(
  moduleUrl: string,
  program: string,
  main: (argv: string[]) => Promise<number>,
): void {
  if (!isEntry(moduleUrl)) return;
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: Error) => {
      console.error(process.env.UNIF2ACE_DEBUG ? e : `${program}: ${e.message}`);
      process.exitCode = 1;
    },
  );
}
