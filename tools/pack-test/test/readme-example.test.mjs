import { describe, expect, it } from 'vitest';
import { exampleAsJs, extractExample } from '../readme-example.mjs';

const md = (body) =>
  `# pkg\n\nIntro.\n\n\`\`\`sh\nnpm i pkg\n\`\`\`\n\n## Example\n\n${body}\n## API\n\n\`\`\`js\nnot this\n\`\`\`\n`;

describe('extractExample', () => {
  it('takes the first js block under ## Example, not blocks before or after it', () => {
    const ex = extractExample(
      md('Text.\n\n```js\nconsole.log(1);\n```\n\n```js\nconsole.log(2);\n```\n'),
      'R',
    );
    expect(ex).toEqual({ lang: 'js', code: 'console.log(1);\n' });
  });

  it('accepts ts and strips its types', async () => {
    const ex = extractExample(md('```ts\nconst n: number = 2;\nconsole.log(n as number);\n```\n'), 'R');
    expect(ex.lang).toBe('ts');
    const js = await exampleAsJs(ex, 'R');
    expect(js).not.toMatch(/: number|as number/);
    expect(js).toContain('console.log(n)');
  });

  it('names the README and the problem', async () => {
    expect(() => extractExample('# pkg\n\n```js\nx\n```\n', 'a/README.md')).toThrow(
      "a/README.md: no '## Example' heading",
    );
    expect(() => extractExample(md('No code here.\n'), 'R')).toThrow(
      "R: no js or ts code block under '## Example'",
    );
    expect(() => extractExample(md('```python\nprint(1)\n```\n'), 'R')).toThrow("is 'python', not js or ts");
    expect(() => extractExample('## Example\n```js\nx\n', 'R')).toThrow('never closed');
    await expect(exampleAsJs({ lang: 'ts', code: 'const = ;' }, 'R')).rejects.toThrow(
      'R: the TypeScript example does not compile',
    );
  });
});
