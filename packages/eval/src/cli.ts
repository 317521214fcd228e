#!/usr/bin/env node
// `unif2ace-eval <command> [options]`
import { isEntry } from '@unif2ace/common/node';

const COMMANDS: Record<
  string,
  { summary: string; load: () => Promise<{ run(args: string[]): Promise<number> }> }
> = {
  'train-probe': {
    summary: 'train FaceProbe on freshly rendered faces (resumable), print the held-out per-attribute table',
    load: () => import('./cli/train-probe.js'),
  },
  'evaluate-probe': {
    summary: 'per-attribute accuracy of a probe on held-out faces, optionally under JPEG / shift / blur',
    load: () => import('./cli/evaluate-probe.js'),
  },
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  const lines = Object.entries(COMMANDS).map(([k, c]) => `  ${k.padEnd(width)}  ${c.summary}`);
  return `usage: unif2ace-eval <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun a command with --help for its options.`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    console.log(usage());
    return name ? 0 : 1;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    console.error(`unif2ace-eval: unknown command "${name}"\n\n${usage()}`);
    return 1;
  }
  return (await cmd.load()).run(rest);
}

if (isEntry(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(`unif2ace-eval: ${(e as Error).message}`);
      process.exit(1);
    },
  );
}
