// elementwise.ts picks a case of elementwise.wat's $apply by number: the numbers in its tables must be the
// case order in the .wat. Each case there opens with a `;; <n>: <label>` comment; this test reads them (in
// order, numbered 0, 1, 2, ... like the br_table's targets) and holds every table entry to its label.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { OP_CODES } from './elementwise.js';

const wat = readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'elementwise.wat'), 'utf8');
const apply = wat.slice(wat.indexOf('(func $apply'));
const body = apply.slice(0, apply.indexOf('\n  (func ') > 0 ? apply.indexOf('\n  (func ') : undefined);
const labels = [...body.matchAll(/;; (\d+): ([^\n]*)/g)].map((m) => ({ n: Number(m[1]), label: m[2] }));
const targets = /\(br_table ([^(]*)\(local\.get \$op\)/.exec(body)![1].trim().split(/\s+/);

describe('elementwise.wat case order = elementwise.ts op codes', () => {
  it('labels every case once, in br_table order', () => {
    expect(labels.map((l) => l.n)).toEqual(labels.map((_, i) => i));
    // the br_table's last target is its default (out-of-range codes), not a case
    expect(labels.length).toBe(targets.length - 1);
  });

  it('every table entry names the case it selects', () => {
    const at = (code: number) => labels[code]?.label ?? '(no case)';
    for (const [op, code] of Object.entries(OP_CODES.UNARY_F))
      expect(at(code), op).toMatch(new RegExp(`^${op}\\b`));
    for (const [op, code] of Object.entries(OP_CODES.BINARY_F))
      expect(at(code), op).toMatch(new RegExp(`^f32 ${op}\\b`));
    for (const [op, code] of Object.entries(OP_CODES.BINARY_I))
      expect(at(code), op).toMatch(new RegExp(`^i32(/u32)? ${op}\\b`));
    for (const [op, code] of Object.entries(OP_CODES.BINARY_U))
      expect(at(code), op).toMatch(new RegExp(`^(u32|i32/u32) ${op}\\b`));
    for (const [label, code] of Object.entries(OP_CODES.single))
      expect(at(code).startsWith(label), label).toBe(true);
  });
});
