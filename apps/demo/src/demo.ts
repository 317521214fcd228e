#!/usr/bin/env node
// `pnpm demo`: the entry the root script runs (after building what it needs); the work is in serve.ts.
import { main } from './serve.js';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    console.error(`demo: ${(e as Error).message}`);
    process.exit(1);
  },
);
