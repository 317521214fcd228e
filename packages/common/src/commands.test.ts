import { afterEach, describe, expect, it, vi } from 'vitest';
import { commandLine } from './commands.js';

class UsageError extends Error {
  override name = 'UsageError';
}

const cli = commandLine('prog', {
  hello: {
    summary: 'says hello',
    load: async () => ({ run: async (args) => (args[0] === 'fail' ? 3 : undefined) }),
  },
  'bad-args': {
    summary: 'rejects its arguments',
    load: async () => ({
      run: async () => {
        throw new UsageError('bad-args: --x must be a number, got "y"');
      },
    }),
  },
  crash: {
    summary: 'a bug',
    load: async () => ({
      run: async () => {
        throw new TypeError('boom');
      },
    }),
  },
});

describe('commandLine', () => {
  afterEach(() => vi.restoreAllMocks());

  it('lists the commands with their summaries, aligned', () => {
    expect(cli.usage()).toBe(
      'usage: prog <command> [options]\n\ncommands:\n  hello     says hello\n  bad-args  rejects its arguments\n  crash     a bug\n\nRun a command with --help for its options.',
    );
  });

  it('runs a command and returns its exit code (undefined = 0)', async () => {
    expect(await cli.main(['hello'])).toBe(0);
    expect(await cli.main(['hello', 'fail'])).toBe(3);
  });

  it('prints the usage: exit 0 for --help, 1 for no command', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    expect(await cli.main(['--help'])).toBe(0);
    expect(await cli.main([])).toBe(1);
    expect(log).toHaveBeenCalledWith(cli.usage());
  });

  it('names an unknown command (also one that is an Object property)', async () => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(await cli.main(['nope'])).toBe(1);
    expect(err.mock.calls[0][0]).toMatch(/^prog: unknown command "nope"/);
    expect(await cli.main(['toString'])).toBe(1);
  });

  it('prints a UsageError as one line and exits 1; other errors propagate', async () => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(await cli.main(['bad-args'])).toBe(1);
    expect(err).toHaveBeenCalledWith('prog: bad-args: --x must be a number, got "y"');
    await expect(cli.main(['crash'])).rejects.toThrow('boom');
  });
});
