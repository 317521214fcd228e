// Runs the first js block of the README's "## Example" section against the sources.
import { describe, expect, it } from 'vitest';
import { runReadmeExample } from '../../../tools/vitest/readme-example.js';

describe('README', () => {
  it('the example trains a step, generates, answers and describes, and prints what it promises', async () => {
    const { code, logs } = await runReadmeExample(
      new URL('../README.md', import.meta.url),
      new URL('.', import.meta.url),
      {
        '@unif2ace/tensor': '../../tensor/src/index.js',
        '@unif2ace/data': '../../data/src/index.js',
        '@unif2ace/vq': '../../vq/src/index.js',
        '@unif2ace/model': './index.js',
      },
    );
    expect(code.trim().split('\n').length).toBeLessThan(35);
    expect(logs).toEqual(['t2i true, mmu true', 'image 16x16', 'string string']);
  });
});
