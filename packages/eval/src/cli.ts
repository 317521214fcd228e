#!/usr/bin/env node
// `unif2ace-eval <command> [options]`
import { type Command, commandLine, runIfEntry } from '@unif2ace/common/node';

const COMMANDS: Record<string, Command> = {
  'train-probe': {
    summary: 'train FaceProbe on freshly rendered faces (resumable), print the held-out per-attribute table',
    load: () => import('./cli/train-probe.js'),
  },
  'evaluate-probe': {
    summary: 'per-attribute accuracy of a probe on held-out faces, optionally under JPEG / shift / blur',
    load: () => import('./cli/evaluate-probe.js'),
  },
};

export const { usage, main } = commandLine('unif2ace-eval', COMMANDS);

runIfEntry(import.meta.url, 'unif2ace-eval', main);
