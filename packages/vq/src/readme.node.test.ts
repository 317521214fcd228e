// The README's Example runs as written (against the sources, through the test aliases) and prints what it says.
import { describe, expect, it } from 'vitest';
import { runReadmeExample } from '../../../tools/vitest/readme-example.js';

describe('README', () => {
  it('Example encodes and decodes two faces with the shipped tokenizer', async () => {
    const { logs } = await runReadmeExample(
      new URL('../README.md', import.meta.url),
      new URL('.', import.meta.url),
    );
    expect(logs[0]).toBe('codes [2,16,16] on a 16x16 grid, 1000 codes');
    const [a, b] = /^PSNR ([\d.]+) \/ ([\d.]+) dB$/.exec(logs[1])!.slice(1).map(Number);
    expect(Math.min(a, b)).toBeGreaterThan(20);
    expect(logs[2]).toBe('2 64');
  });
});
