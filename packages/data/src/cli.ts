#!/usr/bin/env node
// `unif2ace-data <command> [options]`. Each command is a module under ./cli/ exporting
// `run(args): Promise<number | undefined>`; to add one, add a line to COMMANDS.
import { type Command, commandLine, runIfEntry } from '@unif2ace/common/node';

const COMMANDS: Record<string, Command> = {
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

export const { usage, main } = commandLine('unif2ace-data', COMMANDS);

runIfEntry(import.meta.url, 'unif2ace-data', main);
