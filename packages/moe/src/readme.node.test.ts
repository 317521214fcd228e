// Runs the first js block of the README's "## Example" section against the source.
import { describe, expect, it } from 'vitest';
import { runReadmeExample } from '../../../tools/vitest/readme-example.js';

describe('README', () => {
  it('the custom-expert example runs, in under 30 lines, and prints what it promises', async () => {
    const { code, logs } = await runReadmeExample(
      new URL('../README.md', import.meta.url),
      new URL('.', import.meta.url),
      {
        '@unif2ace/tensor': '../../tensor/src/index.js',
        '@unif2ace/nn': '../../nn/src/index.js',
        '@unif2ace/moe': './index.js',
      },
    );
    expect(code.trim().split('\n').length).toBeLessThan(30);
    expect(logs).toHaveLength(2);
    // 20 tokens × 2 picks per group
    const loads = [...logs[0].matchAll(/(\w+): ([\d ]+)/g)].map((m) => [m[1], m[2].split(' ').map(Number)]);
    expect(loads.map(([n]) => n)).toEqual(['generation', 'understanding']);
    for (const [, l] of loads) expect((l as number[]).reduce((a, b) => a + b, 0)).toBe(40);
    expect(logs[1]).toBe('custom.generation.3.gain.gain, custom.understanding.3.gain.gain');
  });
});
