#!/usr/bin/env node
// `unif2ace-data <command> [options]`. Each command is a module under ./cli/ exporting
// `run(args): Promise<number | undefined>`; to add one, add a line to COMMANDS.
import { isEntry } from '@unif2ace/common/node';

export interface CommandModule {
  run(args: string[]): Promise<number | undefined>;
}

const COMMANDS: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  generate: {
    summary: 'render synthetic faces with captions and QA into shards',
    load: () => import('./cli/generate.js'),
  },
  stats: {
    summary: 'attribute histograms, caption lengths, QA counts and a contact sheet',
    load: () => import('./cli/stats.js'),
  },
  ingest: {
    summary: 'CelebA-style or unlabelled photo folder -> records in shards',
    load: () => import('./cli/ingest.js'),
  },
  tokenizer: {
    summary: 'byte-level BPE: train on shard captions + QA, encode, decode',
    load: () => import('./cli/tokenizer.js'),
  },
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  const lines = Object.entries(COMMANDS).map(([k, c]) => `  ${k.padEnd(width)}  ${c.summary}`);
  return `usage: unif2ace-data <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun a command with --help for its options.`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    console.log(usage());
    return name ? 0 : 1;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    console.error(`unif2ace-data: unknown command "${name}"\n\n${usage()}`);
    return 1;
  }
  try {
    const code = await (await cmd.load()).run(rest);
    return typeof code === 'number' ? code : 0;
  } catch (e) {
    if ((e as Error).name !== 'UsageError') throw e;
    console.error(`unif2ace-data: ${(e as Error).message}`); // a bad command line: no stack, ever
    return 1;
  }
}

if (isEntry(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: Error) => {
      // one line for the user; the stack only when asked for
      console.error(process.env.UNIF2ACE_DEBUG ? e : `unif2ace-data: ${e.message}`);
      process.exitCode = 1;
    },
  );
}
