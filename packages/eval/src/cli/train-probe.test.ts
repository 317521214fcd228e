import { describe, expect, it } from 'vitest';
import { run } from './train-probe.js';

describe('train-probe options', () => {
  it('rejects a --jpeg-420 share outside [0, 1], naming the option', async () => {
    await expect(run(['--out', '/nonexistent', '--jpeg', '0.4', '--jpeg-420', '1.5'])).rejects.toThrow(
      /--jpeg-420 takes a probability in \[0, 1\], got "1.5"/,
    );
  });
  it('rejects --jpeg-420 without --jpeg', async () => {
    await expect(run(['--out', '/nonexistent', '--jpeg-420', '0.8'])).rejects.toThrow(
      /--jpeg-420 needs --jpeg/,
    );
  });
  it('rejects an empty --jpeg', async () => {
    await expect(run(['--out', '/nonexistent', '--jpeg', ''])).rejects.toThrow(/--jpeg takes a probability/);
  });
});
