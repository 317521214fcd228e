// Runs the js block of the README's "Example" section against the app's sources.
import { describe, expect, it } from 'vitest';
import { runReadmeExample } from '../../../tools/vitest/readme-example.js';

describe('README', () => {
  it('Example runs and prints what it promises', async () => {
    const { logs } = await runReadmeExample(
      new URL('../README.md', import.meta.url),
      new URL('.', import.meta.url),
      {
        '@unif2ace/train': './index.js',
      },
    );
    expect(logs).toEqual(['done 20', '32 string']);
  });
});
